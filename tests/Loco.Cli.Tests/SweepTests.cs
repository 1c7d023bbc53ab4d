namespace Loco.Cli.Tests;

/// <summary><c>loco sweep</c>: outputs and resume through the command line, a folder of other settings, bad input.</summary>
public sealed class SweepTests() : CliTestBase("sweep")
{
    /// <summary>--quick made smaller still: one momentum, 4 rounds of H = 2, so 4 cells of 8 inner steps per worker.</summary>
    private static string[] Small(string outFolder, params string[] more) =>
        ["sweep", "--quick", "--inner-steps-list", "2", "--restart-period", "2", "--momenta", "0.5", "--rounds", "4", "--batch", "2", "--context", "8", "--out", outFolder, .. more];

    /// <summary>cells.csv without its last column (seconds, which differs run to run).</summary>
    private static string[] WithoutSeconds(string folder) =>
        [.. File.ReadAllLines(Path.Combine(folder, "cells.csv")).Select(l => l[..l.LastIndexOf(',')])];

    [Fact]
    public void WritesCellsAreaAndHeatmapsAndARerunTrainsNothing()
    {
        // Two at a time: each cell in a child loco process.
        string outFolder = PathOf("sweep");
        var (code, output, err) = Loco(Small(outFolder, "--parallel", "2"));
        Assert.True(code == 0, err);
        string[] cells = File.ReadAllLines(Path.Combine(outFolder, "cells.csv"));
        Assert.StartsWith("inner_steps,restart_period,outer,outer_form,outer_lr,outer_momentum,", cells[0]);
        Assert.Equal(1 + 4, cells.Length); // 2 outer lrs × 1 momentum × {no restart, K = 2}
        Assert.All(cells[1..], row => Assert.StartsWith("2,", row));
        Assert.Equal(["0", "0", "2", "2"], cells[1..].Select(row => row.Split(',')[1]));
        Assert.All(cells[1..], row => Assert.Equal(["nesterov", "pytorch"], row.Split(',')[2..4])); // the outer defaults of every command

        // stable-area.csv counts the stable column of cells.csv, grid by grid.
        string[] area = File.ReadAllLines(Path.Combine(outFolder, "stable-area.csv"));
        Assert.Equal("inner_steps,restart_period,stable_cells,diverged_cells,cells,margin", area[0]);
        int stableColumn = Array.IndexOf(cells[0].Split(','), "stable");
        for (int k = 0; k < 2; k++)
        {
            int stable = cells[(1 + 2 * k)..(3 + 2 * k)].Count(row => row.Split(',')[stableColumn] == "true");
            Assert.Equal($"2,{2 * k},{stable},0,2,0.1", area[1 + k]);
        }

        foreach (string png in new[] { "heatmap-h2-k0.png", "heatmap-h2-k2.png", "heatmaps.png" })
        {
            Assert.True(new FileInfo(Path.Combine(outFolder, png)).Length > 1000, png);
        }

        Assert.Contains("stable area", output);
        Assert.Contains("4 cells trained, 0 taken", output);

        var (code2, output2, err2) = Loco(Small(outFolder, "--parallel", "2"));
        Assert.True(code2 == 0, err2);
        Assert.Contains("0 cells trained, 4 taken", output2);
        Assert.Equal(cells, File.ReadAllLines(Path.Combine(outFolder, "cells.csv")));

        // The cells trained side by side in child processes equal, bit for bit, the same cells trained one at a time in this process.
        string alone = PathOf("alone");
        var (code3, _, err3) = Loco(Small(alone, "--parallel", "1"));
        Assert.True(code3 == 0, err3);
        Assert.Equal(WithoutSeconds(alone), WithoutSeconds(outFolder));
        int finalColumn = Array.IndexOf(cells[0].Split(','), "final_val_loss");
        Assert.Equal(4, cells[1..].Select(row => row.Split(',')[finalColumn]).Distinct().Count()); // the cells differ: equality is not a constant
    }

    [Fact]
    public void AnOutFolderWithAnotherSweepIsRefusedAndKept()
    {
        string outFolder = PathOf("sweep");
        Assert.Equal(0, Loco(Small(outFolder, "--outer-lrs", "0.9")).Code);
        string cells = File.ReadAllText(Path.Combine(outFolder, "cells.csv"));
        var (code, _, err) = Loco(Small(outFolder, "--outer-lrs", "0.9", "--margin", "0.2"));
        Assert.Equal(2, code);
        Assert.Contains("--out", err);
        Assert.Contains("margin", err);
        Assert.Equal(cells, File.ReadAllText(Path.Combine(outFolder, "cells.csv")));
    }

