using Loco.Core.Family;
using Loco.Core.Optimizers;

namespace Loco.Theory.Dynamics;

/// <summary>
/// The outer step of DESIGN.md §1 as a linear map of (s, v, f̄) in error coordinates (θ* cancels in Δ = s − f̄):
/// s' = Ss·s + Sv·v + Sf·f̄ and v' = Vs·s + Vv·v + Vf·f̄, with v the PyTorch buffer or the EMA buffer m as the form says.
/// It is read off Loco.Core's one definition, <see cref="OuterCoefficients"/> (s ← s − AΔ − Bv; v ← Cv + EΔ): with
/// Δ = s − f̄, s' = (1 − A)s − Bv + Af̄ and v' = Es + Cv − Ef̄.
/// </summary>
public readonly record struct OuterLinearMap(double Ss, double Sv, double Sf, double Vs, double Vv, double Vf)
{
    /// <summary>The map of the outer step with coefficients <paramref name="k"/>.</summary>
    public static OuterLinearMap Of(OuterCoefficients k) => new(1 - k.A, -k.B, k.A, k.E, k.C, -k.E);

    /// <summary>The map of an outer optimizer (its restart is applied separately).</summary>
    public static OuterLinearMap Of(OuterOptimizer outer)
    {
        ArgumentNullException.ThrowIfNull(outer);
        return Of(outer.Coefficients);
    }

    /// <summary>The map of a kind, form, learning rate and momentum.</summary>
    public static OuterLinearMap Of(OuterKind kind, OuterForm form, double lr, double beta) => Of(OuterCoefficients.Of(kind, form, lr, beta));

    /// <summary>The map of a configuration's outer step.</summary>
    public static OuterLinearMap Of(FamilyConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Of(config.OuterKind, config.OuterForm, config.OuterLr, config.OuterMomentum);
    }
}
