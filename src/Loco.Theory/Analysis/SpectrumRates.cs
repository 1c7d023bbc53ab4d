using Loco.Core.Optimizers;

namespace Loco.Theory.Analysis;

/// <summary>What the outer step does to a whole effective spectrum: the worst mode's rate, with and without restarts.</summary>
/// <param name="Rate">max_i ρ(T(μ_i)): per-round rate of the slowest mode without restarts.</param>
/// <param name="RestartPeriod">K (0 when no restart was asked for).</param>
/// <param name="CycleFactor">max_i |c_K(μ_i)|: per-cycle factor of the slowest mode with restarts every K rounds (NaN when K = 0).</param>
/// <param name="RestartRate">max_i |c_K(μ_i)|^{1/K}: the same per round (NaN when K = 0).</param>
/// <param name="PeakWithinCycle">max_i max_{j ≤ K} |c_j(μ_i)|: the largest growth inside a cycle (NaN when K = 0).</param>
public readonly record struct SpectrumRates(double Rate, int RestartPeriod, double CycleFactor, double RestartRate, double PeakWithinCycle)
{
    /// <summary>Every mode has ρ(T(μ)) &lt; 1.</summary>
    public bool Stable => Rate < 1;

    /// <summary>Every mode has |c_K(μ)| &lt; 1 (false when K = 0).</summary>
    public bool StableWithRestart => CycleFactor < 1;

    /// <summary>The worst-mode rates of <paramref name="outer"/> over <paramref name="mu"/>, with restarts every <paramref name="restartPeriod"/> rounds (0 = only the rate without).</summary>
    public static SpectrumRates Of(OuterOptimizer outer, ReadOnlySpan<double> mu, int restartPeriod)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(restartPeriod);
        double rate = 0;
        double cycle = restartPeriod > 0 ? 0 : double.NaN;
        double peak = restartPeriod > 0 ? 0 : double.NaN;
        foreach (double m in mu)
        {
            Matrix2 t = OuterTransfer.Of(outer, m);
            rate = Max(rate, Spectral.Radius(t));
            if (restartPeriod > 0)
            {
                cycle = Max(cycle, Math.Abs(RestartContraction.Factor(t, restartPeriod)));
                peak = Max(peak, RestartContraction.PeakWithinCycle(t, restartPeriod));
            }
        }

        double restartRate = restartPeriod > 0 ? Math.Pow(cycle, 1.0 / restartPeriod) : double.NaN;
        return new SpectrumRates(rate, restartPeriod, cycle, restartRate, peak);
    }

    // NaN (an overflowing mode) counts as the worst.
    private static double Max(double a, double b) => double.IsNaN(b) ? double.PositiveInfinity : Math.Max(a, b);
}
