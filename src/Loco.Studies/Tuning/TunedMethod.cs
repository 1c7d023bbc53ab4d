using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Theory.Tuning;

namespace Loco.Studies.Tuning;

/// <summary>
/// A member of the family as the claims compare it: a base configuration and the knobs tuned for it.
/// SGD = H 1, α 1, plain; LA = plain outer step; SLA = outer heavy-ball or Nesterov (PyTorch form);
/// SGD with Nesterov momentum = H 1, α 1, outer Nesterov (see <see cref="SgdNesterov"/> for why that is exact).
/// </summary>
/// <param name="Name">Short name used in legends and CSV columns.</param>
/// <param name="Base">The fixed settings (batch, workers, outer kind); free knobs are replaced by the tuner.</param>
/// <param name="Free">The knobs tuned.</param>
public sealed record TunedMethod(string Name, FamilyConfig Base, Knob Free)
{
    private static FamilyConfig Config(int batch, OuterKind kind, int innerSteps, double outerLr, double momentum) => new()
    {
        InnerLr = 0.5,
        InnerSteps = innerSteps,
        Workers = 1,
        BatchSize = batch,
        OuterLr = outerLr,
        OuterMomentum = momentum,
        OuterKind = kind,
        OuterForm = OuterForm.PyTorch,
        Restart = RestartSchedule.Every(0),
    };

    /// <summary>SGD at batch <paramref name="batch"/>: only η is tuned.</summary>
    public static TunedMethod Sgd(int batch) => new("SGD", Config(batch, OuterKind.Plain, 1, 1.0, 0.0), Knob.InnerLr);

    /// <summary>Lookahead: η, α and H tuned, no outer momentum.</summary>
    public static TunedMethod Lookahead(int batch) => new("LA", Config(batch, OuterKind.Plain, 8, 1.0, 0.0), Knob.InnerLr | Knob.OuterLr | Knob.InnerSteps);

    /// <summary>SLA with outer heavy-ball momentum: η, α, β, H tuned.</summary>
    public static TunedMethod SlaHeavyBall(int batch) => new("SLA-heavy-ball", Config(batch, OuterKind.HeavyBall, 8, 1.0, 0.5),
        Knob.InnerLr | Knob.OuterLr | Knob.OuterMomentum | Knob.InnerSteps);

    /// <summary>SLA with outer Nesterov momentum: η, α, β, H tuned.</summary>
    public static TunedMethod SlaNesterov(int batch) => new("SLA-Nesterov", Config(batch, OuterKind.Nesterov, 8, 1.0, 0.5),
        Knob.InnerLr | Knob.OuterLr | Knob.OuterMomentum | Knob.InnerSteps);

    /// <summary>
    /// SGD with Nesterov momentum (PyTorch: b ← βb + g; w ← w − η(g + βb)), lr η and momentum β, written as H = 1,
    /// inner SGD η, outer Nesterov with α = 1: the pseudo-gradient of one inner step is Δ = ηg, the outer buffer
    /// v ← βv + Δ equals η·b, and s ← s − α(Δ + βv) = s − αη(g + βb). So the two are the same recursion with lr αη
    /// (exact, not an approximation; tested against Loco.Core's inner Nesterov optimizer). η and β are tuned.
    /// </summary>
    public static TunedMethod SgdNesterov(int batch) => new("SGD-Nesterov", Config(batch, OuterKind.Nesterov, 1, 1.0, 0.5),
        Knob.InnerLr | Knob.OuterMomentum);
}
