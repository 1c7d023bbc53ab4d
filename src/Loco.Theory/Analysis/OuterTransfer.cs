using Loco.Core.Optimizers;
using Loco.Theory.Dynamics;

namespace Loco.Theory.Analysis;

/// <summary>
/// The outer step of one mode as a linear map. In the noiseless linear model a round takes the slow-weight error s
/// to worker-averaged fast weights f̄ = (1 − μ) s, so the pseudo-gradient is Δ = μ s and the outer step maps the
/// state (s, v) linearly: (s, v) ← T(μ) (s, v). The second coordinate is the optimizer's own buffer: v in the
/// PyTorch form, m in the EMA form (m = (1 − β) v for the same trajectory).
/// </summary>
/// <remarks>
/// The matrix is computed from Loco.Core's <see cref="OuterCoefficients"/> (T = [[1 − Aμ, −B], [Eμ, C]]); the table
/// restates it per member for the reader, with Δ = μ s (α in the PyTorch form, ν in the EMA form):
/// <code>
/// plain                s' = (1 − αμ) s                                  T = [[1 − αμ, 0], [0, 0]]
/// heavy-ball pytorch   v' = βv + μs;  s' = s − αv'                      T = [[1 − αμ, −αβ], [μ, β]]
/// nesterov   pytorch   v' = βv + μs;  s' = s − α(μs + βv')              T = [[1 − αμ(1 + β), −αβ²], [μ, β]]
/// heavy-ball ema       m' = βm + (1 − β)μs;  s' = s − νm'               T = [[1 − ν(1 − β)μ, −νβ], [(1 − β)μ, β]]
/// nesterov   ema       m' = βm + (1 − β)μs;  s' = s − ν(β²m + (1 − β²)μs) T = [[1 − ν(1 − β²)μ, −νβ²], [(1 − β)μ, β]]
/// </code>
/// Every one has the characteristic polynomial z² − t z + d with 1 − t + d = α_eff μ, α_eff = α (PyTorch) or
/// ν(1 − β) (EMA): trace t = 1 + β − α_eff μ (heavy-ball) or (1 + β)(1 − α_eff μ) (Nesterov), determinant
/// d = β (heavy-ball) or β(1 − α_eff μ) (Nesterov), and t = 1 − αμ, d = 0 for the plain step.
/// </remarks>
public static class OuterTransfer
{
    /// <summary>T(μ) for <paramref name="outer"/> (its restart schedule is ignored here), in the optimizer's own state coordinates.</summary>
    public static Matrix2 Of(OuterOptimizer outer, double mu)
    {
        ArgumentNullException.ThrowIfNull(outer);
        // The outer step is Loco.Core's OuterCoefficients, read through OuterLinearMap (s', v' linear in s, v, f̄). In the
        // noiseless model f̄ = (1 − μ)s; and a round in which the workers do not move (f̄ = s, Δ = 0) leaves s unchanged
        // and scales v by β, so Ss + Sf = 1 and Vs + Vf = 0 for every kind and form. Hence, without cancellation,
        // T = [[1 − Sf μ, Sv], [−Vf μ, Vv]].
        OuterLinearMap map = OuterLinearMap.Of(outer);
        return new Matrix2(1 - map.Sf * mu, map.Sv, -map.Vf * mu, map.Vv);
    }

    /// <summary>ρ(T(μ)), the asymptotic contraction per round of a mode without restarts.</summary>
    public static double Rate(OuterOptimizer outer, double mu) => Spectral.Radius(Of(outer, mu));
}
