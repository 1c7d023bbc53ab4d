namespace Loco.Core.Optimizers;

/// <summary>
/// What a restart schedule may look at when it decides, after an outer step, whether to drop the outer momentum.
/// The statistics are those of the round just finished, with v the momentum buffer the round started with (before
/// the step updated it); they are NaN unless the schedule <see cref="RestartSchedule.ObservesRound">observes the
/// round</see>, and the loss is NaN where the backend does not report one.
/// </summary>
/// <param name="CompletedRounds">Rounds completed since the start, this one included (1 after the first round).</param>
/// <param name="RoundsSinceRestart">Rounds completed since the last reset of the momentum (or since the start).</param>
public readonly record struct RestartContext(long CompletedRounds, long RoundsSinceRestart)
{
    /// <summary>Δ·v: the averaged pseudo-gradient against the momentum the round started with.</summary>
    public double DeltaDotMomentum { get; init; } = double.NaN;

    /// <summary>‖Δ‖₂.</summary>
    public double DeltaNorm { get; init; } = double.NaN;

    /// <summary>‖v‖₂ of the momentum the round started with.</summary>
    public double MomentumNorm { get; init; } = double.NaN;

    /// <summary>The workers' mean training loss at the end of the round's inner steps, where the backend knows it.</summary>
    public double LastLoss { get; init; } = double.NaN;

    /// <summary>The same loss at the end of the previous round (NaN at the first round, or where unknown).</summary>
    public double PreviousLoss { get; init; } = double.NaN;
}