    [Fact]
    public void AnOutThatIsAFileOrBelowAFileOrUnwritableIsRefusedBeforeAnyWork()
    {
        string file = PathOf("a-file");
        File.WriteAllText(file, "not a folder");
        foreach (string outFolder in new[] { file, Path.Combine(file, "sweep"), "/proc/loco-sweep-test/sweep" })
        {
            var (code, output, err) = Loco(Small(outFolder));
            Assert.Equal(2, code);
            Assert.StartsWith("loco: --out: ", err);
            Assert.Single(err.Trim().Split('\n')); // one message, no stack trace
            Assert.Equal("", output);
        }

        Assert.Equal("not a folder", File.ReadAllText(file));
    }

    [Theory]
    [InlineData("--outer-lrs", "0.5,-1", "--outer-lrs")]
    [InlineData("--momenta", "1.2", "--momenta")]
    [InlineData("--inner-steps-list", "0", "--inner-steps-list")]
    [InlineData("--restart-period", "-1", "--restart-period")]
    [InlineData("--rounds", "0", "--rounds")]
    [InlineData("--margin", "1.5", "--margin")]
    [InlineData("--parallel", "0", "--parallel")]
    [InlineData("--device", "tpu", "--device")]
    [InlineData("--model", "huge", "--model")]
    [InlineData("--outer", "adam", "--outer")]
    [InlineData("--outer-form", "torch", "--outer-form")]
    [InlineData("--inner-lr", "0", "--inner-lr")]
    [InlineData("--corpus", "/no/such/file.txt", "--corpus")]
    public void BadInputExitsTwoNamingTheFlagAndWritesNothing(string flag, string value, string named)
    {
        string outFolder = PathOf("bad");
        AssertRefused(Small(outFolder, flag, value), named, outFolder);
    }

    /// <summary>The small sweep with an adaptive restart rule for its second grid.</summary>
    private static string[] Adaptive(string outFolder, string rule, params string[] more) =>
        ["sweep", "--quick", "--inner-steps-list", "2", "--restart", rule, "--momenta", "0.5", "--rounds", "4", "--batch", "2", "--context", "8", "--out", outFolder, .. more];

    [Fact]
    public void AnAdaptiveRestartRuleIsTheSecondGridInChildProcessesAndInProcessAndResumes()
    {
        var (code, output, err) = Loco(Adaptive(PathOf("children"), "adaptive:loss", "--parallel", "2"));
        Assert.True(code == 0, err);
        Assert.Contains("adaptive:loss", output);
        (code, _, err) = Loco(Adaptive(PathOf("here"), "adaptive:loss", "--parallel", "1"));
        Assert.True(code == 0, err);
        Assert.Equal(WithoutSeconds(PathOf("here")), WithoutSeconds(PathOf("children"))); // the children were given the rule
        string[] cells = WithoutSeconds(PathOf("here"));
        Assert.Equal(["0", "0", "adaptive:loss", "adaptive:loss"], cells[1..].Select(row => row.Split(',')[1]));
        Assert.True(File.Exists(Path.Combine(PathOf("here"), "heatmap-h2-adaptive-loss.png")));
        Assert.Contains("2,adaptive:loss,", File.ReadAllText(Path.Combine(PathOf("here"), "stable-area.csv")));

        // The same folder resumes (nothing to train); another rule there is another sweep, refused.
        (code, output, err) = Loco(Adaptive(PathOf("here"), "adaptive:loss", "--parallel", "1"));
        Assert.True(code == 0, err);
        Assert.Contains("0 cells trained, 4 taken", output);
        (code, _, err) = Loco(Adaptive(PathOf("here"), "adaptive:dot", "--parallel", "1"));
        Assert.Equal(2, code);
        Assert.Contains("--out", err);
    }

    [Theory]
    [InlineData("adaptive:grad")]
    [InlineData("never")]
    public void ABadRestartRuleIsRefused(string rule) => AssertRefused(Adaptive(PathOf("bad"), rule), "--restart", PathOf("bad"));

    [Fact]
    public void ARestartRuleAndARestartPeriodTogetherAreRefused() =>
        AssertRefused(Adaptive(PathOf("both"), "adaptive:dot", "--restart-period", "3"), "--restart", PathOf("both"));

