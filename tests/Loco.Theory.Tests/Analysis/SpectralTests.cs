using System.Numerics;
using Loco.Theory.Analysis;

namespace Loco.Theory.Tests.Analysis;

public class SpectralTests
{
    [Fact]
    public void RadiusMatchesTheQuadraticFormulaInComplexArithmetic()
    {
        var rng = new System.Random(11);
        for (int trial = 0; trial < 5000; trial++)
        {
            var m = new Matrix2(3 * (2 * rng.NextDouble() - 1), 3 * (2 * rng.NextDouble() - 1), 3 * (2 * rng.NextDouble() - 1), 3 * (2 * rng.NextDouble() - 1));
            Complex root = Complex.Sqrt(m.Trace * m.Trace - 4 * m.Determinant);
            double expected = Math.Max(((m.Trace + root) / 2).Magnitude, ((m.Trace - root) / 2).Magnitude);
            Assert.Equal(expected, Spectral.Radius(m), 1e-12);

            (Complex z1, Complex z2) = Spectral.Eigenvalues(m.Trace, m.Determinant);
            Assert.True((z1 + z2 - m.Trace).Magnitude < 1e-12 && (z1 * z2 - m.Determinant).Magnitude < 1e-11);
            Assert.True(z1.Magnitude >= z2.Magnitude - 1e-15);
        }
    }

    [Fact]
    public void RadiusIsTheGrowthRateOfPowers()
    {
        // Gelfand: ‖T^k‖^{1/k} → ρ(T). With k = 2000 the gap is O(log(cond)/k).
        var rng = new System.Random(5);
        for (int trial = 0; trial < 50; trial++)
        {
            var m = new Matrix2(2 * rng.NextDouble() - 1, 2 * rng.NextDouble() - 1, 2 * rng.NextDouble() - 1, 2 * rng.NextDouble() - 1);
            double rho = Spectral.Radius(m);
            Matrix2 unit = new(m.A11 / rho, m.A12 / rho, m.A21 / rho, m.A22 / rho);
            double growth = Math.Pow(unit.PowerByProduct(2000).MaxAbs, 1.0 / 2000);
            Assert.InRange(growth, 0.98, 1.01);
        }
    }

    [Fact]
    public void JuryTestAgreesWithTheRadius()
    {
        var rng = new System.Random(9);
        int stable = 0;
        for (int trial = 0; trial < 20000; trial++)
        {
            double t = 4 * (2 * rng.NextDouble() - 1);
            double d = 2 * (2 * rng.NextDouble() - 1);
            double rho = Spectral.Radius(t, d);
            if (Math.Abs(rho - 1) < 1e-9)
            {
                continue;
            }

            Assert.Equal(rho < 1, Spectral.JuryStable(t, d));
            stable += rho < 1 ? 1 : 0;
        }

        Assert.InRange(stable, 1000, 19000); // both verdicts were exercised
    }
}
