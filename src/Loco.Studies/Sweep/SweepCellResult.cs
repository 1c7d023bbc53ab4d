namespace Loco.Studies.Sweep;

/// <summary>What training one <see cref="SweepCell"/> gave.</summary>
/// <param name="Cell">The cell.</param>
/// <param name="InitialValidationLoss">Validation loss of the initial weights (nats per token).</param>
/// <param name="FinalValidationLoss">Validation loss after the last round, or NaN when the run diverged.</param>
/// <param name="FinalTrainLoss">Mean training loss of the last completed round (NaN when none completed).</param>
/// <param name="RoundsCompleted">Rounds completed (all of them unless the run diverged).</param>
/// <param name="Stable">Whether the cell is stable by the sweep's <see cref="StabilityCriterion"/>.</param>
/// <param name="DivergedRound">The round (1-based) in which a worker's loss became non-finite, or null.</param>
/// <param name="Seconds">Wall-clock seconds the cell took (building the run included).</param>
public sealed record SweepCellResult(SweepCell Cell, double InitialValidationLoss, double FinalValidationLoss, double FinalTrainLoss,
    long RoundsCompleted, bool Stable, long? DivergedRound, double Seconds)
{
    /// <summary>Whether the run stopped on a non-finite loss.</summary>
    public bool Diverged => DivergedRound is not null;
}
