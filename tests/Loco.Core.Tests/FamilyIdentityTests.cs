using Loco.Core.Optimizers;
using Loco.Core.Rounds;

namespace Loco.Core.Tests;

/// <summary>Identities between members of the family, checked on workers with noisy gradients.</summary>
public class FamilyIdentityTests
{
    private static readonly double[] Lambda = [1.0, 0.5, 0.2, 0.05, 0.01];
    private static readonly double[] Target = [1.0, -2.0, 0.5, 3.0, -1.0];

    private static double[] RunFamily(OuterOptimizer outer, int innerSteps, int rounds, double eta, int workers = 1, double noise = 0.3)
    {
        var ws = Enumerable.Range(0, workers)
            .Select(m => (IWorker<double>)new QuadraticWorker(Lambda, Target, InnerOptimizer.Sgd(eta), noise, seed: 100 + m)).ToArray();
        var round = new TwoPhaseRound<double>(ws, outer, innerSteps);
        var global = new double[Lambda.Length];
        OuterState<double> state = outer.Init<double>(global.Length);
        for (int k = 0; k < rounds; k++)
        {
            round.Run(global, state);
        }

        return global;
    }

    private static double[] PlainSgd(int steps, double eta, int seed = 100, double noise = 0.3)
    {
        var w = new double[Lambda.Length];
        var g = new double[Lambda.Length];
        var random = new System.Random(seed);
        for (int t = 0; t < steps; t++)
        {
            QuadraticWorker.Gradient(Lambda, Target, w, noise, random, g);
            for (int i = 0; i < w.Length; i++)
            {
                w[i] -= eta * g[i];
            }
        }

        return w;
    }

    [Fact]
    public void OneInnerStepWithUnitOuterStepIsSgd()
    {
        double[] family = RunFamily(Outer.Plain(1.0), innerSteps: 1, rounds: 200, eta: 0.3);
        Assertions.Close(PlainSgd(200, 0.3), family, 1e-12);
    }

    [Fact]
    public void LookaheadWithUnitOuterStepIsHStepsOfSgd()
    {
        double[] family = RunFamily(Outer.Plain(1.0), innerSteps: 7, rounds: 30, eta: 0.3);
        Assertions.Close(PlainSgd(7 * 30, 0.3), family, 1e-12);
    }

    [Theory]
    [InlineData(OuterKind.Nesterov, 0.7, 0.9)]
    [InlineData(OuterKind.Nesterov, 0.4, 0.5)]
    [InlineData(OuterKind.HeavyBall, 0.7, 0.9)]
    public void PyTorchFormEqualsEmaFormWithScaledLearningRate(OuterKind kind, double alpha, double beta)
    {
        double[] pytorch = RunFamily(Outer.Create(kind, OuterForm.PyTorch, alpha, beta), 4, rounds: 100, eta: 0.2, workers: 2);
        double[] ema = RunFamily(Outer.Create(kind, OuterForm.Ema, alpha / (1 - beta), beta), 4, rounds: 100, eta: 0.2, workers: 2);
        Assertions.Close(pytorch, ema, 1e-12);
    }

    [Theory]
    [InlineData(OuterKind.Nesterov, OuterForm.PyTorch)]
    [InlineData(OuterKind.HeavyBall, OuterForm.PyTorch)]
    [InlineData(OuterKind.Nesterov, OuterForm.Ema)]
    [InlineData(OuterKind.HeavyBall, OuterForm.Ema)]
    public void RestartEveryRoundIsAMomentumFreeStep(OuterKind kind, OuterForm form)
    {
        const double alpha = 0.6, beta = 0.8;
        double[] restarted = RunFamily(Outer.Create(kind, form, alpha, beta, RestartSchedule.Every(1)), 3, rounds: 40, eta: 0.2, workers: 2);

        // With v = 0 at every round: Nesterov moves by α(1+β)Δ, heavy-ball by αΔ (PyTorch form);
        // the EMA form's m' = (1−β)Δ scales both by (1−β).
        double scale = (kind == OuterKind.Nesterov ? 1 + beta : 1) * (form == OuterForm.Ema ? 1 - beta : 1);
        double[] plain = RunFamily(Outer.Plain(alpha * scale), 3, rounds: 40, eta: 0.2, workers: 2);
        Assertions.Close(plain, restarted, 1e-12);
    }

    [Fact]
    public void FullBatchLookaheadMatchesClosedFormPerMode()
    {
        // Exact gradients: each mode's error contracts by 1 − α(1 − (1 − ηλ)^H) per round.
        const double eta = 0.9, alpha = 0.7;
        const int h = 5, rounds = 25;
        double[] family = RunFamily(Outer.Plain(alpha), h, rounds, eta, workers: 3, noise: 0);
        for (int i = 0; i < Lambda.Length; i++)
        {
            double mu = 1 - Math.Pow(1 - eta * Lambda[i], h);
            double expectedError = Math.Pow(1 - alpha * mu, rounds) * (0 - Target[i]);
            double actualError = family[i] - Target[i];
            Assert.True(Math.Abs(expectedError - actualError) <= 1e-12 * Math.Abs(Target[i]),
                $"mode {i}: expected error {expectedError:R}, got {actualError:R}");
        }
    }

    [Fact]
    public void PseudoGradientIsGlobalMinusMeanOfWorkers()
    {
        // Two workers with different targets, one inner step each, α = 1: s' = mean of the workers' weights.
        double[] lambda = [1.0, 2.0];
        var a = new QuadraticWorker(lambda, [1.0, 1.0], InnerOptimizer.Sgd(0.25));
        var b = new QuadraticWorker(lambda, [-3.0, 5.0], InnerOptimizer.Sgd(0.25));
        var round = new TwoPhaseRound<double>([a, b], Outer.Plain(1.0), innerSteps: 1);
        double[] global = [2.0, -1.0];
        round.Run(global, Outer.Plain(1.0).Init<double>(2));

        // f_a = s − 0.25 λ(s − t_a) = [1.75, 0]; f_b = [0.75, 2]; mean = [1.25, 1]; Δ = [0.75, −2].
        Assertions.Close([1.25, 1.0], global, 1e-15);
        Assertions.Close([0.75, -2.0], round.LastPseudoGradient, 1e-15);
    }

    [Fact]
    public void RoundWorksInSinglePrecision()
    {
        var worker = new FloatQuadraticWorker([1f, 0.5f], [1f, -1f], 0.5f);
        var outer = Outer.Nesterov(0.7, 0.9);
        var round = new TwoPhaseRound<float>([worker], outer, innerSteps: 4);
        var global = new float[2];
        OuterState<float> state = outer.Init<float>(2);
        for (int k = 0; k < 60; k++)
        {
            round.Run(global, state);
        }

        Assert.InRange(global[0], 0.999f, 1.001f);
        Assert.InRange(global[1], -1.001f, -0.999f);
    }

    private sealed class FloatQuadraticWorker(float[] lambda, float[] target, float eta) : IWorker<float>
    {
        private readonly float[] _w = new float[lambda.Length];

        public int Dimension => lambda.Length;

        public void BeginRound(ReadOnlySpan<float> global) => global.CopyTo(_w);

        public void InnerStep()
        {
            for (int i = 0; i < _w.Length; i++)
            {
                _w[i] -= eta * lambda[i] * (_w[i] - target[i]);
            }
        }

        public void CopyWeights(Span<float> destination) => _w.CopyTo(destination);
    }
}
