using Loco.Core.Optimizers;
using Loco.Theory.Analysis;

namespace Loco.Theory.Tests.Analysis;

public class RestartContractionTests
{
    private static readonly (OuterKind Kind, OuterForm Form)[] Kinds =
        [(OuterKind.Plain, OuterForm.PyTorch), (OuterKind.HeavyBall, OuterForm.PyTorch), (OuterKind.Nesterov, OuterForm.PyTorch), (OuterKind.HeavyBall, OuterForm.Ema), (OuterKind.Nesterov, OuterForm.Ema)];

    private static void AssertClose(Matrix2 t, int k, double closed, Func<Matrix2, double> entry)
    {
        // Tolerance 1e-12 relative to the size of the product's entries (absolute below 1).
        Matrix2 product = t.PowerByProduct(k);
        double scale = Math.Max(1, product.MaxAbs);
        Assert.True(Math.Abs(closed - entry(product)) <= 1e-12 * scale,
            $"T={t} K={k}: closed {closed:R} vs product {entry(product):R}");
    }

    [Fact]
    public void ClosedFormMatchesTheMatrixProductOverManySettings()
    {
        var rng = new System.Random(2024);
        int complex = 0, real = 0;
        for (int trial = 0; trial < 20000; trial++)
        {
            (OuterKind kind, OuterForm form) = Kinds[trial % Kinds.Length];
            double beta = kind == OuterKind.Plain ? 0 : 0.99 * rng.NextDouble();
            OuterOptimizer outer = Outer.Create(kind, form, 0.01 + 2 * rng.NextDouble(), beta);
            double mu = 2.2 * rng.NextDouble();
            int k = 1 + rng.Next(40);
            Matrix2 t = OuterTransfer.Of(outer, mu);
            AssertClose(t, k, RestartContraction.Factor(t, k), p => p.A11);
            double disc = t.Trace * t.Trace - 4 * t.Determinant;
            complex += disc < 0 ? 1 : 0;
            real += disc > 0 ? 1 : 0;
        }

        Assert.True(complex > 2000 && real > 2000, $"complex {complex}, real {real}");
    }

    [Fact]
    public void WholePowerMatchesTheProductForArbitraryMatrices()
    {
        var rng = new System.Random(99);
        for (int trial = 0; trial < 5000; trial++)
        {
            var t = new Matrix2(2 * rng.NextDouble() - 1, 2 * rng.NextDouble() - 1, 2 * rng.NextDouble() - 1, 2 * rng.NextDouble() - 1);
            int k = rng.Next(30);
            Matrix2 closed = RestartContraction.Power(t, k);
            AssertClose(t, k, closed.A11, p => p.A11);
            AssertClose(t, k, closed.A12, p => p.A12);
            AssertClose(t, k, closed.A21, p => p.A21);
            AssertClose(t, k, closed.A22, p => p.A22);
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1e-15)]
    [InlineData(1e-12)]
    [InlineData(1e-8)]
    [InlineData(1e-4)]
    [InlineData(-1e-15)]
    [InlineData(-1e-12)]
    [InlineData(-1e-8)]
    [InlineData(-1e-4)]
    public void ClosedFormStaysAccurateAsTheRootsMerge(double offset)
    {
        // Heavy-ball (PyTorch): t² = 4β exactly when αμ = (1 − √β)²; nudging αμ crosses from real to complex roots.
        foreach (double beta in new[] { 0.25, 0.5, 0.81, 0.9, 0.99 })
        {
            double mu = (1 - Math.Sqrt(beta)) * (1 - Math.Sqrt(beta)) * (1 + offset);
            Matrix2 t = OuterTransfer.Of(Outer.HeavyBall(1.0, beta), mu);
            foreach (int k in new[] { 1, 2, 3, 5, 10, 50, 200 })
            {
                AssertClose(t, k, RestartContraction.Factor(t, k), p => p.A11);
            }
        }

        // An exactly repeated root: [[z, 1], [0, z]].
        var jordan = new Matrix2(0.7, 1, 0, 0.7);
        foreach (int k in new[] { 1, 2, 7, 40 })
        {
            AssertClose(jordan, k, RestartContraction.Factor(jordan, k), p => p.A11);
            AssertClose(jordan, k, RestartContraction.Power(jordan, k).A12, p => p.A12);
        }
    }

    [Theory]
    [InlineData(OuterKind.HeavyBall, OuterForm.PyTorch, 0.6, 0.9, 3)]
    [InlineData(OuterKind.Nesterov, OuterForm.PyTorch, 0.7, 0.9, 3)]
    [InlineData(OuterKind.Nesterov, OuterForm.Ema, 0.9, 0.7, 5)]
    [InlineData(OuterKind.HeavyBall, OuterForm.Ema, 1.1, 0.5, 2)]
    public void CoreOuterStepWithRestartContractsEachModeByCkPerCycle(OuterKind kind, OuterForm form, double lr, double beta, int k)
    {
        // Loco.Core's own restart schedule, iterated on many modes at once, against c_j c_K^cycles.
        double[] mu = [.. Enumerable.Range(1, 64).Select(i => 2.0 * i / 64)];
        double[] s = [.. Enumerable.Repeat(1.0, mu.Length)];
        OuterOptimizer outer = Outer.Create(kind, form, lr, beta).WithRestart(k);
        OuterState<double> state = outer.Init<double>(mu.Length);
        var delta = new double[mu.Length];
        for (int round = 1; round <= 4 * k; round++)
        {
            for (int i = 0; i < mu.Length; i++)
            {
                delta[i] = mu[i] * s[i];
            }

            outer.Step<double>(s, delta, state);
            int cycles = round / k, within = round % k;
            for (int i = 0; i < mu.Length; i++)
            {
                Matrix2 t = OuterTransfer.Of(outer, mu[i]);
                double expected = Math.Pow(RestartContraction.Factor(t, k), cycles) * RestartContraction.Factor(t, within);
                Assert.Equal(expected, s[i], 1e-11);
            }
        }
    }

