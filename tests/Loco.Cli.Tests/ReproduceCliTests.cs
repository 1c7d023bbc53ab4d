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
    public void OneClaimQuickRunsOnBothDefaultProblemsWritesItsFoldersAndTheReportAndExitsZeroWhenReproduced()
    {
        string outFolder = Path.Combine(Folder, "out");
        var (code, output, err) = Loco("reproduce", "restart-contraction", "--out", outFolder, "--quick");
        Assert.True(code == 0, err + output);
        Assert.Contains("restart-contraction: reproduced", output);
        Assert.True(File.Exists(Path.Combine(outFolder, "restart-contraction", "contraction.png")));
        Assert.True(File.Exists(Path.Combine(outFolder, "restart-contraction", "a2-b0.5", "contraction.png"))); // the second problem
        Assert.True(File.Exists(Path.Combine(outFolder, "restart-contraction", "contraction-measured.csv")));
        string html = File.ReadAllText(Path.Combine(outFolder, "report.html"));
        Assert.Contains("data:image/png;base64,", html);
        Assert.Contains($"loco reproduce restart-contraction --out {outFolder} --quick", html);
        Assert.Contains("Measured on λ_i = i^-2, E[θ*_i²] = i^-0.5", System.Net.WebUtility.HtmlDecode(html));
        Assert.Contains("First-edition criterion (kept as a finding)", html);
    }

    [Fact]
    public void ProblemFlagsRunOneProblemAndTheCommandToRegenerateNamesThem()
    {
        string outFolder = Path.Combine(Folder, "one");
        var (code, output, err) = Loco("reproduce", "restart-contraction", "--out", outFolder, "--quick", "--spectrum-exp", "1.2", "--dim", "40");
        Assert.True(code == 0, err + output);
        Assert.False(Directory.Exists(Path.Combine(outFolder, "restart-contraction", "a2-b0.5")));
        string html = System.Net.WebUtility.HtmlDecode(File.ReadAllText(Path.Combine(outFolder, "report.html")));
        Assert.Contains("Measured on λ_i = i^-1.2, E[θ*_i²] = i^-1, D = 40", html);
        Assert.Contains($"loco reproduce restart-contraction --out {outFolder} --quick --spectrum-exp 1.2 --target-exp 1 --dim 40", html);
        Assert.Contains("problem's 40 modes", html);
    }

    [Theory]
    [InlineData("--spectrum-exp", "-1")]
    [InlineData("--dim", "2")]
    [InlineData("--budget", "10")]
    [InlineData("--noise", "-0.5")]
    public void ABadProblemFlagIsOneErrorExitTwo(string flag, string value)
    {
        string outFolder = Path.Combine(Folder, "bad");
        var (code, output, err) = Loco("reproduce", "restart-contraction", "--out", outFolder, "--quick", flag, value);
        Assert.Equal(2, code);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(flag, err);
        Assert.DoesNotContain("reproduced", output);
    }

    [Fact]
    public void JsonListsTheVerdictsAndKeepsStandardOutputForIt()
    {
        string outFolder = Path.Combine(Folder, "json");
        var (code, output, err) = Loco("reproduce", "restart-contraction", "--out", outFolder, "--quick", "--json");
        Assert.True(code == 0, err + output);
        using var doc = System.Text.Json.JsonDocument.Parse(output);
        System.Text.Json.JsonElement claim = Assert.Single(doc.RootElement.GetProperty("entries").EnumerateArray());
        Assert.Equal("restart-contraction", claim.GetProperty("id").GetString());
        Assert.Equal("reproduced", claim.GetProperty("verdict").GetString());
        Assert.Equal("good", claim.GetProperty("tone").GetString());
        Assert.Contains("contraction.png", claim.GetProperty("figures")[0].GetString());
        Assert.Contains("restart-contraction: reproduced", err); // the progress line moved to standard error
    }

    [Fact]
    public void TwoClaimsRunOneAfterTheOtherIntoOneFolderAreBothInTheReport()
    {
        string outFolder = Path.Combine(Folder, "out");
        var (code1, out1, err1) = Loco("reproduce", "restart-stability", "--out", outFolder, "--quick");
        Assert.True(code1 is 0 or 1, err1 + out1);
        var (code2, out2, err2) = Loco("reproduce", "restart-contraction", "--out", outFolder, "--quick");
        Assert.True(code2 == 0, err2 + out2);
        Assert.Contains("keeps 1 earlier claim: restart-stability", out2);
        string html = File.ReadAllText(Path.Combine(outFolder, "report.html"));
        Assert.Contains("<section id=\"restart-contraction\">", html);
        Assert.Contains("<section id=\"restart-stability\">", html);
        Assert.Contains($"loco reproduce restart-stability --out {outFolder} --quick", html);
        Assert.Contains($"loco reproduce restart-contraction --out {outFolder} --quick", html);
        Assert.Contains("stability-pytorch.png", html); // the first claim's figures are still embedded
        // In the registry's order (restart-contraction before restart-stability), whatever order they ran in.
        Assert.True(html.IndexOf("<section id=\"restart-contraction\">", StringComparison.Ordinal) < html.IndexOf("<section id=\"restart-stability\">", StringComparison.Ordinal));
        // Running the second again replaces its entry and keeps the first.
        var (code3, _, err3) = Loco("reproduce", "restart-contraction", "--out", outFolder, "--quick");
        Assert.True(code3 == 0, err3);
        html = File.ReadAllText(Path.Combine(outFolder, "report.html"));
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(html, "<section id=\"restart-contraction\">"));
        Assert.Contains("<section id=\"restart-stability\">", html);
    }

    public static TheoryData<string> BadOutFolders => new() { "file", "file-parent", "proc", "dev-full" };

    [Theory]
    [MemberData(nameof(BadOutFolders))]
    public void AnOutFolderThatCannotTakeFilesIsOneErrorBeforeAnyWork(string kind)
    {
        string file = Path.Combine(Folder, "plain");
        File.WriteAllText(file, "x");
        string outFolder = kind switch
        {
            "file" => file,
            "file-parent" => Path.Combine(file, "out"),
            "proc" => "/proc/loco-cannot-be-made/out", // as root nothing is read-only; /proc refuses new folders all the same
            _ => "/dev/full",
        };
        if (kind is "proc" or "dev-full" && !Directory.Exists("/proc/self"))
        {
            return; // not on this system
        }

        var (code, output, err) = Loco("reproduce", "restart-contraction", "--out", outFolder, "--quick");
        Assert.Equal(2, code);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("--out", err);
        Assert.Contains(outFolder, err);
        Assert.DoesNotContain("   at ", err);
        Assert.DoesNotContain("reproduced", output);
        Assert.Equal("x", File.ReadAllText(file));
    }

    [Fact]
    public void AFileAClaimCannotWriteIsBadInputNotAFailedClaim()
    {
        string outFolder = Path.Combine(Folder, "out");
        // The claim's figure path is taken by a folder: the claim's own write fails.
        Directory.CreateDirectory(Path.Combine(outFolder, "restart-contraction", "contraction.png"));
        var (code, output, err) = Loco("reproduce", "restart-contraction", "--out", outFolder, "--quick");
        Assert.Equal(2, code);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("contraction.png", err);
        Assert.DoesNotContain("reproduced", output);
        Assert.False(File.Exists(Path.Combine(outFolder, "report.html")));
    }

    [Fact]
    public void HelpStatesTheExitCodes()
    {
        var (code, output, _) = Loco("reproduce", "--help");
        Assert.Equal(0, code);
        Assert.Contains("Exit code 0 when every verdict is reproduced", output);
        Assert.Contains("--spectrum-exp", output);
        Assert.Contains("--quick", output);
    }
}
