using Loco.Core.Optimizers;

namespace Loco.Theory.Analysis;

/// <summary>What the outer step does to one mode μ: its rate per round, and with restarts every K rounds its cycle factor.</summary>
/// <param name="Mu">The effective eigenvalue μ.</param>
/// <param name="Rate">ρ(T(μ)): the rate per round without restarts.</param>
/// <param name="RestartPeriod">K (0 when no restart was asked for).</param>
/// <param name="CycleFactor">c_K(μ) = (T(μ)^K)₁₁, signed: the factor per K-round cycle started from v = 0 (NaN when K = 0).</param>
/// <param name="RestartRate">|c_K|^{1/K}: the same per round (NaN when K = 0).</param>
/// <param name="PeakWithinCycle">max_{j ≤ K} |c_j(μ)|: the largest growth inside a cycle (NaN when K = 0).</param>
public readonly record struct ModeRates(double Mu, double Rate, int RestartPeriod, double CycleFactor, double RestartRate, double PeakWithinCycle)
{
    /// <summary>The rates of mode <paramref name="mu"/> under <paramref name="outer"/>, with restarts every <paramref name="restartPeriod"/> rounds (0 = only the rate without).</summary>
    public static ModeRates Of(OuterOptimizer outer, double mu, int restartPeriod)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(restartPeriod);
        Matrix2 t = OuterTransfer.Of(outer, mu);
        double rate = Spectral.Radius(t);
        return restartPeriod > 0
            ? new ModeRates(mu, rate, restartPeriod, RestartContraction.Factor(t, restartPeriod), RestartContraction.RatePerRound(t, restartPeriod),
                RestartContraction.PeakWithinCycle(t, restartPeriod))
            : new ModeRates(mu, rate, 0, double.NaN, double.NaN, double.NaN);
    }
}
