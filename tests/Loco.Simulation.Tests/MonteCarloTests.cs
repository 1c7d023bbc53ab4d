using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Core.Problems;

namespace Loco.Simulation.Tests;

public class MonteCarloTests
{
    private static FamilyConfig Config(Preset preset, double eta, int batch, int? steps = null, int? workers = null, double? outerLr = null, double? beta = null, int? restart = null) =>
        new FamilySettings
        {
            Preset = preset,
            InnerLr = eta,
            BatchSize = batch,
            InnerSteps = steps,
            Workers = workers,
            OuterLr = outerLr,
            OuterMomentum = beta,
            RestartPeriod = restart,
        }.Resolve();

    [Fact]
    public void ResultIsBitIdenticalWhateverTheThreadCount()
    {
        var problem = LinearRegressionProblem.PowerLaw(64, 1.2, 1.0, 0.3, targetSeed: 5);
        FamilyConfig config = Config(Preset.Sla, 0.4, 4, steps: 3, workers: 2, outerLr: 0.6, beta: 0.7, restart: 3);
        var options = new SimulationOptions { Rounds = 25, Runs = 7, Seed = 11, RecordInnerSteps = true };
        SimulationResult one = MonteCarloSimulator.Run(problem, config, options with { Threads = 1 });
        SimulationResult two = MonteCarloSimulator.Run(problem, config, options with { Threads = 2 });
        SimulationResult five = MonteCarloSimulator.Run(problem, config, options with { Threads = 5 });
        Assert.Equal(one.Risk, two.Risk);
        Assert.Equal(one.Risk, five.Risk);
        Assert.Equal(one.RiskStdErr, two.RiskStdErr);
        Assert.Equal(one.InnerRisk!.SelectMany(x => x), two.InnerRisk!.SelectMany(x => x));

        SimulationResult otherSeed = MonteCarloSimulator.Run(problem, config, options with { Seed = 12 });
        Assert.NotEqual(one.Risk[^1], otherSeed.Risk[^1]);
    }

    [Fact]
    public void SgdRiskAgreesWithTheExactSecondMomentRecursion()
    {
        // DESIGN.md §3: one SGD step on mode i maps C_i = E[e_i²] to
        //   q_i² C_i + (η²/B)(λ_i² C_i + λ_i(Σ_j λ_j C_j + σ²)),  q_i = 1 − ηλ_i,
        // exactly, for Gaussian features. Written out here independently of the simulator.
        const int d = 12, batch = 2, rounds = 60, runs = 3000;
        const double eta = 0.5, sigma = 0.5;
        var problem = LinearRegressionProblem.PowerLaw(d, 1.0, 0.5, sigma, targetSeed: 9);
        SimulationResult mc = MonteCarloSimulator.Run(problem, Config(Preset.Sgd, eta, batch),
            new SimulationOptions { Rounds = rounds, Runs = runs, Seed = 2024 });

        double[] c = problem.ThetaStar.Select(t => t * t).ToArray();
        var exact = new double[rounds + 1];
        for (int k = 0; ; k++)
        {
            exact[k] = 0.5 * problem.Lambda.Zip(c, (l, ci) => l * ci).Sum() + 0.5 * sigma * sigma;
            if (k == rounds)
            {
                break;
            }

            double weighted = problem.Lambda.Zip(c, (l, ci) => l * ci).Sum();
            for (int i = 0; i < d; i++)
            {
                double l = problem.Lambda[i], q = 1 - eta * l;
                c[i] = q * q * c[i] + eta * eta / batch * (l * l * c[i] + l * (weighted + sigma * sigma));
            }
        }

        foreach (int k in new[] { 1, 2, 5, 10, 20, 40, 60 })
        {
            double z = (mc.Risk[k] - exact[k]) / mc.RiskStdErr[k];
            Assert.True(Math.Abs(z) < 3, $"round {k}: simulated {mc.Risk[k]:G6} ± {mc.RiskStdErr[k]:G3}, exact {exact[k]:G6} (z = {z:F2})");
            Assert.True(mc.RiskStdErr[k] < 0.02 * mc.Risk[k], $"round {k}: standard error {mc.RiskStdErr[k]:G3} is too large for the check");
        }
    }

