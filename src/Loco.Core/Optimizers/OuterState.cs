namespace Loco.Core.Optimizers;

/// <summary>The mutable state of an outer optimizer: the momentum buffer and the round counters.</summary>
public sealed class OuterState<T> where T : unmanaged
{
    internal OuterState(int dimension)
    {
        Momentum = new T[dimension];
    }

    /// <summary>The momentum buffer: v in the PyTorch form, m in the EMA form (all zeros for <see cref="OuterKind.Plain"/>).</summary>
    public T[] Momentum { get; }

    /// <summary>Outer steps taken so far.</summary>
    public long CompletedRounds { get; internal set; }

    /// <summary>Rounds since the momentum was last reset.</summary>
    public long RoundsSinceRestart { get; internal set; }

    /// <summary>How many times the schedule reset the momentum.</summary>
    public long Restarts { get; internal set; }

    /// <summary>
    /// The loss the last round handed to the restart schedule (<see cref="RestartContext.LastLoss"/>; NaN before the
    /// first round or where the backend reports none): what a rule on a rising loss compares the next round's with.
    /// </summary>
    public double LastRoundLoss { get; internal set; } = double.NaN;

    /// <summary>Restores the last round's loss, for resuming from a checkpoint.</summary>
    public void RestoreLoss(double lastRoundLoss) => LastRoundLoss = lastRoundLoss;

    /// <summary>Restores counters, for resuming from a checkpoint.</summary>
    public void Restore(long completedRounds, long roundsSinceRestart, long restarts)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(completedRounds);
        ArgumentOutOfRangeException.ThrowIfNegative(roundsSinceRestart);
        ArgumentOutOfRangeException.ThrowIfNegative(restarts);
        CompletedRounds = completedRounds;
        RoundsSinceRestart = roundsSinceRestart;
        Restarts = restarts;
    }
}
