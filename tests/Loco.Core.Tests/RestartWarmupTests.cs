using Loco.Core.Optimizers;

namespace Loco.Core.Tests;

public sealed class RestartWarmupTests
{
    [Theory]
    [InlineData(0.1, 3)]
    [InlineData(0.5, 3)]
    [InlineData(0.9, 3)]
    [InlineData(0.9, 1)]
    [InlineData(0.7, 10)]
    [InlineData(0.0, 3)]
    public void MeanStepFactorIsTheMeanStepOfTheEmaNesterovOptimizerOverOneRestartCycleOnAConstantDelta(double beta, int k) =>
        Check(beta, k, OuterForm.Ema);

    [Theory]
    [InlineData(0.5, 3)]
    [InlineData(0.9, 5)]
    public void ThePyTorchFormTakesTheSameFractionOfItsLimitingStep(double beta, int k) => Check(beta, k, OuterForm.PyTorch);

    private static void Check(double beta, int k, OuterForm form)
    {
        // Run Loco.Core's own outer step (EMA-form Nesterov, restart every K) on a constant Δ = 1 for many cycles and
        // average the steps it takes over the last cycle; the closed form must match it.
        const double nu = 0.7;
        OuterOptimizer outer = Outer.Nesterov(nu, beta, form).WithRestart(k);
        double limit = form == OuterForm.Ema ? nu : nu / (1 - beta); // the step on a constant Δ = 1 after many rounds
        double[] s = [0.0];
        OuterState<double> state = outer.Init<double>(1);
        double[] delta = [1.0];
        var steps = new List<double>();
        for (int round = 0; round < 5 * k; round++)
        {
            double before = s[0];
            outer.Step<double>(s, delta, state);
            steps.Add(before - s[0]);
        }

        double mean = steps.Skip(4 * k).Average() / limit;
        Assert.Equal(mean, RestartWarmup.MeanStepFactor(beta, k), 14);
        // The first step after a reset is ν(1 − β²)Δ.
        Assert.Equal(limit * (1 - beta * beta), steps[k == 1 ? 0 : 3 * k], 14);
    }

    [Fact]
    public void BadArgumentsAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RestartWarmup.MeanStepFactor(1.0, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => RestartWarmup.MeanStepFactor(0.5, 0));
    }
}
