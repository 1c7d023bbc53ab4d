using Loco.Core.Optimizers;

namespace Loco.Theory.Analysis;

/// <summary>
/// Restart contraction. A K-round restart cycle starts from v = 0, so a noiseless mode leaves it with
/// s_K = c_K s_0, c_K = (T^K)₁₁, and with restarts every K rounds it contracts by exactly c_K per cycle.
/// </summary>
/// <remarks>
/// Closed form. By Cayley–Hamilton T² = tT − dI, so T^K = U_{K−1}(t, d) T − d U_{K−2}(t, d) I with
/// U_n = t U_{n−1} − d U_{n−2}, U_0 = 1, U_{−1} = 0 (Chebyshev polynomials of the second kind, scaled), hence
/// <code>c_K = T₁₁ U_{K−1} − d U_{K−2}.</code>
/// With roots z₁,₂ of z² − t z + d:
/// <code>
/// complex, z = r e^{±iθ}, r = √d:   U_n = r^n sin((n+1)θ)/sin θ,
///                                   c_K = r^{K−1} (T₁₁ sin Kθ − r sin((K−1)θ)) / sin θ
/// repeated, z = t/2:                U_n = (n+1) z^n,  c_K = z^{K−1} (K T₁₁ − (K−1) z)
/// real, d > 0, z = ±r e^{±φ}:       U_n = sign(t)^n r^n sinh((n+1)φ)/sinh φ,  tanh φ = √(t² − 4d)/|t|
/// real, otherwise:                  U_n = (z₁^{n+1} − z₂^{n+1}) / (z₁ − z₂)
/// </code>
/// The trigonometric and hyperbolic forms are even in the root separation, so they stay accurate as the two roots
/// merge; the last form is used only where the roots are far apart (d ≤ 0, or φ ≥ 1/2).
/// </remarks>
public static class RestartContraction
{
    /// <summary>U_n(t, d) for n ≥ −1.</summary>
    public static double ChebyshevU(int n, double trace, double determinant)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, -1);
        if (n == -1)
        {
            return 0;
        }

        if (n == 0)
        {
            return 1;
        }

        double t = trace;
        double d = determinant;
        double disc = t * t - 4 * d;
        if (disc < 0)
        {
            double r = Math.Sqrt(d);
            double sinTheta = Math.Sqrt(-disc) / (2 * r);
            double theta = Math.Atan2(Math.Sqrt(-disc), t);
            return Math.Pow(r, n) * Math.Sin((n + 1) * theta) / sinTheta;
        }

        if (disc == 0)
        {
            double z = 0.5 * t;
            return (n + 1) * Math.Pow(z, n);
        }

        if (d > 0)
        {
            double r = Math.Sqrt(d);
            double root = Math.Sqrt(disc);
            double phi = Math.Atanh(root / Math.Abs(t));
            if (phi < 0.5)
            {
                double sign = t >= 0 || n % 2 == 0 ? 1 : -1;
                return sign * Math.Pow(r, n) * Math.Sinh((n + 1) * phi) / (root / (2 * r));
            }
        }

        (System.Numerics.Complex z1c, System.Numerics.Complex z2c) = Spectral.Eigenvalues(t, d);
        double z1 = z1c.Real;
        double z2 = z2c.Real;
        if (z1 == 0)
        {
            return 0; // t = d = 0: T is nilpotent, U_n = 0 for n ≥ 1
        }

        return (Math.Pow(z1, n + 1) - Math.Pow(z2, n + 1)) / (z1 - z2);
    }

    /// <summary>T^K in closed form: U_{K−1} T − d U_{K−2} I.</summary>
    public static Matrix2 Power(Matrix2 transfer, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if (k == 0)
        {
            return Matrix2.Identity;
        }

        double t = transfer.Trace;
        double d = transfer.Determinant;
        double u1 = ChebyshevU(k - 1, t, d);
        double u2 = k >= 2 ? ChebyshevU(k - 2, t, d) : 0;
        return new Matrix2(u1 * transfer.A11 - d * u2, u1 * transfer.A12, u1 * transfer.A21, u1 * transfer.A22 - d * u2);
    }

    /// <summary>c_K = (T^K)₁₁ in closed form (c_0 = 1).</summary>
    public static double Factor(Matrix2 transfer, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if (k == 0)
        {
            return 1;
        }

        double d = transfer.Determinant;
        double u1 = ChebyshevU(k - 1, transfer.Trace, d);
        double u2 = k >= 2 ? ChebyshevU(k - 2, transfer.Trace, d) : 0;
        return transfer.A11 * u1 - d * u2;
    }

    /// <summary>c_K(μ) for <paramref name="outer"/>.</summary>
    public static double Factor(OuterOptimizer outer, double mu, int k) => Factor(OuterTransfer.Of(outer, mu), k);

    /// <summary>
    /// The largest |c_j|, j = 1..K: how far a mode's error can grow inside one cycle before the restart
    /// (the transient that the per-cycle factor c_K does not show). Computed by iterating T from (1, 0).
    /// </summary>
    public static double PeakWithinCycle(Matrix2 transfer, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        (double s, double v) = (1.0, 0.0);
        double peak = 0;
        for (int j = 1; j <= k; j++)
        {
            (s, v) = transfer.Apply(s, v);
            peak = Math.Max(peak, Math.Abs(s));
        }

        return peak;
    }

    /// <summary>The per-round rate with restarts every K rounds: |c_K|^{1/K}.</summary>
    public static double RatePerRound(Matrix2 transfer, int k) => Math.Pow(Math.Abs(Factor(transfer, k)), 1.0 / k);
}