    [Fact]
    public void ACompressedSweepGivesTheSameCellsInChildProcessesAndInProcessAndRecordsItsCodec()
    {
        string[] codec = ["--compress", "int4:64", "--stochastic-rounding", "--error-feedback"];
        var (code, _, err) = Loco(Small(PathOf("children"), [.. codec, "--parallel", "2"]));
        Assert.True(code == 0, err);
        (code, _, err) = Loco(Small(PathOf("here"), [.. codec, "--parallel", "1"]));
        Assert.True(code == 0, err);
        (code, _, err) = Loco(Small(PathOf("plain"), "--parallel", "1"));
        Assert.True(code == 0, err);
        Assert.Equal(WithoutSeconds(PathOf("here")), WithoutSeconds(PathOf("children"))); // the children were given the codec
        Assert.NotEqual(WithoutSeconds(PathOf("plain")), WithoutSeconds(PathOf("here")));
        Assert.Contains("\"compress\": \"int4:64+sr\"", File.ReadAllText(Path.Combine(PathOf("here"), "settings.json")));
        (code, _, err) = Loco(Small(PathOf("here"), "--parallel", "1")); // the same folder without the codec
        Assert.Equal(2, code);
        Assert.Contains("compress", err);
    }

    [Fact]
    public void AFragmentedCompressedSweepGivesTheSameCellsInChildProcessesAndInProcessAndRecordsItsFragments()
    {
        // Two fragments that merge with α = 0.3, each fragment int8-encoded: the children must be given both.
        string[] streaming = ["--fragments", "2", "--merge", "0.3", "--compress", "int8"];
        var (code, output, err) = Loco(Small(PathOf("children"), [.. streaming, "--parallel", "2"]));
        Assert.True(code == 0, err);
        Assert.Contains("fragments P=2, τ=0, α=0.3", output);
        (code, _, err) = Loco(Small(PathOf("here"), [.. streaming, "--parallel", "1"]));
        Assert.True(code == 0, err);
        (code, _, err) = Loco(Small(PathOf("codec-only"), "--compress", "int8", "--parallel", "1"));
        Assert.True(code == 0, err);
        Assert.Equal(WithoutSeconds(PathOf("here")), WithoutSeconds(PathOf("children")));
        Assert.NotEqual(WithoutSeconds(PathOf("codec-only")), WithoutSeconds(PathOf("here"))); // the fragments took effect
        Assert.Contains("\"fragments\": \"P=2, τ=0, α=0.3\"", File.ReadAllText(Path.Combine(PathOf("here"), "settings.json")));

        // The same folder without the fragments is another sweep.
        (code, _, err) = Loco(Small(PathOf("here"), "--compress", "int8", "--parallel", "1"));
        Assert.Equal(2, code);
        Assert.Contains("fragments", err);

        // --fragments 1 is the plain round: it resumes the plain sweep and trains nothing.
        (code, output, err) = Loco(Small(PathOf("codec-only"), "--compress", "int8", "--fragments", "1", "--parallel", "1"));
        Assert.True(code == 0, err);
        Assert.Contains("0 cells trained, 4 taken", output);
    }

    [Fact]
    public void AnOverlapTheSmallestHCannotHoldIsRefused() =>
        AssertRefused(Small(PathOf("overlap"), "--fragments", "2", "--overlap", "1"), "--overlap", PathOf("overlap")); // τ·P = 2 ≥ H = 2

    [Fact]
    public void FragmentsWithARuleThatReadsTheWholeRoundAreRefused() =>
        AssertRefused(Adaptive(PathOf("fragments"), "adaptive:dot", "--fragments", "2"), "--restart", PathOf("fragments"));

    /// <summary>A small fixed-budget sweep: H = 2 and 4 on a budget of 8 inner steps (4 and 2 rounds), one lr, one momentum.</summary>
    private static string[] Budgeted(string outFolder, params string[] more) =>
        ["sweep", "--quick", "--inner-steps-list", "2,4", "--budget", "8", "--restart-period", "2", "--outer-lrs", "0.5", "--momenta", "0.5",
         "--batch", "2", "--context", "8", "--out", outFolder, .. more];

