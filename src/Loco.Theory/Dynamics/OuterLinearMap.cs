using Loco.Core.Family;
using Loco.Core.Optimizers;

namespace Loco.Theory.Dynamics;

/// <summary>
/// The outer step of DESIGN.md §1 as a linear map of (s, v, f̄) in error coordinates (θ* cancels in Δ = s − f̄):
/// s' = Ss·s + Sv·v + Sf·f̄ and v' = Vs·s + Vv·v + Vf·f̄, with v the PyTorch buffer or the EMA buffer m as the form says.
/// <list type="bullet">
/// <item>none: s' = (1 − α)s + α f̄ (v stays 0)</item>
/// <item>heavy-ball, PyTorch: v' = βv + Δ; s' = s − αv' = (1 − α)s − αβ v + α f̄</item>
/// <item>Nesterov, PyTorch: v' = βv + Δ; s' = s − α(Δ + βv') = (1 − α(1+β))s − αβ² v + α(1+β) f̄</item>
/// <item>heavy-ball, EMA: m' = βm + (1−β)Δ; s' = s − νm' = (1 − ν(1−β))s − νβ m + ν(1−β) f̄</item>
/// <item>Nesterov, EMA: m' = βm + (1−β)Δ; s' = s − ν(β² m + (1 − β²)Δ)</item>
/// </list>
/// The tests check these coefficients against <see cref="OuterOptimizer.Step{T}"/>, the one definition.
/// </summary>
public readonly record struct OuterLinearMap(double Ss, double Sv, double Sf, double Vs, double Vv, double Vf)
{
    /// <summary>The map of an outer optimizer's kind, form, learning rate and momentum (its restart is applied separately).</summary>
    public static OuterLinearMap Of(OuterKind kind, OuterForm form, double lr, double beta)
    {
        switch (kind, form)
        {
            case (OuterKind.None, _):
                return new(1 - lr, 0, lr, 0, 0, 0);
            case (OuterKind.HeavyBall, OuterForm.PyTorch):
                return new(1 - lr, -lr * beta, lr, 1, beta, -1);
            case (OuterKind.Nesterov, OuterForm.PyTorch):
                {
                    double c = lr * (1 + beta);
                    return new(1 - c, -lr * beta * beta, c, 1, beta, -1);
                }

            case (OuterKind.HeavyBall, OuterForm.Ema):
                {
                    double c = lr * (1 - beta);
                    return new(1 - c, -lr * beta, c, 1 - beta, beta, -(1 - beta));
                }

            case (OuterKind.Nesterov, OuterForm.Ema):
                {
                    double c = lr * (1 - beta * beta);
                    return new(1 - c, -lr * beta * beta, c, 1 - beta, beta, -(1 - beta));
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(kind), $"Unknown outer kind {kind} / form {form}.");
        }
    }

    /// <summary>The map of a configuration's outer step.</summary>
    public static OuterLinearMap Of(FamilyConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Of(config.OuterKind, config.OuterForm, config.OuterLr, config.OuterMomentum);
    }
}
