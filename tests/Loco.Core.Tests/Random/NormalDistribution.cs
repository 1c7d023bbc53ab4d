namespace Loco.Core.Tests.Random;

/// <summary>
/// The standard normal CDF, written independently of the generator (no shared code or constants),
/// so the statistical tests compare the generator against textbook mathematics.
/// </summary>
internal static class NormalDistribution
{
    private const double TwoOverSqrtPi = 1.1283791670955125739;
    private const double Sqrt2 = 1.4142135623730950488;

    /// <summary>Φ(x) = erfc(−x/√2)/2, absolute error below 1e-15.</summary>
    public static double Cdf(double x) => 0.5 * Erfc(-x / Sqrt2);

    /// <summary>erf(x) = 1 − erfc(x).</summary>
    public static double Erf(double x) => x < 0 ? -Erf(-x) : x < 2.5 ? ErfSeries(x) : 1.0 - ErfcContinuedFraction(x);

    /// <summary>1 − the series; exposed so a test can check the two branches against each other.</summary>
    public static double ErfcBySeries(double x) => 1.0 - ErfSeries(x);

    /// <summary>erfc(x) for any x; relative error about 1e-15 (away from erfc's zero at +∞ underflow).</summary>
    public static double Erfc(double x) => x < 0 ? 2.0 - Erfc(-x) : x < 2.5 ? 1.0 - ErfSeries(x) : ErfcContinuedFraction(x);

    /// <summary>
    /// Abramowitz &amp; Stegun 7.1.6: erf x = (2/√π) e^{−x²} Σ 2ⁿ x^{2n+1} / (1·3·…·(2n+1)).
    /// Every term is positive, so there is no cancellation; used for 0 ≤ x &lt; 2.5.
    /// </summary>
    private static double ErfSeries(double x)
    {
        double term = x, sum = x, twoXSquared = 2 * x * x;
        for (int n = 1; n < 200; n++)
        {
            term *= twoXSquared / (2 * n + 1);
            sum += term;
            if (term < 1e-17 * sum)
                break;
        }
        return TwoOverSqrtPi * Math.Exp(-x * x) * sum;
    }

    /// <summary>
    /// Abramowitz &amp; Stegun 7.1.14 (Laplace's continued fraction), evaluated bottom-up:
    /// erfc x = (e^{−x²}/√π) · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))); used for x ≥ 2.5.
    /// </summary>
    public static double ErfcContinuedFraction(double x)
    {
        double tail = x;
        for (int k = 400; k >= 1; k--)
            tail = x + k / 2.0 / tail;
        return TwoOverSqrtPi / 2 * Math.Exp(-x * x) / tail;
    }
}
