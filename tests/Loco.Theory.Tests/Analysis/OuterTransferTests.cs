using Loco.Core.Optimizers;
using Loco.Theory.Analysis;

namespace Loco.Theory.Tests.Analysis;

public class OuterTransferTests
{
    public static TheoryData<OuterKind, OuterForm> AllKinds => new()
    {
        { OuterKind.Plain, OuterForm.PyTorch },
        { OuterKind.HeavyBall, OuterForm.PyTorch },
        { OuterKind.Nesterov, OuterForm.PyTorch },
        { OuterKind.HeavyBall, OuterForm.Ema },
        { OuterKind.Nesterov, OuterForm.Ema },
    };

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void MatchesCoreOuterStepOnRandomVectors(OuterKind kind, OuterForm form)
    {
        // Each coordinate is a mode with its own μ; Δ = μ ⊙ s. Loco.Core's Step is the source of truth.
        var rng = new System.Random(12345 + (int)kind * 7 + (int)form);
        const int n = 257;
        for (int trial = 0; trial < 20; trial++)
        {
            double lr = 0.05 + 1.5 * rng.NextDouble();
            double beta = kind == OuterKind.Plain ? 0 : 0.99 * rng.NextDouble();
            OuterOptimizer outer = Outer.Create(kind, form, lr, beta);
            double[] s = Random(rng, n, 2);
            double[] v = kind == OuterKind.Plain ? new double[n] : Random(rng, n, 2);
            double[] mu = Random(rng, n, 1.5);
            for (int i = 0; i < n; i++)
            {
                mu[i] += 1.5; // μ ∈ (0, 3): covers overshooting inner steps too
            }

            OuterState<double> state = outer.Init<double>(n);
            v.CopyTo(state.Momentum, 0);
            double[] global = (double[])s.Clone();
            double[] delta = [.. s.Select((x, i) => mu[i] * x)];
            outer.Step<double>(global, delta, state);

            for (int i = 0; i < n; i++)
            {
                (double s1, double v1) = OuterTransfer.Of(outer, mu[i]).Apply(s[i], v[i]);
                Assert.Equal(global[i], s1, 1e-12);
                Assert.Equal(state.Momentum[i], v1, 1e-12);
            }
        }
    }

    [Theory]
    [InlineData(OuterKind.HeavyBall)]
    [InlineData(OuterKind.Nesterov)]
    public void EmaWithNuIsPyTorchWithAlphaNuTimesOneMinusBetaUpToMomentumScale(OuterKind kind)
    {
        // T_ema(ν) = P T_pytorch(α = ν(1 − β)) P⁻¹ with P = diag(1, 1 − β) (m = (1 − β) v).
        var rng = new System.Random(7);
        for (int trial = 0; trial < 200; trial++)
        {
            double nu = 0.05 + 2 * rng.NextDouble();
            double beta = 0.99 * rng.NextDouble();
            double mu = 2.5 * rng.NextDouble();
            Matrix2 ema = OuterTransfer.Of(Outer.Create(kind, OuterForm.Ema, nu, beta), mu);
            Matrix2 pt = OuterTransfer.Of(Outer.Create(kind, OuterForm.PyTorch, nu * (1 - beta), beta), mu);
            double p = 1 - beta;
            Assert.Equal(pt.A11, ema.A11, 1e-13);
            Assert.Equal(pt.A12 / p, ema.A12, 1e-12);
            Assert.Equal(pt.A21 * p, ema.A21, 1e-13);
            Assert.Equal(pt.A22, ema.A22, 1e-13);
            Assert.Equal(Spectral.Radius(pt), Spectral.Radius(ema), 1e-12);
        }
    }

    [Fact]
    public void CharacteristicPolynomialAtOneIsTheEffectiveStep()
    {
        // 1 − t + d = α_eff μ for every kind and form (the Jury condition the closed-form boundary rests on).
        var rng = new System.Random(3);
        foreach ((OuterKind kind, OuterForm form) in new[] { (OuterKind.Plain, OuterForm.PyTorch), (OuterKind.HeavyBall, OuterForm.PyTorch), (OuterKind.Nesterov, OuterForm.PyTorch), (OuterKind.HeavyBall, OuterForm.Ema), (OuterKind.Nesterov, OuterForm.Ema) })
        {
            for (int trial = 0; trial < 50; trial++)
            {
                double beta = kind == OuterKind.Plain ? 0 : 0.95 * rng.NextDouble();
                OuterOptimizer outer = Outer.Create(kind, form, 0.1 + rng.NextDouble(), beta);
                double mu = 2 * rng.NextDouble();
                Matrix2 t = OuterTransfer.Of(outer, mu);
                Assert.Equal(StabilityBoundary.EffectiveLearningRate(outer) * mu, 1 - t.Trace + t.Determinant, 1e-13);
            }
        }
    }

    private static double[] Random(System.Random rng, int n, double scale) =>
        [.. Enumerable.Range(0, n).Select(_ => scale * (2 * rng.NextDouble() - 1))];
}
