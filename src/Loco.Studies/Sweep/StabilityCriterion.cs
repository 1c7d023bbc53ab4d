namespace Loco.Studies.Sweep;

/// <summary>
/// When a sweep cell counts as stable: its final validation loss is finite and at most (1 − margin) times the
/// validation loss at initialisation, i.e. training lowered the loss by at least the fraction <see cref="Margin"/>.
/// A run that diverged (a non-finite training loss) is unstable whatever its last loss.
/// </summary>
public sealed record StabilityCriterion
{
    /// <summary>The default margin: the final loss must be at least 10% below the initial one.</summary>
    public const double DefaultMargin = 0.1;

    /// <summary>A criterion with the given margin, a fraction in [0, 1).</summary>
    public StabilityCriterion(double margin = DefaultMargin)
    {
        if (!double.IsFinite(margin) || margin < 0 || margin >= 1)
        {
            throw new Loco.Core.Family.InvalidInputException("--margin", $"must be a fraction in [0, 1) of the initial validation loss (got {margin}).");
        }

        Margin = margin;
    }

    /// <summary>Required relative decrease of the validation loss, a fraction of the initial loss.</summary>
    public double Margin { get; }

    /// <summary>The largest final loss that still counts as stable for a run that started at <paramref name="initialLoss"/>.</summary>
    public double Threshold(double initialLoss) => (1 - Margin) * initialLoss;

    /// <summary>Whether a run from <paramref name="initialLoss"/> to <paramref name="finalLoss"/> is stable.</summary>
    public bool IsStable(double initialLoss, double finalLoss, bool diverged) =>
        !diverged && double.IsFinite(initialLoss) && double.IsFinite(finalLoss) && finalLoss <= Threshold(initialLoss);
}
