namespace Loco.Core.Optimizers;

/// <summary>
/// A restart seen as a warm-up of the outer learning rate. In the EMA form of Nesterov (m ← βm + (1−β)Δ;
/// s ← s − ν((1+β)m′ − βm)), from m = 0 and a constant pseudo-gradient Δ the k-th outer step after a reset moves
/// ν(1 − β^(k+1))Δ: ν(1 − β²)Δ first, νΔ in the limit. The PyTorch form (v ← βv + Δ; s ← s − α(βv′ + Δ)) moves
/// α(1 − β^(k+1))Δ/(1 − β), the same fraction of its limit (it is the EMA form with α = ν(1 − β)). A restart every K rounds
/// therefore scales the Nesterov step, on average over a cycle, by <see cref="MeanStepFactor"/>; no restart with the outer
/// lr times that factor makes the same mean step.
/// </summary>
public static class RestartWarmup
{
    /// <summary>
    /// (1/K) Σ_{k=1..K} (1 − β^(k+1)) = 1 − β²(1 − β^K) / (K(1 − β)): the mean, over a K-round restart cycle, of the
    /// Nesterov step (either form) on a constant Δ, relative to its limit.
    /// </summary>
    public static double MeanStepFactor(double momentum, int period)
    {
        if (!(momentum >= 0 && momentum < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "the outer momentum must be in [0, 1).");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(period, 1);
        return momentum == 0 ? 1.0 : 1 - momentum * momentum * (1 - Math.Pow(momentum, period)) / (period * (1 - momentum));
    }
}
