using Loco.Core.Family;
using Loco.Core.Optimizers;

namespace Loco.Torch.Training;

/// <summary>
/// The defaults of a language-model run (<c>loco train</c>, and the values the LM stability sweep shares with it): a
/// layer on the family's own defaults (<see cref="FamilySettings.Resolve"/>) that makes the unnamed member DiLoCo —
/// inner AdamW, outer Nesterov α = 0.7, β = 0.9 — with M = 2 workers, H = 20, B = 16, η = 2e-3, on the tiny model and
/// 400,000 letters of a generated Markov source.
/// </summary>
public static class TrainingDefaults
{
    /// <summary>Inner steps per worker over the whole run.</summary>
    public const int Steps = 360;

    /// <summary>T, tokens per row.</summary>
    public const int Context = 32;

    /// <summary>B, rows per minibatch per worker.</summary>
    public const int Batch = 16;

    /// <summary>η, the peak inner AdamW learning rate.</summary>
    public const double InnerLr = 2e-3;

    /// <summary>M.</summary>
    public const int Workers = 2;

    /// <summary>H.</summary>
    public const int InnerSteps = 20;

    /// <summary>Letters of the generated corpus used when no corpus is given.</summary>
    public const int Letters = 400_000;

    /// <summary>Fraction of the corpus's tokens held out at its tail for validation.</summary>
    public const double ValidationFraction = 0.05;

    /// <summary>Model preset.</summary>
    public const string Model = "tiny";

    /// <summary>
    /// The family member of a language-model run from the flags <paramref name="given"/> (null where absent): without a
    /// preset it is DiLoCo (inner AdamW; outer Nesterov α = 0.7, β = 0.9, or the plain step α = 1 when β = 0 or
    /// <c>--outer plain</c>); M, H, B and η default to the values above unless a preset fixes them.
    /// </summary>
    public static FamilyConfig Family(FamilySettings given)
    {
        ArgumentNullException.ThrowIfNull(given);
        if (given.Preset is null)
        {
            given = given with
            {
                InnerKind = given.InnerKind ?? InnerKind.AdamW,
                OuterKind = given.OuterKind ?? (given.OuterMomentum is 0 ? OuterKind.Plain : OuterKind.Nesterov),
            };
            given = given with
            {
                OuterMomentum = given.OuterMomentum ?? (given.OuterKind == OuterKind.Plain ? 0.0 : 0.9),
                OuterLr = given.OuterLr ?? (given.OuterKind == OuterKind.Plain ? 1.0 : 0.7),
            };
        }

        bool adamw = (given.InnerKind ?? (given.Preset == Preset.Diloco ? InnerKind.AdamW : InnerKind.Sgd)) == InnerKind.AdamW;
        return (given with
        {
            Workers = given.Workers ?? (given.Preset is Preset.Sgd or Preset.La ? null : Workers),
            InnerSteps = given.InnerSteps ?? (given.Preset == Preset.Sgd ? null : InnerSteps),
            BatchSize = given.BatchSize ?? Batch,
            InnerLr = given.InnerLr ?? (adamw ? InnerLr : null),
        }).Resolve();
    }
}