    [Fact]
    public void RestartsNeverRescueAnUnstableModeInTheScannedRange()
    {
        // Measured claim: for heavy-ball and Nesterov, β ∈ [0, 0.99], α_eff μ beyond the boundary (up to 10×) or below 0,
        // K = 1..20, |c_K| ≥ 1 (it tends to 1 at the boundary). So the stable set with restarts is inside the one without.
        double smallest = double.PositiveInfinity;
        foreach (OuterKind kind in new[] { OuterKind.HeavyBall, OuterKind.Nesterov })
        {
            for (int b = 0; b < 100; b++)
            {
                double beta = b / 100.0;
                double bound = StabilityBoundary.MaxEffectiveStep(kind, beta);
                OuterOptimizer outer = Outer.Create(kind, OuterForm.PyTorch, 1.0, beta);
                IEnumerable<double> steps = Enumerable.Range(1, 300).Select(i => bound * (1 + i / 1000.0))
                    .Concat(Enumerable.Range(1, 90).Select(i => bound * (1.3 + i / 10.0)))
                    .Concat(Enumerable.Range(1, 50).Select(i => -i / 25.0));
                foreach (double mu in steps)
                {
                    Matrix2 t = OuterTransfer.Of(outer, mu);
                    Assert.True(Spectral.Radius(t) >= 1);
                    for (int k = 1; k <= 20; k++)
                    {
                        smallest = Math.Min(smallest, Math.Abs(RestartContraction.Factor(t, k)));
                    }
                }
            }
        }

        Assert.InRange(smallest, 1.0, 1.01);
    }

    [Fact]
    public void RestartsCanDestabiliseAModeThatIsStableWithout()
    {
        // Not a superset: heavy-ball β = 0.9, αμ = 1.3 has ρ = √0.9 < 1 but c_2 = (1 − αμ)² − αβμ = 0.09 − 1.17 = −1.08.
        Matrix2 t = OuterTransfer.Of(Outer.HeavyBall(1.0, 0.9), 1.3);
        Assert.Equal(Math.Sqrt(0.9), Spectral.Radius(t), 1e-14);
        Assert.Equal(-1.08, RestartContraction.Factor(t, 2), 1e-13);

        // K = 1 restarts every round: heavy-ball degenerates to the plain step, stable only for αμ < 2 instead of 2(1 + β).
        Matrix2 t1 = OuterTransfer.Of(Outer.HeavyBall(1.0, 0.5), 2.5);
        Assert.True(Spectral.Radius(t1) < 1);
        Assert.Equal(-1.5, RestartContraction.Factor(t1, 1), 1e-15);

        // And on a grid over a spectrum: cells stable only without restarts exist, cells stable only with them do not.
        double[] mu = EffectiveSpectrum.Compute([.. Enumerable.Range(1, 200).Select(i => 1.9 * Math.Pow(i, -1.2))], 1.0, 5);
        double[] lrs = [.. Enumerable.Range(1, 40).Select(i => i / 10.0)];
        double[] momenta = [.. Enumerable.Range(0, 19).Select(j => j / 20.0)];
        (int stable, int withRestart, int onlyWith, int onlyWithout) = StabilityGrid.Count(
            StabilityGrid.Evaluate(mu, OuterKind.HeavyBall, OuterForm.PyTorch, lrs, momenta, 3));
        Assert.True(onlyWithout > 0 && onlyWith == 0 && withRestart < stable, $"{stable} {withRestart} {onlyWith} {onlyWithout}");
    }

    [Fact]
    public void RestartsSpeedUpOscillatingModesAndSlowDownSlowOnes()
    {
        // Heavy-ball β = 0.9, αμ = 1.5: complex roots, ρ = √0.9 ≈ 0.949, but c_3 = 0.01, so |c_3|^{1/3} ≈ 0.215.
        Matrix2 fast = OuterTransfer.Of(Outer.HeavyBall(1.0, 0.9), 1.5);
        Assert.Equal(0.01, RestartContraction.Factor(fast, 3), 1e-13);
        Assert.True(RestartContraction.RatePerRound(fast, 3) < 0.25 && Spectral.Radius(fast) > 0.94);

        // A slow mode (αμ = 0.001): momentum gives ρ ≈ 1 − αμ/(1 − β); restarting every 3 rounds keeps only ≈ 1 − 2αμ per round.
        Matrix2 slow = OuterTransfer.Of(Outer.HeavyBall(1.0, 0.9), 0.001);
        Assert.True(RestartContraction.RatePerRound(slow, 3) > Spectral.Radius(slow));
        Assert.InRange(Spectral.Radius(slow), 1 - 0.001 / 0.1 - 2e-3, 1 - 0.001 / 0.1 + 2e-3);
        Assert.InRange(RestartContraction.RatePerRound(slow, 3), 1 - 3 * 0.001, 1 - 0.001);
    }
}
