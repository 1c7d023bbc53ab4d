using Loco.Core.Optimizers;

namespace Loco.Theory.Analysis;

/// <summary>A μ where the restart factor vanishes although the spectral radius does not.</summary>
/// <param name="Mu">The effective eigenvalue μ* with c_K(μ*) = 0 (to bisection accuracy).</param>
/// <param name="RadiusToTheK">ρ(T(μ*))^K, the contraction the spectral radius alone would predict over a cycle.</param>
public readonly record struct CancellationPoint(double Mu, double RadiusToTheK);

/// <summary>
/// Phase cancellation: c_K(μ) is real and continuous in μ, and where the rotation of T^K (complex roots) lands on a
/// zero of r^{K−1}(T₁₁ sin Kθ − r sin((K−1)θ)) it changes sign, so |c_K| ≪ ρ^K nearby. This finds those zeros in
/// (0, μ_max] by bracketing sign changes on a uniform grid and bisecting.
/// </summary>
public static class PhaseCancellation
{
    /// <summary>The zeros of c_K(μ) on (0, <paramref name="muMax"/>], each with ρ^K there.</summary>
    public static IReadOnlyList<CancellationPoint> Zeros(OuterOptimizer outer, int k, double muMax, int gridPoints = 4096)
    {
        ArgumentNullException.ThrowIfNull(outer);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        ArgumentOutOfRangeException.ThrowIfLessThan(gridPoints, 2);
        if (!double.IsFinite(muMax) || muMax <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(muMax), muMax, "μ_max must be a positive finite number.");
        }

        var zeros = new List<CancellationPoint>();
        double previousMu = muMax / gridPoints;
        double previous = RestartContraction.Factor(outer, previousMu, k);
        for (int i = 2; i <= gridPoints; i++)
        {
            double mu = muMax * i / gridPoints;
            double c = RestartContraction.Factor(outer, mu, k);
            if (Math.Sign(c) != Math.Sign(previous) && previous != 0)
            {
                double root = Bisect(outer, k, previousMu, mu, previous);
                zeros.Add(new CancellationPoint(root, Math.Pow(OuterTransfer.Rate(outer, root), k)));
            }

            previousMu = mu;
            previous = c;
        }

        return zeros;
    }

    private static double Bisect(OuterOptimizer outer, int k, double lo, double hi, double atLo)
    {
        for (int i = 0; i < 200 && hi - lo > 1e-15 * Math.Max(1, hi); i++)
        {
            double mid = 0.5 * (lo + hi);
            double c = RestartContraction.Factor(outer, mid, k);
            if (c == 0)
            {
                return mid;
            }

            if (Math.Sign(c) == Math.Sign(atLo))
            {
                lo = mid;
                atLo = c;
            }
            else
            {
                hi = mid;
            }
        }

        return 0.5 * (lo + hi);
    }
}
