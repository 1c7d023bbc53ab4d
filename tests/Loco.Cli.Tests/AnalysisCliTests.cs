using System.Globalization;
using System.Text.Json;

namespace Loco.Cli.Tests;

public sealed class AnalysisCliTests() : CliTestBase("analysis")
{
    private static double D(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    private static double Lambda(int i) => Math.Pow(i, -1.5); // the default power law, λ_max = 1

    [Fact]
    public void SpectrumCsvHasEveryModeWithMuAndThePlainRate()
    {
        string csv = PathOf("spectrum.csv");
        var (code, output, err) = Loco("spectrum", "--dim", "50", "--inner-lr", "0.8", "--inner-steps", "5", "--outer", "heavy-ball", "--outer-momentum", "0",
            "--outer-lr", "0.7", "--restart-period", "4", "--csv", csv); // heavy-ball with β = 0 is the plain step, and a restart is allowed
        Assert.True(code == 0, err);
        string[] lines = File.ReadAllLines(csv);
        Assert.Equal("mode,lambda,mu,rate,restart_period,c_k,restart_rate,peak_within_cycle", lines[0]);
        Assert.Equal(51, lines.Length);
        foreach (string line in lines[1..])
        {
            string[] f = line.Split(',');
            int i = int.Parse(f[0], CultureInfo.InvariantCulture);
            double mu = 1 - Math.Pow(1 - 0.8 * Lambda(i), 5);
            Assert.Equal(mu, D(f[2]), 1e-13);
            Assert.Equal(Math.Abs(1 - 0.7 * mu), D(f[3]), 1e-13); // plain step: T = 1 − αμ
            Assert.Equal(Math.Pow(1 - 0.7 * mu, 4), D(f[5]), 1e-13); // c_K = (1 − αμ)^K
        }

        Assert.Contains("stable without restart", output);
    }

    [Fact]
    public void SpectrumJsonFlagsAnUnstableOuterStep()
    {
        // Heavy-ball: stable iff αμ < 2(1 + β); with α = 5, β = 0.5 the top modes (μ ≈ 1) are beyond 3.
        var (code, output, err) = Loco("spectrum", "--dim", "30", "--outer", "heavy-ball", "--outer-lr", "5", "--outer-momentum", "0.5", "--json");
        Assert.True(code == 0, err);
        using JsonDocument doc = JsonDocument.Parse(output);
        Assert.False(doc.RootElement.GetProperty("stable").GetBoolean());
        Assert.Equal(30, doc.RootElement.GetProperty("modes").GetArrayLength());
        Assert.True(doc.RootElement.GetProperty("max_rate").GetDouble() > 1);
    }

    [Fact]
    public void StabilityDefaultGridIsThirtyCellsAndMatchesTheClosedForm()
    {
        string csv = PathOf("grid/stability.csv");
        var (code, output, err) = Loco("stability", "--dim", "100", "--inner-lr", "1.9", "--inner-steps", "3", "--outer-lrs", "0.1,0.3,0.5,0.7,0.9,1.1,4,9", "--csv", csv);
        Assert.True(code == 0, err);
        string[] lines = File.ReadAllLines(csv);
        Assert.Equal(1 + 8 * 5, lines.Length);
        double muMax = Enumerable.Range(1, 100).Max(i => 1 - Math.Pow(1 - 1.9 * Lambda(i), 3));
        int unstable = 0;
        foreach (string line in lines[1..])
        {
            string[] f = line.Split(',');
            Assert.Equal(["nesterov", "pytorch"], f[..2]); // the form's default is pytorch here too, as on every command
            double alpha = D(f[2]), beta = D(f[3]);
            // Nesterov, PyTorch form: stable iff α μ < 2(1 + β)/(1 + 2β) for every μ (all μ > 0 here).
            bool expected = alpha * muMax < 2 * (1 + beta) / (1 + 2 * beta);
            Assert.Equal(expected ? "true" : "false", f[6]);
            Assert.Equal("3", f[4]);
            unstable += expected ? 0 : 1;
        }

        Assert.InRange(unstable, 1, 39);
        Assert.Contains("without restart", output);
        Assert.Contains("with restart every 3", output);
        Assert.Contains("✗", output);
    }

    [Fact]
    public void StabilityJsonCountsCells()
    {
        var (code, output, err) = Loco("stability", "--dim", "40", "--outer", "heavy-ball", "--outer-form", "pytorch", "--momenta", "0,0.9", "--outer-lrs", "1,2.5", "--inner-lr", "1", "--inner-steps", "1", "--restart-period", "1", "--json");
        Assert.True(code == 0, err);
        using JsonDocument doc = JsonDocument.Parse(output);
        JsonElement root = doc.RootElement;
        Assert.Equal(4, root.GetProperty("cells").GetInt32());
        // μ = λ here (H = 1, η = 1), μ_max = 1. Heavy-ball stable iff α < 2(1 + β): (1, 0), (1, 0.9), (2.5, 0.9) are; (2.5, 0) is not.
        Assert.Equal(3, root.GetProperty("stable").GetInt32());
        // K = 1 restarts every round: the plain step, stable iff α < 2: only the α = 1 cells.
        Assert.Equal(2, root.GetProperty("stable_with_restart").GetInt32());
        Assert.Equal(1, root.GetProperty("stable_only_without_restart").GetInt32());
    }

    [Fact]
    public void ContractionCsvHasOneRowPerModeAndPeriodMatchingTheHeavyBallFormula()
    {
        string csv = PathOf("contraction.csv");
        var (code, output, err) = Loco("contraction", "--dim", "20", "--outer", "heavy-ball", "--outer-lr", "1", "--outer-momentum", "0.9", "--inner-lr", "0.9", "--inner-steps", "3", "--periods", "2,7", "--csv", csv);
        Assert.True(code == 0, err);
        string[] lines = File.ReadAllLines(csv);
        Assert.Equal("mode,lambda,mu,rate,restart_period,c_k,rho_k,ratio", lines[0]);
        Assert.Equal(1 + 20 * 2, lines.Length);
        foreach (string line in lines[1..].Where(l => l.Split(',')[4] == "2"))
        {
            string[] f = line.Split(',');
            double mu = D(f[2]);
            Assert.Equal((1 - mu) * (1 - mu) - 0.9 * mu, D(f[5]), 1e-13); // c_2 = T₁₁² + T₁₂T₂₁
        }

        // K = 2: c_2 = 0 at μ = (2.9 − √4.41)/2 = 0.4 (phase cancellation with ρ² = 0.9).
        Assert.Contains("K=2:", output);
        Assert.Contains("c_K = 0 at μ = 0.4 ", output);
    }

    public static TheoryData<string[], string> BadInputs => new()
    {
        { ["spectrum", "--inner-lr", "0"], "--inner-lr" },
        { ["spectrum", "--outer", "sideways"], "--outer" },
        { ["spectrum", "--rows", "1"], "--rows" },
        { ["spectrum", "--outer-momentum", "1"], "--outer-momentum" },
        { ["spectrum", "--dim", "0"], "--dim" },
        { ["spectrum", "--spectrum-file", "/nonexistent/spectrum.csv"], "/nonexistent/spectrum.csv" },
        { ["stability", "--outer-lrs", "0.1,abc"], "--outer-lrs" },
        { ["stability", "--outer-lrs", "0.1,-1"], "--outer-lrs" },
        { ["stability", "--momenta", "0.5,1"], "--momenta" },
        { ["stability", "--momenta", "NaN"], "--momenta" },
        { ["stability", "--restart-period", "-1"], "--restart-period" },
        { ["stability", "--outer", "none", "--momenta", "0.5"], "--momenta" },
        { ["stability", "--outer-form", "adam"], "--outer-form" },
        { ["contraction", "--periods", "0,3"], "--periods" },
        { ["contraction", "--periods", "2.5"], "--periods" },
        { ["contraction", "--inner-steps", "0"], "--inner-steps" },
        { ["contraction", "--rows", "x"], "--rows" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void BadInputExitsTwoNamingTheFlagAndWritesNothing(string[] args, string flag)
    {
        string csv = PathOf("never.csv");
        var (code, output, err) = Loco([.. args, "--dim", "10", "--csv", csv]);
        if (args.Contains("--dim"))
        {
            (code, output, err) = Loco([.. args, "--csv", csv]);
        }

        Assert.Equal(2, code);
        Assert.Contains(flag, err);
        Assert.False(File.Exists(csv));
        Assert.Equal("", output);
    }
}

public sealed class TuneCliTests : IDisposable
{
    private readonly string Folder = Directory.CreateTempSubdirectory("loco-tune-").FullName;

    public void Dispose() => Directory.Delete(Folder, recursive: true);

    private static (int Code, string Out, string Err) Loco(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = LocoApp.Run(args, stdout, stderr, interactive: false);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void TuneWritesEveryEvaluationBestFirstAndJsonListsDistinctRunnerUps()
    {
        string csv = Path.Combine(Folder, "tune.csv");
        string[] args = ["tune", "--dim", "30", "--inner-steps", "2", "--batch", "4", "--outer", "heavy-ball", "--samples", "800", "--free", "outer-lr,outer-momentum", "--grid", "3", "--refine", "10"];
        var (code, _, err) = Loco([.. args, "--csv", csv]);
        Assert.True(code == 0, err);
        string[] lines = File.ReadAllLines(csv);
        Assert.Equal("rank,inner_lr,inner_steps,outer_lr,outer_momentum,restart_period,rounds,final_risk,diverged_at_round", lines[0]);
        double[] risks = [.. lines[1..].Select(l => l.Split(',')[7]).Where(x => x.Length > 0).Select(x => double.Parse(x, CultureInfo.InvariantCulture))];
        Assert.True(risks.Length >= 9 && risks.Zip(risks.Skip(1)).All(p => p.First <= p.Second));
        Assert.All(lines[1..], l => Assert.Equal("100", l.Split(',')[6])); // 800 / (M·H·B = 1·2·4)

        (code, string output, err) = Loco([.. args, "--json", "--top", "3"]);
        Assert.True(code == 0, err);
        using JsonDocument doc = JsonDocument.Parse(output);
        JsonElement best = doc.RootElement.GetProperty("best");
        Assert.InRange(best.GetArrayLength(), 1, 3);
        Assert.Equal(risks[0], best[0].GetProperty("final_risk").GetDouble(), 1e-15);
    }

    [Theory]
    [InlineData("--free", "eta")]
    [InlineData("--samples", "0")]
    [InlineData("--samples", "1")]
    [InlineData("--samples", "63")]
    [InlineData("--samples", "many")]
    [InlineData("--grid", "1")]
    [InlineData("--top", "0")]
    [InlineData("--mode", "fuzzy")]
    [InlineData("--inner-lr-range", "0.5:0.1")]
    [InlineData("--outer-momentum-range", "0:1")]
    [InlineData("--restart-period-range", "x")]
    public void BadTuneInputExitsTwo(string flag, string value)
    {
        string csv = Path.Combine(Folder, "never.csv");
        var (code, output, err) = Loco("tune", "--dim", "10", flag, value, "--csv", csv);
        Assert.Equal(2, code);
        Assert.Contains(flag, err);
        Assert.False(File.Exists(csv));
        Assert.Equal("", output);
    }

    [Fact]
    public void TuneRejectsMomentumKnobWithPlainOuterAndNonSgdInner()
    {
        Assert.Equal(2, Loco("tune", "--dim", "10", "--outer", "none", "--free", "outer-momentum").Code);
        var (code, _, err) = Loco("tune", "--dim", "10", "--inner", "adamw");
        Assert.Equal(2, code);
        Assert.Contains("--inner", err);
    }

    [Fact]
    public void TuneSearchesTheGivenRangeAndFlagsAnOptimumOnItsEdge()
    {
        // α capped far below its optimum (≈ 1 for this plain outer step): the best α is the range's upper end, flagged.
        string[] args = ["tune", "--dim", "20", "--inner-steps", "2", "--batch", "4", "--samples", "400", "--free", "outer-lr", "--grid", "3", "--refine", "6",
            "--outer-lr-range", "0.01:0.05"];
        var (code, output, err) = Loco([.. args, "--json"]);
        Assert.True(code == 0, err);
        using JsonDocument doc = JsonDocument.Parse(output);
        Assert.Equal(0.05, doc.RootElement.GetProperty("best")[0].GetProperty("outer_lr").GetDouble(), 1e-12);
        JsonElement edge = Assert.Single(doc.RootElement.GetProperty("edges").EnumerateArray());
        Assert.Equal("outer-lr", edge.GetProperty("knob").GetString());
        Assert.Equal("upper", edge.GetProperty("edge").GetString());
        (code, output, err) = Loco(args);
        Assert.True(code == 0, err);
        Assert.Contains("edge: the best outer-lr", output);
        Assert.Contains("best:", output);
        Assert.Contains("plain(α=0.05)", output); // the title shows the tuned value, not the base α = 1
    }
}