    [Fact]
    public void ABudgetGivesEveryHTheSameInnerStepsInChildProcessesAndInProcess()
    {
        var (code, _, err) = Loco(Budgeted(PathOf("children"), "--parallel", "2"));
        Assert.True(code == 0, err);
        (code, _, err) = Loco(Budgeted(PathOf("here"), "--parallel", "1"));
        Assert.True(code == 0, err);
        Assert.Equal(WithoutSeconds(PathOf("here")), WithoutSeconds(PathOf("children"))); // the children were given the budget
        string[] cells = WithoutSeconds(PathOf("here"));
        string[] header = cells[0].Split(',');
        int h = Array.IndexOf(header, "inner_steps"), rounds = Array.IndexOf(header, "rounds"), done = Array.IndexOf(header, "rounds_completed");
        foreach (string[] row in cells[1..].Select(r => r.Split(',')))
        {
            Assert.Equal(8 / int.Parse(row[h], System.Globalization.CultureInfo.InvariantCulture), int.Parse(row[rounds], System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(row[rounds], row[done]);
        }

        Assert.Contains("\"inner_step_budget\": \"8\"", File.ReadAllText(Path.Combine(PathOf("here"), "settings.json")));
    }

    [Fact]
    public void MatchingTheRestartStepTrainsNoRestartAtTheScaledOuterLr()
    {
        // A matched cell at the nominal ν = 0.5, β = 0.5, K = 2 equals a plain no-restart cell at ν·(1 − β²(1 − β²)/(2(1 − β))) = 0.5 × 0.8125
        // (the mean of the first two steps after a reset, 1 − β² and 1 − β³), exact in binary.
        var (code, output, err) = Loco(Budgeted(PathOf("matched"), "--match-restart-step", "2", "--parallel", "1"));
        Assert.True(code == 0, err);
        Assert.Contains("no restart with ν scaled to the mean step of a restart every 2", output);
        string[] matched = WithoutSeconds(PathOf("matched"));
        Assert.Equal(1 + 2, matched.Length); // no restarted grid: H = 2 and 4 without restart
        Assert.Equal(0.40625, 0.5 * ((1 - 0.25) + (1 - 0.125)) / 2, 15);
        (code, _, err) = Loco(["sweep", "--quick", "--inner-steps-list", "2,4", "--budget", "8", "--restart-period", "0", "--outer-lrs", "0.40625", "--momenta", "0.5",
            "--batch", "2", "--context", "8", "--out", PathOf("scaled"), "--parallel", "1"]);
        Assert.True(code == 0, err);
        int final = Array.IndexOf(matched[0].Split(','), "final_val_loss");
        Assert.Equal(WithoutSeconds(PathOf("scaled"))[1..].Select(r => r.Split(',')[final]), matched[1..].Select(r => r.Split(',')[final]));
        (code, _, err) = Loco(["sweep", "--quick", "--inner-steps-list", "2,4", "--budget", "8", "--restart-period", "0", "--outer-lrs", "0.5", "--momenta", "0.5",
            "--batch", "2", "--context", "8", "--out", PathOf("plain"), "--parallel", "1"]);
        Assert.True(code == 0, err);
        Assert.NotEqual(WithoutSeconds(PathOf("plain"))[1..].Select(r => r.Split(',')[final]), matched[1..].Select(r => r.Split(',')[final]));
    }

    [Theory]
    [InlineData(new[] { "--budget", "3" }, "--budget")] // less than the largest H (4)
    [InlineData(new[] { "--rounds", "4" }, "--rounds")] // rounds and a budget
    [InlineData(new[] { "--match-restart-step", "-1" }, "--match-restart-step")]
    [InlineData(new[] { "--match-restart-step", "2", "--outer", "heavy-ball" }, "--match-restart-step")]
    [InlineData(new[] { "--regime", "theirs" }, "--regime")]
    public void BadBudgetRegimeOrMatchingIsRefused(string[] more, string flag) =>
        AssertRefused(Budgeted(PathOf("bad"), more), flag, PathOf("bad"));

    [Fact]
    public void ThePaperRegimeUsesABudgetAndTheRoundsFlagConflictsWithIt()
    {
        AssertRefused(["sweep", "--regime", "paper", "--quick", "--rounds", "5", "--out", PathOf("paper")], "--rounds", PathOf("paper"));
        // The paper's regime is in the paper's (EMA) form, which the regime sets; no flag default differs from other commands'.
        Assert.Equal(global::Loco.Core.Optimizers.OuterForm.Ema, global::Loco.Studies.Sweep.SweepOptions.PaperRegime.OuterForm);
        Assert.Equal(global::Loco.Core.Optimizers.OuterForm.PyTorch, new global::Loco.Studies.Sweep.SweepOptions().OuterForm);
        var (code, output, _) = Loco("sweep", "--help");
        Assert.Equal(0, code);
        Assert.Contains("--regime", output);
        Assert.Contains("--match-restart-step", output);
    }
}
