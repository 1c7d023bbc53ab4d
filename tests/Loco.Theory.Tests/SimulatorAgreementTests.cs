using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Core.Problems;
using Loco.Simulation;
using Loco.Theory.Dynamics;
using Loco.Theory.Spectra;
using Xunit.Abstractions;

namespace Loco.Theory.Tests;

/// <summary>
/// The exact recursion against the Monte Carlo simulator (an independent computation: it samples Gaussian data and
/// runs Loco.Core's round and outer optimizer). At small D with enough runs that the standard error is at most 2 %
/// of the risk, the theory must lie within 3 standard errors at several rounds.
/// </summary>
public sealed class SimulatorAgreementTests(ITestOutputHelper output)
{
    private static readonly (string Name, int Dim, int H, int M, double Eta, string Outer, string Form, double Alpha, double Beta, int K, double Sigma, int B, int Rounds)[] All =
    [
        // name, D, H, M, η, outer, form, α, β, K, σ, B, rounds
        ("sgd", 48, 1, 1, 0.5, "none", "pytorch", 1.0, 0.0, 0, 0.3, 4, 40),
        ("sgd-noiseless", 48, 1, 1, 0.5, "none", "pytorch", 1.0, 0.0, 0, 0.0, 4, 40),
        ("la", 48, 4, 1, 0.5, "none", "pytorch", 0.5, 0.0, 0, 0.2, 4, 15),
        ("la-noiseless", 64, 8, 1, 0.4, "none", "pytorch", 0.7, 0.0, 0, 0.0, 2, 10),
        ("la-diloco-m2", 48, 4, 2, 0.5, "none", "pytorch", 0.5, 0.0, 0, 0.2, 4, 15),
        ("la-diloco-m8", 32, 4, 8, 0.6, "none", "pytorch", 0.8, 0.0, 0, 0.3, 2, 12),
        ("la-diloco-m8-noiseless", 32, 4, 8, 0.6, "none", "pytorch", 1.0, 0.0, 0, 0.0, 2, 12),
        ("sla-hb-pt", 48, 4, 1, 0.4, "heavy-ball", "pytorch", 0.5, 0.6, 0, 0.2, 4, 15),
        ("sla-hb-ema", 48, 4, 1, 0.4, "heavy-ball", "ema", 1.2, 0.6, 0, 0.2, 4, 15),
        ("sla-nest-pt", 48, 4, 1, 0.4, "nesterov", "pytorch", 0.5, 0.8, 0, 0.2, 4, 15),
        ("sla-nest-ema", 48, 4, 1, 0.4, "nesterov", "ema", 2.0, 0.8, 0, 0.2, 4, 15),
        ("sla-nest-pt-m2", 40, 4, 2, 0.5, "nesterov", "pytorch", 0.5, 0.7, 0, 0.1, 4, 15),
        ("sla-nest-pt-m8", 32, 3, 8, 0.5, "nesterov", "pytorch", 0.6, 0.6, 0, 0.2, 2, 12),
        ("sla-hb-ema-m8", 32, 3, 8, 0.5, "heavy-ball", "ema", 1.2, 0.6, 0, 0.2, 2, 12),
        ("sla-nest-pt-k1", 48, 4, 1, 0.4, "nesterov", "pytorch", 0.5, 0.9, 1, 0.2, 4, 15),
        ("sla-nest-pt-k3", 48, 4, 1, 0.4, "nesterov", "pytorch", 0.5, 0.9, 3, 0.2, 4, 15),
        ("sla-hb-pt-k3-m2", 40, 4, 2, 0.5, "heavy-ball", "pytorch", 0.5, 0.8, 3, 0.0, 4, 15),
        ("sla-nest-ema-k3-m8", 32, 4, 8, 0.5, "nesterov", "ema", 3.0, 0.9, 3, 0.3, 2, 12),
        ("sla-nest-ema-k1-m2", 40, 4, 2, 0.5, "nesterov", "ema", 2.0, 0.8, 1, 0.1, 4, 15),
        ("diloco-like-m8-k3", 32, 6, 8, 0.4, "nesterov", "pytorch", 0.7, 0.9, 3, 0.0, 2, 10),
    ];

