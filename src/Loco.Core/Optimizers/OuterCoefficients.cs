namespace Loco.Core.Optimizers;

/// <summary>
/// The one definition of the outer step (DESIGN.md §1). Every member of the family is the same linear update of the
/// global weights s and the outer buffer v by the averaged pseudo-gradient Δ, with the old v on the right:
/// <code>
/// s ← s − A·Δ − B·v
/// v ← C·v + E·Δ
/// </code>
/// <list type="table">
/// <listheader><term>member</term><description>A, B, C, E</description></listheader>
/// <item><term>plain: s ← s − αΔ</term><description>α, 0, 0, 0</description></item>
/// <item><term>heavy-ball, PyTorch: v ← βv + Δ; s ← s − αv</term><description>α, αβ, β, 1</description></item>
/// <item><term>Nesterov, PyTorch: v ← βv + Δ; s ← s − α(Δ + βv)</term><description>α(1 + β), αβ², β, 1</description></item>
/// <item><term>heavy-ball, EMA: m ← βm + (1 − β)Δ; s ← s − νm</term><description>ν(1 − β), νβ, β, 1 − β</description></item>
/// <item><term>Nesterov, EMA: m′ ← βm + (1 − β)Δ; s ← s − ν((1 + β)m′ − βm)</term><description>ν(1 − β²), νβ², β, 1 − β</description></item>
/// </list>
/// (Substitute the new v into the s update of each row to get A and B.) <see cref="OuterOptimizer.Apply{T}"/> applies
/// these coefficients, and the theory's linear maps (Loco.Theory's <c>OuterLinearMap</c>, <c>OuterTransfer</c>) read
/// them instead of restating the algebra. In the EMA rows v holds the EMA buffer m; the EMA form with rate ν makes the
/// same steps as the PyTorch form with α = ν(1 − β), since then m = (1 − β)v.
/// </summary>
/// <param name="A">Weight of Δ in the move of s.</param>
/// <param name="B">Weight of the old buffer v in the move of s.</param>
/// <param name="C">Decay of the buffer.</param>
/// <param name="E">Weight of Δ in the new buffer.</param>
public readonly record struct OuterCoefficients(double A, double B, double C, double E)
{
    /// <summary>The coefficients of one member of the family (validation is <see cref="Outer.Create"/>'s job).</summary>
    public static OuterCoefficients Of(OuterKind kind, OuterForm form, double learningRate, double momentum)
    {
        double lr = learningRate, beta = momentum;
        return (kind, form) switch
        {
            (OuterKind.Plain, _) => new(lr, 0, 0, 0),
            (OuterKind.HeavyBall, OuterForm.PyTorch) => new(lr, lr * beta, beta, 1),
            (OuterKind.Nesterov, OuterForm.PyTorch) => new(lr * (1 + beta), lr * beta * beta, beta, 1),
            (OuterKind.HeavyBall, OuterForm.Ema) => new(lr * (1 - beta), lr * beta, beta, 1 - beta),
            (OuterKind.Nesterov, OuterForm.Ema) => new(lr * (1 - beta * beta), lr * beta * beta, beta, 1 - beta),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), $"Unknown outer kind {kind} / form {form}."),
        };
    }

    /// <summary>True when the step keeps a buffer (B, C or E non-zero).</summary>
    public bool HasMomentum => B != 0 || C != 0 || E != 0;
}
