namespace Loco.Cli.Tests;

public sealed class ReproduceCliTests() : CliTestBase("reproduce")
{
    [Fact]
    public void UnknownClaimExitsTwoListingTheChoicesAndWritesNothing()
    {
        string outFolder = Path.Combine(Folder, "out");
        var (code, _, err) = Loco("reproduce", "no-such-claim", "--out", outFolder);
        Assert.Equal(2, code);
        Assert.Contains("no-such-claim", err);
        Assert.Contains("restart-contraction", err);
        Assert.Contains("all", err);
        Assert.False(Directory.Exists(outFolder));
    }

    [Fact]
    public void OneClaimQuickWritesItsFolderAndTheReportAndExitsZeroOnPass()
    {
        string outFolder = Path.Combine(Folder, "out");
        var (code, output, err) = Loco("reproduce", "restart-contraction", "--out", outFolder, "--quick");
        Assert.True(code == 0, err + output);
        Assert.Contains("restart-contraction: PASS", output);
        Assert.True(File.Exists(Path.Combine(outFolder, "restart-contraction", "contraction.png")));
        Assert.True(File.Exists(Path.Combine(outFolder, "restart-contraction", "contraction-measured.csv")));
        string html = File.ReadAllText(Path.Combine(outFolder, "report.html"));
        Assert.Contains("data:image/png;base64,", html);
        Assert.Contains($"loco reproduce restart-contraction --out {outFolder} --quick", html);
    }

    [Fact]
    public void HelpStatesTheExitCodes()
    {
        var (code, output, _) = Loco("reproduce", "--help");
        Assert.Equal(0, code);
        Assert.Contains("Exit code 0 only when every claim run passes", output);
        Assert.Contains("--quick", output);
    }
}
