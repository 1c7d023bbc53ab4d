using System.Numerics;
using Loco.Core.Optimizers;
using Loco.Theory.Analysis;

namespace Loco.Theory.Tests.Analysis;

public sealed class ModeRatesTests
{
    [Theory]
    [InlineData(0.05, 3)]
    [InlineData(0.4, 5)]
    [InlineData(0.9, 1)]
    [InlineData(0.7, 0)]
    public void RatesAreTheTransferMatrixsSpectralRadiusAndItsIteratedCorner(double mu, int k)
    {
        OuterOptimizer outer = Outer.Nesterov(1.3, 0.8);
        ModeRates rates = ModeRates.Of(outer, mu, k);
        Matrix2 t = OuterTransfer.Of(outer, mu);

        // ρ from the characteristic polynomial z² − tr z + det, solved here with complex arithmetic.
        Complex root = Complex.Sqrt(t.Trace * t.Trace - 4 * t.Determinant);
        double rho = Math.Max(((t.Trace + root) / 2).Magnitude, ((t.Trace - root) / 2).Magnitude);
        Assert.Equal(rho, rates.Rate, 1e-12);
        Assert.Equal(mu, rates.Mu);
        if (k == 0)
        {
            Assert.True(double.IsNaN(rates.CycleFactor) && double.IsNaN(rates.RestartRate) && double.IsNaN(rates.PeakWithinCycle));
            return;
        }

        // c_j = first component of T^j (1, 0), by iterating the matrix.
        (double s, double v) = (1.0, 0.0);
        double peak = 0;
        for (int j = 0; j < k; j++)
        {
            (s, v) = (t.A11 * s + t.A12 * v, t.A21 * s + t.A22 * v);
            peak = Math.Max(peak, Math.Abs(s));
        }

        Assert.Equal(s, rates.CycleFactor, 1e-12);
        Assert.Equal(Math.Pow(Math.Abs(s), 1.0 / k), rates.RestartRate, 1e-12);
        Assert.Equal(peak, rates.PeakWithinCycle, 1e-12);
    }
}
