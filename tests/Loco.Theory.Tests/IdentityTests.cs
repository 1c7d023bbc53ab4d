using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Core.Problems;
using Loco.Core.Rounds;
using Loco.Theory.Dynamics;
using Loco.Theory.Spectra;

namespace Loco.Theory.Tests;

/// <summary>Identities the recursion must satisfy, each checked against something computed another way.</summary>
public sealed class IdentityTests
{
    private static readonly LinearRegressionProblem Problem = LinearRegressionProblem.PowerLaw(40, 1.3, 0.9, 0.2, targetSeed: 5);

    private static TheoryResult Run(FamilyConfig config, int rounds, LinearRegressionProblem? problem = null, TheoryMode mode = TheoryMode.Exact)
    {
        problem ??= Problem;
        return new RiskRecursion(AtomSpectrum.FromProblem(problem), config, problem.Noise).Run(new TheoryOptions { Rounds = rounds, Mode = mode });
    }

    private static FamilyConfig Config(int h = 4, int m = 1, double eta = 0.5, OuterKind kind = OuterKind.Plain, OuterForm form = OuterForm.PyTorch,
        double alpha = 1.0, double beta = 0.0, int restart = 0, int batch = 4) =>
        new FamilySettings
        {
            InnerSteps = h, Workers = m, InnerLr = eta, BatchSize = batch, OuterKind = kind, OuterForm = form,
            OuterLr = alpha, OuterMomentum = beta, RestartPeriod = restart,
        }.Resolve();

    [Fact]
    public void SgdFollowsTheOneStepRecursionWrittenOut()
    {
        // DESIGN.md §3's formula, iterated by hand per mode (an independent implementation of plain SGD).
        const double eta = 0.6;
        const int batch = 3, steps = 30;
        double[] lambda = Problem.Lambda;
        double sigma2 = Problem.Noise * Problem.Noise;
        double[] c = Problem.ThetaStar.Select(t => t * t).ToArray();
        var expected = new double[steps + 1];
        expected[0] = Risk(lambda, c, sigma2);
        for (int t = 1; t <= steps; t++)
        {
            double coupling = lambda.Select((l, i) => l * c[i]).Sum();
            c = c.Select((ci, i) =>
            {
                double l = lambda[i], q = 1 - eta * l;
                return q * q * ci + eta * eta / batch * (l * l * ci + l * (coupling + sigma2));
            }).ToArray();
            expected[t] = Risk(lambda, c, sigma2);
        }

        TheoryResult sgd = Run(Config(h: 1, eta: eta, batch: batch), steps);
        for (int t = 0; t <= steps; t++)
        {
            Assert.Equal(expected[t], sgd.Risk[t], 1e-13);
        }

        // H inner steps with α = 1, β = 0, M = 1 is the same SGD, read every H steps.
        TheoryResult local = Run(Config(h: 5, eta: eta, batch: batch), steps / 5);
        for (int k = 0; k <= steps / 5; k++)
        {
            Assert.Equal(expected[5 * k], local.Risk[k], 1e-13);
        }
    }

    private static double Risk(double[] lambda, double[] c, double sigma2) => 0.5 * lambda.Select((l, i) => l * c[i]).Sum() + 0.5 * sigma2;