    [Fact]
    public void NoiselessFullRankBatchIsStillStochasticButUnbiased()
    {
        // With σ = 0 the risk still has the sampling noise of the features; it must decrease towards 0 and stay positive.
        var problem = LinearRegressionProblem.PowerLaw(32, 1.0, 1.0, 0.0, targetSeed: 1);
        SimulationResult r = MonteCarloSimulator.Run(problem, Config(Preset.La, 0.5, 8, steps: 4, outerLr: 0.8),
            new SimulationOptions { Rounds = 200, Runs = 4 });
        Assert.True(r.Risk[^1] < 1e-3 * r.Risk[0], $"final risk {r.Risk[^1]:G3} vs initial {r.Risk[0]:G3}");
        Assert.True(r.Risk[^1] > 0);
        Assert.Equal(0, r.NoiseFloor);
    }

    [Fact]
    public void InnerCurveEndsWhereTheNextRoundStartsWhenTheOuterStepIsOne()
    {
        // α = 1, β = 0: s_{k+1} = mean_m f_m, so the fast-weight risk after H steps equals the next global risk.
        var problem = LinearRegressionProblem.PowerLaw(40, 1.0, 1.0, 0.2, targetSeed: 3);
        FamilyConfig config = Config(Preset.LaDiloco, 0.3, 4, steps: 5, workers: 3, outerLr: 1.0);
        SimulationResult r = MonteCarloSimulator.Run(problem, config, new SimulationOptions { Rounds = 12, Runs = 3, RecordInnerSteps = true });
        Assert.Equal(12, r.InnerRisk!.Length);
        for (int k = 0; k < 12; k++)
        {
            Assert.Equal(5, r.InnerRisk[k].Length);
            Assert.Equal(r.Risk[k + 1], r.InnerRisk[k][^1], 1e-12 * r.Risk[k + 1]);
        }
    }

    [Fact]
    public void DivergenceIsReportedWithTheRoundAndTheCurveStopsBeforeIt()
    {
        var problem = LinearRegressionProblem.PowerLaw(50, 1.0, 1.0, 0.1, targetSeed: 3);
        SimulationResult r = MonteCarloSimulator.Run(problem, Config(Preset.Sgd, 3.5, 1),
            new SimulationOptions { Rounds = 500, Runs = 3 });
        Assert.NotNull(r.DivergedAtRound);
        int k = r.DivergedAtRound!.Value;
        Assert.InRange(k, 2, 500);
        Assert.Equal(k - 1, r.RoundsCompleted);
        Assert.All(r.Risk, x => Assert.True(double.IsFinite(x) && x <= 1e12 * r.Risk[0]));
    }

    [Fact]
    public void ProgressCountsEveryRound()
    {
        var problem = LinearRegressionProblem.PowerLaw(20, 1.0, 1.0, 0.1, targetSeed: 3);
        var progress = new SimulationProgress();
        MonteCarloSimulator.Run(problem, Config(Preset.La, 0.3, 2, steps: 2), new SimulationOptions { Rounds = 37, Runs = 5 }, progress);
        Assert.Equal(5 * 37, progress.RoundsTotal);
        Assert.Equal(5 * 37, progress.RoundsDone);
    }

    [Fact]
    public void BadOptionsNameTheirFlag()
    {
        var problem = LinearRegressionProblem.PowerLaw(20, 1.0, 1.0, 0.1, targetSeed: 3);
        FamilyConfig config = Config(Preset.Sgd, 0.3, 2);
        Assert.Equal("--rounds", Assert.Throws<InvalidInputException>(() => MonteCarloSimulator.Run(problem, config, new SimulationOptions { Rounds = 0 })).Subject);
        Assert.Equal("--runs", Assert.Throws<InvalidInputException>(() => MonteCarloSimulator.Run(problem, config, new SimulationOptions { Runs = 0 })).Subject);
        Assert.Equal("--threads", Assert.Throws<InvalidInputException>(() => MonteCarloSimulator.Run(problem, config, new SimulationOptions { Threads = 0 })).Subject);
    }
}

