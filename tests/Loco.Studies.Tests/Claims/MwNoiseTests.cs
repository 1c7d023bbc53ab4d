using System.Globalization;
using Loco.Studies.Claims;
using Loco.Theory.Dynamics;

namespace Loco.Studies.Tests.Claims;

public sealed class MwNoiseTests(MwNoiseQuickRun quick) : IClassFixture<MwNoiseQuickRun>
{
    [Fact]
    public void QuickRunHoldsItsRegisteredCriterion()
    {
        using var folder = new TempFolder();
        ClaimResult result = ClaimAssert.RunQuick(new MwNoiseClaim(), folder.Path);
        Assert.True(result.Held, result.Measured);
    }

    [Fact]
    public void QuickRunWritesFiguresAndTheExcessIsPositiveForEveryMultiWorkerSetting()
    {
        MwNoiseQuickRun.Table table = quick.Excess;
        foreach (string[] r in table.Rows.Where(r => r[table["sweep"]] == "workers"))
        {
            // One worker against itself is exactly zero; M ≥ 2 workers are worse than one worker at M·B.
            if (table.Num(r, "workers") == 1)
            {
                Assert.Equal(0.0, table.Num(r, "excess"));
            }
            else
            {
                Assert.True(table.Num(r, "excess") > 0, string.Join(',', r));
            }
        }

        // Along αη = const the setting past αμ_max = 2 is unstable and the others are not.
        Assert.All(table.Rows.Where(r => r[table["sweep"]] == "alpha_eta_const"),
            r => Assert.Equal(table.Num(r, "alpha_mu_max") >= 2, r[table["diverged"]] == "true"));
    }

    [Fact]
    public void PairedSimulationsShrinkTheStandardErrorOfTheExcessAndAgreeWithTheTheory()
    {
        MwNoiseQuickRun.Table table = quick.Excess;
        var simulated = table.Rows.Where(r => r[table["diverged"]] == "false").ToList();
        Assert.Equal(12, simulated.Count); // 5 + 3 + 4 rows; the M = 4, η = 0.25, H = 8 setting is in all three sweeps
        foreach (string[] r in simulated)
        {
            double excess = table.Num(r, "excess"), mean = table.Num(r, "simulated_excess");
            double paired = table.Num(r, "simulated_excess_stderr"), unpaired = table.Num(r, "unpaired_stderr");
            string where = string.Join(',', r);
            if (table.Num(r, "workers") == 1)
            {
                // M = 1 against itself on the same seed: the same runs, so every paired difference is exactly zero.
                Assert.Equal(0.0, mean);
                Assert.Equal(0.0, paired);
                Assert.True(unpaired > 0, where);
                continue;
            }

            // Common random numbers shrink the standard error of E below that of two independent simulations of the same
            // size (measured at quick size, 32 runs: by 1.9× to 7.1×; with independent data the two would be about equal).
            Assert.True(paired < unpaired, where);

            // Simulated E agrees with the theory's E within 4 paired standard errors + 2% (measured: within 1.7).
            Assert.True(Math.Abs(mean - excess) <= 4 * paired + 0.02 * Math.Abs(excess), where);
            Assert.Equal("true", r[table["simulated_excess_agrees"]]);
        }

        Assert.Contains("paired MC E vs theory E", quick.Result.FirstEdition.Measured);
    }

    [Fact]
    public void AlphaMuMaxIsTheOuterStepOfTheTopModeAndTwoIsTheDeterministicStabilityEdge()
    {
        // Noise-free full batch: the top mode's error is multiplied by 1 − αμ_max per round; |1 − αμ| > 1 exactly when αμ > 2.
        var setup = new PowerLawSetup(20);
        foreach ((double eta, double alpha, bool stable) in new[] { (0.0625, 4.8, true), (0.03125, 9.6, false) })
        {
            var config = MwNoiseStudy.Config(1, eta, alpha, 8) with { BatchSize = 1 << 20 };
            TheoryResult r = new RiskRecursion(setup.Spectrum(), config, 0).Run(new TheoryOptions { Rounds = 400 });
            Assert.Equal(stable, r.DivergedAtRound is null && r.FinalRisk < r.Risk[0]);
        }
    }
}

/// <summary>One quick MW-NOISE run shared by the tests that read its output (it is the slow part).</summary>
public sealed class MwNoiseQuickRun : IDisposable
{
    private readonly TempFolder _folder = new();

    public MwNoiseQuickRun()
    {
        Result = ClaimAssert.RunQuick(new MwNoiseClaim(), _folder.Path);
        Excess = new Table(File.ReadAllLines(Path.Combine(_folder.Path, "excess.csv")));
    }

    public ClaimResult Result { get; }

    public Table Excess { get; }

    public void Dispose() => _folder.Dispose();

    /// <summary>A CSV table: rows of cells, columns by name.</summary>
    public sealed class Table(string[] lines)
    {
        private readonly string[] _header = lines[0].Split(',');

        public IReadOnlyList<string[]> Rows { get; } = [.. lines.Skip(1).Select(l => l.Split(','))];

        public int this[string column] => Array.IndexOf(_header, column) is >= 0 and int i ? i : throw new ArgumentException($"no column {column}");

        public double Num(string[] row, string column) => double.Parse(row[this[column]], CultureInfo.InvariantCulture);
    }
}
