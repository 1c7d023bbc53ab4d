namespace Loco.Cli.Tests;

/// <summary>
/// <c>--fragments</c>, <c>--overlap</c> and <c>--merge</c> on <c>loco simulate</c> and <c>loco train</c>: one fragment is
/// the plain run, staggered fragments change it reproducibly, the bytes a worker sends per round stay those of one
/// pseudo-gradient (a fragment at a time), and bad values are refused naming the flag, exit 2.
/// </summary>
public sealed class FragmentCliTests() : CliTestBase("fragments")
{
    private static readonly string[] Simulate = ["simulate", "--preset", "diloco", "--rounds", "12", "--runs", "6", "--seed", "3", "--dim", "200", "--inner-steps", "8"];

    private string Curve(params string[] extra) => CurveOf([.. Simulate, .. extra]);

    [Fact]
    public void SimulateWithOneFragmentIsThePlainCurveAndFourFragmentsChangeItReproducibly()
    {
        string plain = Curve();
        Assert.Equal(plain, Curve("--fragments", "1"));
        string four = Curve("--fragments", "4", "--overlap", "1", "--merge", "0.5");
        Assert.NotEqual(plain, four);
        Assert.Equal(four, Curve("--fragments", "4", "--overlap", "1", "--merge", "0.5"));
    }

    [Fact]
    public void TrainWithFourFragmentsSendsAQuarterOfTheWeightsAtATimeAndAsManyBytesPerRound()
    {
        string[] run = ["train", "--steps", "24", "--inner-steps", "8", "--batch", "2", "--context", "8", "--seed", "2", "--eval-every", "0", "--compress", "int8"];
        foreach ((string name, string[] extra) in new[] { ("one", Array.Empty<string>()), ("four", ["--fragments", "4", "--overlap", "1"]) })
        {
            var (code, _, err) = Loco([.. run, .. extra, "--out", PathOf(name)]);
            Assert.True(code == 0, err);
        }

        static long Sent(string folder)
        {
            string[] lines = File.ReadAllLines(Path.Combine(folder, "train.csv"));
            int column = Array.IndexOf(lines[0].Split(','), "bytes_sent");
            return long.Parse(lines[^1].Split(',')[column], System.Globalization.CultureInfo.InvariantCulture);
        }

        // Four fragments are encoded one by one: the same weights, at most three more partial int8 blocks (4 bytes each).
        long one = Sent(PathOf("one")), four = Sent(PathOf("four"));
        Assert.InRange(four - one, 0, 3 * 4);
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(PathOf("one"), "checkpoint", "global.safetensors")),
            File.ReadAllBytes(Path.Combine(PathOf("four"), "checkpoint", "global.safetensors")));
    }

    [Theory]
    [InlineData("simulate", "--fragments", new[] { "--fragments", "0" })]
    [InlineData("simulate", "--fragments", new[] { "--fragments", "201" })]
    [InlineData("simulate", "--overlap", new[] { "--fragments", "2", "--overlap", "4" })]
    [InlineData("simulate", "--merge", new[] { "--fragments", "2", "--merge", "1" })]
    [InlineData("train", "--overlap", new[] { "--fragments", "4", "--overlap", "5", "--inner-steps", "20" })]
    [InlineData("train", "--reset-inner-state", new[] { "--fragments", "2", "--reset-inner-state" })]
    [InlineData("simulate", "--restart", new[] { "--fragments", "2", "--restart", "opposed" })]
    public void BadFragmentFlagsAreRefusedNamingTheFlag(string command, string flag, string[] args)
    {
        string[] output = command == "simulate" ? [.. Simulate[1..], "--csv", Path.Combine(PathOf("x"), "c.csv")] : ["--out", PathOf("x")];
        AssertRefused([command, .. args, .. output], flag, PathOf("x"));
    }

    [Fact]
    public void AClusterRunRefusesFragmentsItsRoundCannotHoldBeforeAnyProcessStarts()
    {
        AssertRefused(["train", "--processes", "2", "--fragments", "4", "--overlap", "5", "--inner-steps", "20", "--out", PathOf("c")], "--overlap", PathOf("c"));
        AssertRefused(["train", "--processes", "2", "--fragments", "2", "--restart", "adaptive:dot", "--out", PathOf("c")], "--restart", PathOf("c"));
    }
}
