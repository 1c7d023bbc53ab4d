namespace Loco.Cli.Tests;

/// <summary>Sizes that cannot fit in memory are refused up front, naming the flag, instead of failing (or thrashing) later.</summary>
public sealed class MemoryRefusalTests() : CliTestBase("memory")
{
    [Theory]
    [InlineData("--dim", new[] { "simulate", "--dim", "2000000000", "--runs", "2", "--rounds", "2" })]
    [InlineData("--runs", new[] { "simulate", "--dim", "10", "--runs", "2000000000", "--rounds", "100" })]
    [InlineData("--rounds", new[] { "simulate", "--dim", "10", "--runs", "16", "--rounds", "2000000000" })]
    [InlineData("--rounds", new[] { "theory", "--dim", "10", "--rounds", "2000000000", "--inner-curve" })]
    public void ASizeThatCannotFitIsRefusedNamingTheFlag(string flag, string[] args)
    {
        string csv = PathOf("out.csv");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (code, output, err) = Loco([.. args, "--csv", csv]);
        Assert.Equal(2, code);
        Assert.StartsWith($"loco: {flag}: the {args[0]} run needs about ", err);
        Assert.Contains("is available", err);
        Assert.Equal("", output);
        Assert.False(File.Exists(csv));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"{clock.Elapsed}"); // refused, not attempted
    }

    [Fact]
    public void TheSameCommandsAtASizeThatFitsRun()
    {
        Assert.Equal(0, Loco("simulate", "--dim", "10", "--runs", "2", "--rounds", "3").Code);
        Assert.Equal(0, Loco("theory", "--dim", "10", "--rounds", "3", "--inner-curve").Code);
    }
}