    [Theory]
    [InlineData(OuterKind.Plain, OuterForm.PyTorch, 0.7, 0.0, 0, 1)]
    [InlineData(OuterKind.HeavyBall, OuterForm.PyTorch, 0.5, 0.8, 0, 4)]
    [InlineData(OuterKind.Nesterov, OuterForm.PyTorch, 0.5, 0.9, 3, 2)]
    [InlineData(OuterKind.HeavyBall, OuterForm.Ema, 2.0, 0.7, 0, 3)]
    [InlineData(OuterKind.Nesterov, OuterForm.Ema, 3.0, 0.9, 2, 4)]
    public void SignalFollowsTheDeterministicRoundOfLocoCore(OuterKind kind, OuterForm form, double alpha, double beta, int restart, int workers)
    {
        // The means do not see the noise: the signal must equal ½ Σ λ s_k² of the noiseless round, run with
        // Loco.Core's TwoPhaseRound and OuterOptimizer on exact-gradient workers (s_0 = −θ*, in error coordinates).
        FamilyConfig config = Config(h: 3, m: workers, eta: 0.7, kind: kind, form: form, alpha: alpha, beta: beta, restart: restart, batch: 2);
        const int rounds = 25;
        TheoryResult theory = Run(config, rounds);
        var exactWorkers = Enumerable.Range(0, workers).Select(_ => new ExactGradientWorker(Problem.Lambda, 0.7)).ToArray();
        OuterOptimizer outer = config.OuterOptimizer;
        var round = new TwoPhaseRound<double>(exactWorkers, outer, 3);
        double[] s = Problem.ThetaStar.Select(t => -t).ToArray();
        OuterState<double> state = outer.Init<double>(s.Length);
        for (int k = 1; k <= rounds; k++)
        {
            round.Run(s, state);
            double signal = 0.5 * s.Select((x, i) => Problem.Lambda[i] * x * x).Sum();
            Assert.Equal(signal, theory.Signal[k], 1e-12 + 1e-10 * signal);
        }
    }

    [Theory]
    [InlineData(OuterKind.HeavyBall)]
    [InlineData(OuterKind.Nesterov)]
    public void EmaFormEqualsPyTorchFormWithScaledRate(OuterKind kind)
    {
        const double nu = 2.5, beta = 0.8;
        TheoryResult ema = Run(Config(kind: kind, form: OuterForm.Ema, alpha: nu, beta: beta, m: 2, restart: 3), 30);
        TheoryResult torch = Run(Config(kind: kind, form: OuterForm.PyTorch, alpha: nu * (1 - beta), beta: beta, m: 2, restart: 3), 30);
        for (int k = 0; k <= 30; k++)
        {
            Assert.Equal(torch.Risk[k], ema.Risk[k], 1e-12);
            Assert.Equal(torch.Signal[k], ema.Signal[k], 1e-12);
        }
    }

    [Fact]
    public void RestartEveryRoundTurnsMomentumIntoAPlainStep()
    {
        // With K = 1 every round starts from v = 0: heavy-ball makes the step αΔ, Nesterov (PyTorch) α(1 + β)Δ.
        TheoryResult hb = Run(Config(kind: OuterKind.HeavyBall, alpha: 0.6, beta: 0.9, restart: 1, m: 2), 20);
        TheoryResult plainHb = Run(Config(alpha: 0.6, m: 2), 20);
        TheoryResult nesterov = Run(Config(kind: OuterKind.Nesterov, alpha: 0.6, beta: 0.5, restart: 1, m: 2), 20);
        TheoryResult plainNesterov = Run(Config(alpha: 0.9, m: 2), 20);
        for (int k = 0; k <= 20; k++)
        {
            Assert.Equal(plainHb.Risk[k], hb.Risk[k], 1e-13);
            Assert.Equal(plainNesterov.Risk[k], nesterov.Risk[k], 1e-13);
        }
    }

    [Fact]
    public void HugeBatchRemovesTheNoiseAndTheWorkerCount()
    {
        // As B → ∞ the gradient noise vanishes: noise → 0, risk → signal + σ²/2, and M no longer matters.
        TheoryResult one = Run(Config(kind: OuterKind.Nesterov, alpha: 0.5, beta: 0.9, m: 1, batch: 1 << 30), 20);
        TheoryResult eight = Run(Config(kind: OuterKind.Nesterov, alpha: 0.5, beta: 0.9, m: 8, batch: 1 << 30), 20);
        for (int k = 0; k <= 20; k++)
        {
            Assert.True(Math.Abs(one.Noise[k]) < 1e-8, $"noise {one.Noise[k]} at round {k}");
            Assert.Equal(one.Signal[k] + one.NoiseFloor, one.Risk[k], 1e-8);
            Assert.Equal(one.Risk[k], eight.Risk[k], 1e-8);
        }
    }

