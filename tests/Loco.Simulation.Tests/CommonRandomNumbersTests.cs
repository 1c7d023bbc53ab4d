using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Core.Problems;

namespace Loco.Simulation.Tests;

public class CommonRandomNumbersTests
{
    private static readonly LinearRegressionProblem Problem = LinearRegressionProblem.PowerLaw(24, 1.2, 1.0, 0.3, targetSeed: 4);

    private static FamilyConfig Plain(int workers, int batch, int innerSteps) => new()
    {
        InnerLr = 0.3,
        InnerSteps = innerSteps,
        Workers = workers,
        BatchSize = batch,
        OuterLr = 1.0,
        OuterMomentum = 0,
        OuterKind = OuterKind.Plain,
        OuterForm = OuterForm.PyTorch,
        Restart = RestartSchedule.Every(0),
    };

    /// <summary>The largest relative gap between per-round means, per-round standard errors and per-run final risks.</summary>
    private static double Gap(SimulationResult a, SimulationResult b)
    {
        Assert.Equal(a.RoundsCompleted, b.RoundsCompleted);
        double gap = 0;
        void Compare(double x, double y) => gap = Math.Max(gap, Math.Abs(x - y) / Math.Max(Math.Abs(x), 1e-300));
        for (int k = 0; k <= a.RoundsCompleted; k++)
        {
            Compare(a.Risk[k], b.Risk[k]);
            Compare(a.RiskStdErr[k], b.RiskStdErr[k]);
        }

        for (int r = 0; r < a.Runs; r++)
        {
            Compare(a.RunFinalRisk[r], b.RunFinalRisk[r]);
        }

        return gap;
    }

    [Fact]
    public void WithOneInnerStepAndAlphaOneMWorkersEqualOneWorkerOnTheirSamples()
    {
        // H = 1, α = 1, β = 0, inner SGD: the round is θ ← mean_m (θ − η g_m) = θ − η (1/(M·B)) Σ over all M·B samples,
        // which is one SGD step of one worker at batch M·B on the same samples. With S = M sub-batches the one worker
        // reads exactly the M workers' streams, so every run's risk matches at every round (up to rounding).
        const int m = 4, batch = 3;
        var options = new SimulationOptions { Rounds = 30, Runs = 6, Seed = 17 };
        SimulationResult many = MonteCarloSimulator.Run(Problem, Plain(m, batch, 1), options);
        SimulationResult paired = MonteCarloSimulator.Run(Problem, Plain(1, m * batch, 1), options with { SubBatches = m });
        Assert.True(Gap(many, paired) < 1e-12, $"relative gap {Gap(many, paired):G3}");
        Assert.True(many.RiskStdErr[^1] > 1e-3 * many.Risk[^1], "the runs must differ from each other for the comparison to mean anything");

        // Without the sub-batches the one worker draws all M·B samples from one stream: different data, different risks.
        SimulationResult unpaired = MonteCarloSimulator.Run(Problem, Plain(1, m * batch, 1), options);
        Assert.True(Gap(many, unpaired) > 1e-3, $"relative gap {Gap(many, unpaired):G3}");

        // Neither is it an identity for H > 1: M local trajectories are not one trajectory on the averaged gradient.
        SimulationResult manyH = MonteCarloSimulator.Run(Problem, Plain(m, batch, 3), options);
        SimulationResult pairedH = MonteCarloSimulator.Run(Problem, Plain(1, m * batch, 3), options with { SubBatches = m });
        Assert.True(Gap(manyH, pairedH) > 1e-6, $"relative gap {Gap(manyH, pairedH):G3}");
    }