    public static TheoryData<string> Cases => new(All.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Cases))]
    public void TheoryMatchesMonteCarlo(string name)
    {
        var (_, dim, h, m, eta, outer, form, alpha, beta, restart, sigma, batch, rounds) = All.Single(c => c.Name == name);
        FamilyConfig config = Config(h, m, eta, outer, form, alpha, beta, restart, batch);
        var problem = LinearRegressionProblem.PowerLaw(dim, 1.2, 0.8, sigma, targetSeed: 7);
        TheoryResult theory = new RiskRecursion(AtomSpectrum.FromProblem(problem), config, sigma)
            .Run(new TheoryOptions { Rounds = rounds, Mode = TheoryMode.Exact });
        SimulationResult sim = MonteCarloSimulator.Run(problem, config,
            new SimulationOptions { Rounds = rounds, Runs = 2000, Seed = 11, Threads = Environment.ProcessorCount });
        Assert.Null(theory.DivergedAtRound);
        Assert.Null(sim.DivergedAtRound);

        int[] checkpoints = [1, rounds / 3, 2 * rounds / 3, rounds];
        foreach (int k in checkpoints)
        {
            double z = (theory.Risk[k] - sim.Risk[k]) / sim.RiskStdErr[k];
            output.WriteLine($"{name} round {k}: theory {theory.Risk[k]:G6} sim {sim.Risk[k]:G6} ± {sim.RiskStdErr[k]:G3} (rel {sim.RiskStdErr[k] / sim.Risk[k]:P2}) z = {z:F2}");
            Assert.True(sim.RiskStdErr[k] <= 0.02 * sim.Risk[k], $"{name}: stderr {sim.RiskStdErr[k]:G3} is above 2 % of the risk {sim.Risk[k]:G3} at round {k}");
            Assert.True(Math.Abs(z) <= 3, $"{name} round {k}: theory {theory.Risk[k]:G6} vs simulation {sim.Risk[k]:G6} ± {sim.RiskStdErr[k]:G3} (z = {z:F2})");
        }
    }

    [Fact]
    public void InnerStepCurveMatchesMonteCarlo()
    {
        FamilyConfig config = Config(4, 4, 0.5, "nesterov", "pytorch", 0.5, 0.8, 2, 2);
        var problem = LinearRegressionProblem.PowerLaw(32, 1.2, 0.8, 0.2, targetSeed: 3);
        TheoryResult theory = new RiskRecursion(AtomSpectrum.FromProblem(problem), config, 0.2)
            .Run(new TheoryOptions { Rounds = 6, RecordInnerSteps = true });
        SimulationResult sim = MonteCarloSimulator.Run(problem, config,
            new SimulationOptions { Rounds = 6, Runs = 2000, Seed = 5, RecordInnerSteps = true });
        foreach ((int k, int step) in new[] { (0, 1), (0, 4), (2, 2), (5, 3) })
        {
            double z = (theory.InnerRisk![k][step - 1] - sim.InnerRisk![k][step - 1]) / sim.InnerRiskStdErr![k][step - 1];
            output.WriteLine($"round {k + 1} step {step}: theory {theory.InnerRisk[k][step - 1]:G6} sim {sim.InnerRisk[k][step - 1]:G6} z = {z:F2}");
            Assert.True(Math.Abs(z) <= 3, $"round {k + 1} step {step}: z = {z:F2}");
        }

        // The per-round summary is the mean of the per-step curve.
        for (int k = 0; k < 6; k++)
        {
            Assert.Equal(theory.InnerRisk![k].Average(), theory.MeanInnerRisk[k], 1e-12);
        }
    }

    [Fact]
    public void SimulatorResolvesTheFourthMomentTerm()
    {
        // Few modes and a dominant top eigenvalue, where λ_i² E[f_i²] is a visible part of the gradient noise:
        // the exact recursion must agree with the simulation and the high-dimensional one must not.
        FamilyConfig config = Config(2, 1, 0.6, "nesterov", "pytorch", 0.5, 0.5, 0, 2);
        var problem = LinearRegressionProblem.PowerLaw(16, 2.0, 0.5, 0.1, targetSeed: 9);
        var spectrum = AtomSpectrum.FromProblem(problem);
        const int rounds = 12;
        TheoryResult exact = new RiskRecursion(spectrum, config, 0.1).Run(new TheoryOptions { Rounds = rounds });
        TheoryResult highDim = new RiskRecursion(spectrum, config, 0.1).Run(new TheoryOptions { Rounds = rounds, Mode = TheoryMode.HighDim });
        SimulationResult sim = MonteCarloSimulator.Run(problem, config, new SimulationOptions { Rounds = rounds, Runs = 2000, Seed = 21 });
        foreach (int k in new[] { rounds / 2, rounds })
        {
            double zExact = (exact.Risk[k] - sim.Risk[k]) / sim.RiskStdErr[k];
            double zHigh = (highDim.Risk[k] - sim.Risk[k]) / sim.RiskStdErr[k];
            output.WriteLine($"round {k}: sim {sim.Risk[k]:G6} ± {sim.RiskStdErr[k]:G3}; exact {exact.Risk[k]:G6} (z = {zExact:F2}); high-dim {highDim.Risk[k]:G6} (z = {zHigh:F2})");
            Assert.True(Math.Abs(zExact) <= 3, $"exact: z = {zExact:F2}");
            Assert.True(zHigh < -3, $"high-dim should be resolved as too low: z = {zHigh:F2}");
        }
    }

    [Fact]
    public void BothReportDivergenceForAnUnstableStep()
    {
        // η λ_max = 2.2: the top mode's mean alone grows by |1 − 2.2| per step.
        FamilyConfig config = Config(2, 2, 2.2, "none", "pytorch", 1.0, 0.0, 0, 4);
        var problem = LinearRegressionProblem.PowerLaw(32, 1.2, 0.8, 0.1, targetSeed: 7);
        TheoryResult theory = new RiskRecursion(AtomSpectrum.FromProblem(problem), config, 0.1).Run(new TheoryOptions { Rounds = 200 });
        SimulationResult sim = MonteCarloSimulator.Run(problem, config, new SimulationOptions { Rounds = 200, Runs = 4 });
        Assert.NotNull(theory.DivergedAtRound);
        Assert.NotNull(sim.DivergedAtRound);
        Assert.Equal(theory.DivergedAtRound!.Value - 1, theory.RoundsCompleted);
        Assert.All(theory.Risk, r => Assert.True(double.IsFinite(r)));
    }

    internal static FamilyConfig Config(int h, int m, double eta, string outer, string form, double alpha, double beta, int restart, int batch) =>
        new FamilySettings
        {
            InnerSteps = h,
            Workers = m,
            InnerLr = eta,
            BatchSize = batch,
            OuterKind = outer switch { "none" => OuterKind.Plain, "heavy-ball" => OuterKind.HeavyBall, _ => OuterKind.Nesterov },
            OuterForm = form == "ema" ? OuterForm.Ema : OuterForm.PyTorch,
            OuterLr = alpha,
            OuterMomentum = beta,
            RestartPeriod = restart,
        }.Resolve();
}