    [Fact]
    public void SignalAndNoiseAddUpAndNoiseIsNonNegative()
    {
        TheoryResult r = Run(Config(kind: OuterKind.Nesterov, alpha: 0.7, beta: 0.9, m: 4, restart: 3), 40);
        for (int k = 0; k <= 40; k++)
        {
            Assert.Equal(r.ExcessRisk(k), r.Signal[k] + r.Noise[k], 1e-12);
            Assert.True(r.Noise[k] >= -1e-15);
        }

        Assert.Equal(0, r.Noise[0]);
    }

    [Fact]
    public void FourthMomentTermOnlyAddsRisk()
    {
        FamilyConfig config = Config(kind: OuterKind.Nesterov, alpha: 0.5, beta: 0.8, m: 2, batch: 2);
        TheoryResult exact = Run(config, 20);
        TheoryResult highDim = Run(config, 20, mode: TheoryMode.HighDim);
        for (int k = 1; k <= 20; k++)
        {
            Assert.True(exact.Risk[k] > highDim.Risk[k]);
            Assert.Equal(exact.Signal[k], highDim.Signal[k], 1e-14);
        }
    }

    [Fact]
    public void MultiWorkerExcessVanishesForOneWorkerAndIsPositiveOtherwise()
    {
        var spectrum = AtomSpectrum.FromProblem(Problem);
        var options = new TheoryOptions { Rounds = 20 };
        MultiWorkerDecomposition single = MultiWorkerDecomposition.Run(spectrum, Config(m: 1, batch: 8), Problem.Noise, options);
        Assert.All(single.ExcessCurve(), x => Assert.Equal(0, x));

        MultiWorkerDecomposition four = MultiWorkerDecomposition.Run(spectrum, Config(m: 4, batch: 2, eta: 0.8), Problem.Noise, options);
        Assert.Equal(8, four.SingleWorker.Config.BatchSize);
        Assert.Equal(0, four.Excess(0));
        for (int k = 1; k <= 20; k++)
        {
            Assert.True(four.Excess(k) > 0, $"round {k}: {four.Excess(k)}");
        }

        // The excess is second order in the noise injected per step: a four times smaller step size
        // shrinks it relative to the risk.
        MultiWorkerDecomposition small = MultiWorkerDecomposition.Run(spectrum, Config(m: 4, batch: 2, eta: 0.2), Problem.Noise, options with { Rounds = 80 });
        Assert.True(small.Excess(80) / small.Workers.ExcessRisk(80) < four.Excess(20) / four.Workers.ExcessRisk(20));
    }

    [Fact]
    public void InnerSgdOnlyAndNoWeightDecay()
    {
        FamilyConfig adam = new FamilySettings { Preset = Preset.Diloco }.Resolve();
        var e1 = Assert.Throws<InvalidInputException>(() => new RiskRecursion(AtomSpectrum.FromProblem(Problem), adam, 0.1));
        Assert.Equal("--inner", e1.Subject);
        var e2 = Assert.Throws<InvalidInputException>(() => new RiskRecursion(AtomSpectrum.FromProblem(Problem), Config() with { WeightDecay = 0.1 }, 0.1));
        Assert.Equal("--weight-decay", e2.Subject);
    }

    /// <summary>Full-batch gradient descent on ½ Σ λ e²: f ← f − η λ f (in error coordinates).</summary>
    private sealed class ExactGradientWorker(double[] lambda, double eta) : IWorker<double>
    {
        private readonly double[] _f = new double[lambda.Length];

        public int Dimension => lambda.Length;

        public void BeginRound(ReadOnlySpan<double> global) => global.CopyTo(_f);

        public void InnerStep()
        {
            for (int i = 0; i < _f.Length; i++)
            {
                _f[i] -= eta * lambda[i] * _f[i];
            }
        }

        public void CopyWeights(Span<double> destination) => _f.CopyTo(destination);
    }
}