    [Fact]
    public void OneSubBatchIsBitIdenticalToTheSimulatorBeforeSubBatches()
    {
        // Risks measured with the simulator at commit 8cefbf9, before SubBatches existed (same problem, config, options).
        double[] before =
        [
            0.16626612904046095, 0.11023328854548664, 0.09112618689699345, 0.08556675242121414, 0.07764503506722989, 0.07302341140124971,
            0.0716272797839993, 0.06721510241138602, 0.0669825462327512, 0.06429417470733348, 0.05935260431529467,
        ];
        double[] beforeStdErr =
        [
            0, 0.004933300072556647, 0.001300349248033776, 0.0022859075680300104, 0.0012266792280555103, 0.0011338084634305854,
            0.0015696227177912914, 0.002354462960439923, 0.0024157678550889277, 0.002658836348702755, 0.0012815303732208651,
        ];
        var config = new FamilyConfig
        {
            InnerLr = 0.3, InnerSteps = 3, Workers = 3, BatchSize = 4, OuterLr = 0.8, OuterMomentum = 0.5,
            OuterKind = OuterKind.Nesterov, OuterForm = OuterForm.PyTorch, Restart = RestartSchedule.Every(0),
        };
        var options = new SimulationOptions { Rounds = 10, Runs = 5, Seed = 31 };
        SimulationResult byDefault = MonteCarloSimulator.Run(Problem, config, options);
        SimulationResult one = MonteCarloSimulator.Run(Problem, config, options with { SubBatches = 1 });
        Assert.Equal(1, options.SubBatches);
        Assert.Equal(before, byDefault.Risk);
        Assert.Equal(beforeStdErr, byDefault.RiskStdErr);
        Assert.Equal(byDefault.Risk, one.Risk);
        Assert.Equal(byDefault.RiskStdErr, one.RiskStdErr);
        Assert.Equal(byDefault.RunFinalRisk, one.RunFinalRisk);
        Assert.Equal(byDefault.FinalRisk, byDefault.RunFinalRisk.Average(), 1e-15);
    }

    [Fact]
    public void BadSubBatchCountsAreRefusedWithAClearMessage()
    {
        FamilyConfig config = Plain(2, 4, 1);
        var zero = Assert.Throws<InvalidInputException>(() => MonteCarloSimulator.Run(Problem, config, new SimulationOptions { SubBatches = 0 }));
        Assert.Equal("SubBatches", zero.Subject);
        Assert.Contains("at least 1", zero.Message);
        var notDividing = Assert.Throws<InvalidInputException>(() => MonteCarloSimulator.Run(Problem, config, new SimulationOptions { SubBatches = 3 }));
        Assert.Equal("SubBatches", notDividing.Subject);
        Assert.Contains("do not divide the batch size B = 4", notDividing.Message);
        Assert.Throws<ArgumentException>(() => new LinearRegressionWorker(Problem, config.Inner, 4, false, 1, 0, subBatches: 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinearRegressionWorker(Problem, config.Inner, 4, false, 1, 0, subBatches: 0));
    }

    [Fact]
    public void PairedDifferenceMatchesAHandComputation()
    {
        // d = a − b = (0.5, 1, 3): mean 1.5, sample variance ((−1)² + (−0.5)² + 1.5²)/2 = 1.75, s.e. = √(1.75/3).
        SimulationResult a = Result(seed: 3, rounds: 5, [1.0, 2.0, 4.0]);
        SimulationResult b = Result(seed: 3, rounds: 5, [0.5, 1.0, 1.0]);
        PairedDifference d = PairedDifference.OfFinalRisk(a, b);
        Assert.Equal(1.5, d.Mean, 1e-15);
        Assert.Equal(Math.Sqrt(1.75 / 3), d.StdErr, 1e-15);
        Assert.Equal(3, d.Runs);
        Assert.True(double.IsNaN(PairedDifference.Of([1.0], [0.25]).StdErr));
        Assert.Equal(0.75, PairedDifference.Of([1.0], [0.25]).Mean);

        Assert.Contains("seeds", Assert.Throws<ArgumentException>(() => PairedDifference.OfFinalRisk(a, Result(4, 5, [0.5, 1.0, 1.0]))).Message);
        Assert.Contains("runs", Assert.Throws<ArgumentException>(() => PairedDifference.OfFinalRisk(a, Result(3, 5, [0.5, 1.0]))).Message);
        Assert.Contains("rounds", Assert.Throws<ArgumentException>(() => PairedDifference.OfFinalRisk(a, Result(3, 4, [0.5, 1.0, 1.0]))).Message);
    }

    private static SimulationResult Result(ulong seed, int rounds, double[] finals) => new()
    {
        Config = Plain(1, 1, 1),
        Problem = "hand",
        Runs = finals.Length,
        Seed = seed,
        RoundsRequested = rounds,
        NoiseFloor = 0,
        Risk = new double[rounds + 1],
        RiskStdErr = new double[rounds + 1],
        RunFinalRisk = finals,
    };
}