public class AllocationTests
{
    [Fact]
    public void AWarmRoundAllocatesNothing()
    {
        var problem = Loco.Core.Problems.LinearRegressionProblem.PowerLaw(256, 1.0, 1.0, 0.1, targetSeed: 1);
        FamilyConfig config = new FamilySettings { Preset = Preset.Sla, Workers = 3, InnerSteps = 4, BatchSize = 4, RestartPeriod = 2 }.Resolve();
        var workers = Enumerable.Range(0, config.Workers)
            .Select(m => (Loco.Core.Rounds.IWorker<double>)new LinearRegressionWorker(problem, config.Inner, config.BatchSize, false, 1, (ulong)m)).ToArray();
        var round = new Loco.Core.Rounds.TwoPhaseRound<double>(workers, config.OuterOptimizer, config.InnerSteps);
        var global = new double[problem.Dimension];
        var state = config.OuterOptimizer.Init<double>(problem.Dimension);
        for (int k = 0; k < 3; k++)
        {
            round.Run(global, state); // warm-up: JIT and tiering
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int k = 0; k < 10; k++)
        {
            round.Run(global, state);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}

public class WorkerTests
{
    [Fact]
    public void SgdPresetThroughTheRoundEqualsAHandWrittenSgdOnTheSameDraws()
    {
        // The same Gaussian draws (ε for the batch, then z sample by sample), the gradient written out by hand:
        // g = (1/B) Σ_b x_b (x_b·θ − y_b), x_b = √λ ⊙ z_b, y_b = x_b·θ* + σ ε_b.
        var problem = Loco.Core.Problems.LinearRegressionProblem.PowerLaw(16, 1.0, 1.0, 0.3, targetSeed: 8);
        const int batch = 3, steps = 7;
        const double eta = 0.4;
        foreach ((int h, int rounds) in new[] { (1, steps * 4), (steps, 4) })
        {
            FamilyConfig config = new FamilySettings { Preset = h == 1 ? Preset.Sgd : Preset.La, InnerSteps = h, OuterLr = h == 1 ? null : 1.0, InnerLr = eta, BatchSize = batch }.Resolve();
            var worker = new LinearRegressionWorker(problem, config.Inner, batch, false, seed: 77, stream: 5);
            var round = new Loco.Core.Rounds.TwoPhaseRound<double>([worker], config.OuterOptimizer, config.InnerSteps);
            var global = new double[16];
            var state = config.OuterOptimizer.Init<double>(16);
            for (int k = 0; k < rounds; k++)
            {
                round.Run(global, state);
            }

            var rng = new Loco.Core.Random.GaussianStream(77, 5);
            var theta = new double[16];
            var z = new double[16];
            var eps = new double[batch];
            for (int t = 0; t < steps * 4; t++)
            {
                var g = new double[16];
                rng.Fill(eps);
                for (int b = 0; b < batch; b++)
                {
                    rng.Fill(z);
                    double xTheta = 0, xStar = 0;
                    for (int i = 0; i < 16; i++)
                    {
                        double x = Math.Sqrt(problem.Lambda[i]) * z[i];
                        xTheta += x * theta[i];
                        xStar += x * problem.ThetaStar[i];
                    }

                    double residual = xTheta - (xStar + problem.Noise * eps[b]);
                    for (int i = 0; i < 16; i++)
                    {
                        g[i] += Math.Sqrt(problem.Lambda[i]) * z[i] * residual / batch;
                    }
                }

                for (int i = 0; i < 16; i++)
                {
                    theta[i] -= eta * g[i];
                }
            }

            double scale = theta.Max(Math.Abs);
            for (int i = 0; i < 16; i++)
            {
                Assert.True(Math.Abs(theta[i] - global[i]) <= 1e-12 * scale, $"H={h}, mode {i}: by hand {theta[i]:R}, family {global[i]:R}");
            }
        }
    }

    [Fact]
    public void InnerStatePersistsAcrossRoundsUnlessResetAtEachSync()
    {
        var problem = Loco.Core.Problems.LinearRegressionProblem.PowerLaw(8, 1.0, 1.0, 0.0, targetSeed: 2);
        var inner = Loco.Core.Optimizers.InnerOptimizer.SgdMomentum(0.2, 0.9);
        double[] Run(bool reset)
        {
            var worker = new LinearRegressionWorker(problem, inner, 4, reset, seed: 1, stream: 0);
            var outer = Loco.Core.Optimizers.Outer.Plain(1.0);
            var round = new Loco.Core.Rounds.TwoPhaseRound<double>([worker], outer, 3);
            var global = new double[8];
            var state = outer.Init<double>(8);
            for (int k = 0; k < 5; k++)
            {
                round.Run(global, state);
            }

            return global;
        }

        // With α = 1 and persistent state, 5 rounds of 3 steps are 15 uninterrupted momentum steps.
        double[] persistent = Run(reset: false);
        var continuous = new LinearRegressionWorker(problem, inner, 4, false, seed: 1, stream: 0);
        continuous.BeginRound(new double[8]);
        for (int t = 0; t < 15; t++)
        {
            continuous.InnerStep();
        }

        double[] reference = continuous.Weights.ToArray();
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(reference[i], persistent[i], 1e-12);
        }

        // Resetting at each sync forgets the momentum, which changes the trajectory.
        double[] reset = Run(reset: true);
        Assert.True(reset.Zip(persistent, (a, b) => Math.Abs(a - b)).Max() > 1e-6);
    }
}
