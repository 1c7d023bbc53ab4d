namespace Loco.Core.Optimizers;

/// <summary>What a restart schedule may look at when it decides whether to drop the outer momentum.</summary>
/// <param name="CompletedRounds">Rounds completed since the start, this one included (1 after the first round).</param>
/// <param name="RoundsSinceRestart">Rounds completed since the last reset of the momentum (or since the start).</param>
public readonly record struct RestartContext(long CompletedRounds, long RoundsSinceRestart);

/// <summary>
/// Decides after each outer step whether the outer momentum buffer is reset to zero (only the buffer:
/// the global weights and the inner optimizers are untouched). Schedules are separate from the outer
/// optimizers so that new ones (adaptive, loss-triggered) need no change to the outer step.
/// </summary>
public abstract record RestartSchedule
{
    /// <summary>Never reset.</summary>
    public static RestartSchedule Never { get; } = new NeverRestart();

    /// <summary>Reset whenever the number of completed rounds is a multiple of <paramref name="period"/>; 0 means never.</summary>
    public static RestartSchedule Every(int period) => period switch
    {
        0 => Never,
        < 0 => throw new ArgumentOutOfRangeException(nameof(period), period, "The restart period must be 0 (never) or a positive number of rounds."),
        _ => new PeriodicRestart(period),
    };

    /// <summary>True when the outer momentum must be reset now.</summary>
    public abstract bool ShouldRestart(in RestartContext context);

    /// <summary>The period K in rounds, or 0 for schedules that are not periodic.</summary>
    public virtual int Period => 0;
}

/// <summary>Never resets.</summary>
public sealed record NeverRestart : RestartSchedule
{
    /// <inheritdoc />
    public override bool ShouldRestart(in RestartContext context) => false;

    /// <inheritdoc />
    public override string ToString() => "never";
}

/// <summary>Resets every K completed rounds, counted from the start of training.</summary>
public sealed record PeriodicRestart(int Rounds) : RestartSchedule
{
    /// <inheritdoc />
    public override bool ShouldRestart(in RestartContext context) => context.CompletedRounds % Rounds == 0;

    /// <inheritdoc />
    public override int Period => Rounds;

    /// <inheritdoc />
    public override string ToString() => $"every {Rounds}";
}
