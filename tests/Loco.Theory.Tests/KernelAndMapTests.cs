using Loco.Core.Optimizers;
using Loco.Theory.Dynamics;

namespace Loco.Theory.Tests;

public sealed class KernelAndMapTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(16)]
    [InlineData(1003)]
    public void KernelsMatchAScalarLoop(int n)
    {
        var random = new System.Random(n);
        double[] lambda = Enumerable.Range(0, n).Select(_ => random.NextDouble()).ToArray();
        double[] w = Enumerable.Range(0, n).Select(_ => 0.5 + random.NextDouble()).ToArray();
        double[] g = lambda.Select((l, i) => l * w[i]).ToArray();
        double[] d0 = Enumerable.Range(0, n).Select(_ => random.NextDouble()).ToArray();
        const double eta = 0.7, k4 = 0.13, kf = 0.021;

        double[] expected = d0.Select((d, i) => (Math.Pow(1 - eta * lambda[i], 2) + k4 * lambda[i] * lambda[i]) * d + kf * lambda[i]).ToArray();
        double[] unit = (double[])d0.Clone();
        double sumUnit = InnerStepKernel.StepUnit(lambda, unit, eta, k4, kf);
        double[] weighted = (double[])d0.Clone();
        double sumWeighted = InnerStepKernel.StepWeighted(lambda, g, weighted, eta, k4, kf);
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(expected[i], unit[i], 1e-14);
            Assert.Equal(expected[i], weighted[i], 1e-14);
        }

        Assert.Equal(expected.Select((d, i) => lambda[i] * d).Sum(), sumUnit, 1e-11);
        Assert.Equal(expected.Select((d, i) => g[i] * d).Sum(), sumWeighted, 1e-11);
    }

    [Theory]
    [InlineData(OuterKind.Plain, OuterForm.PyTorch, 0.7, 0.0)]
    [InlineData(OuterKind.HeavyBall, OuterForm.PyTorch, 0.6, 0.9)]
    [InlineData(OuterKind.Nesterov, OuterForm.PyTorch, 0.7, 0.9)]
    [InlineData(OuterKind.HeavyBall, OuterForm.Ema, 1.7, 0.8)]
    [InlineData(OuterKind.Nesterov, OuterForm.Ema, 2.3, 0.6)]
    public void LinearMapReproducesTheOuterOptimizer(OuterKind kind, OuterForm form, double lr, double beta)
    {
        // Probe Loco.Core's OuterOptimizer.Step (the one definition) with (s, v, f̄) vectors.
        OuterOptimizer outer = Outer.Create(kind, form, lr, beta);
        OuterLinearMap map = OuterLinearMap.Of(kind, form, lr, beta);
        var random = new System.Random(3);
        for (int trial = 0; trial < 5; trial++)
        {
            double s = random.NextDouble() - 0.5, v = kind == OuterKind.Plain ? 0 : random.NextDouble() - 0.5, f = random.NextDouble() - 0.5;
            double[] global = [s];
            OuterState<double> state = outer.Init<double>(1);
            state.Momentum[0] = v;
            outer.Step<double>(global, [s - f], state);
            Assert.Equal(map.Ss * s + map.Sv * v + map.Sf * f, global[0], 1e-14);
            Assert.Equal(map.Vs * s + map.Vv * v + map.Vf * f, state.Momentum[0], 1e-14);
        }
    }
}
