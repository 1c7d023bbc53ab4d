using System.Globalization;

namespace Loco.Core.Optimizers;

/// <summary>
/// Decides after each outer step whether the outer momentum buffer is reset to zero (only the buffer: the global
/// weights and the inner optimizers are untouched). Periodic restarts are the rule studied by Topollai et al. (2026),
/// "Outer-momentum restarting in high-dimensional two-phase optimization", arXiv 2605.28585; the schedule is a value
/// of its own so that other rules (adaptive, loss-triggered) need no change to the outer step.
/// </summary>
/// <remarks>
/// A rule that looks at the round (<see cref="RestartContext.DeltaDotMomentum"/>, the norms, the loss) says so with
/// <see cref="ObservesRound"/>; the outer optimizer then measures those quantities, and only then (they cost three
/// passes over the weights). The exact theory evaluates rules that depend on the round counters alone.
/// <see cref="Spec"/> is the text that configs and checkpoints store and <see cref="Parse"/> reads back.
/// </remarks>
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

    /// <summary>
    /// True when the rule reads the round's statistics (Δ·v, ‖Δ‖, ‖v‖, the loss); false for rules on the counters
    /// alone, for which the context's statistics are NaN.
    /// </summary>
    public virtual bool ObservesRound => false;

    /// <summary>The text a config or checkpoint stores for this schedule (<see cref="Parse"/> reads it back).</summary>
    public abstract string Spec { get; }

    /// <summary>
    /// Reads a schedule's <see cref="Spec"/>: <c>never</c> (or <c>0</c>), <c>every:K</c> (or a bare <c>K</c>),
    /// <c>opposed[:threshold]</c> (also written <c>adaptive:dot</c>, threshold 0), or <c>adaptive:loss</c>.
    /// </summary>
    public static RestartSchedule Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        string text = spec.Trim().ToLowerInvariant();
        string head = text, argument = "";
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            head = text[..colon];
            argument = text[(colon + 1)..];
        }

        if (text == "never")
        {
            return Never;
        }

        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int bare) && bare >= 0)
        {
            return Every(bare);
        }

        if (head == "every" && int.TryParse(argument, NumberStyles.Integer, CultureInfo.InvariantCulture, out int k) && k > 0)
        {
            return Every(k);
        }

        if (text == "adaptive:dot")
        {
            return new OpposedRestart();
        }

        if (text == "adaptive:loss")
        {
            return new LossRiseRestart();
        }

        if (head == "opposed")
        {
            if (argument.Length == 0)
            {
                return new OpposedRestart();
            }

            if (double.TryParse(argument, NumberStyles.Float, CultureInfo.InvariantCulture, out double threshold) && threshold is >= -1 and <= 1)
            {
                return new OpposedRestart(threshold);
            }
        }

        throw new FormatException($"'{spec}' is not a restart schedule; write never, every:K (K ≥ 1), adaptive:dot (or opposed[:c], c in [−1, 1]) or adaptive:loss.");
    }
}

/// <summary>Never resets.</summary>
public sealed record NeverRestart : RestartSchedule
{
    /// <inheritdoc />
    public override bool ShouldRestart(in RestartContext context) => false;

    /// <inheritdoc />
    public override string Spec => "never";

    /// <inheritdoc />
    public override string ToString() => "never";
}

/// <summary>Resets every K completed rounds, counted from the start of training (arXiv 2605.28585).</summary>
/// <param name="Rounds">K ≥ 1.</param>
public sealed record PeriodicRestart(int Rounds) : RestartSchedule
{
    /// <inheritdoc />
    public override bool ShouldRestart(in RestartContext context) => context.CompletedRounds % Rounds == 0;

    /// <inheritdoc />
    public override string Spec => $"every:{Rounds}";

    /// <inheritdoc />
    public override string ToString() => $"every {Rounds}";
}

/// <summary>
/// An adaptive rule: reset when the round's pseudo-gradient points against the momentum it started with,
/// cos(Δ, v) &lt; <paramref name="Threshold"/>. Δ plays the gradient's part (the step is −Δ), so this is the gradient
/// restart of O'Donoghue and Candès (2015, "Adaptive restart for accelerated gradient schemes", arXiv 1204.3982)
/// carried over to the outer step: momentum that carries the weights uphill is dropped.
/// </summary>
/// <param name="Threshold">c in [−1, 1]; 0 restarts as soon as Δ·v &lt; 0.</param>
public sealed record OpposedRestart(double Threshold = 0) : RestartSchedule
{
    /// <inheritdoc />
    public override bool ObservesRound => true;

    /// <inheritdoc />
    public override bool ShouldRestart(in RestartContext context)
    {
        double norms = context.DeltaNorm * context.MomentumNorm;
        return norms > 0 && context.DeltaDotMomentum < Threshold * norms;
    }

    /// <inheritdoc />
    public override string Spec => Threshold == 0 ? "opposed" : string.Create(CultureInfo.InvariantCulture, $"opposed:{Threshold:R}");

    /// <inheritdoc />
    public override string ToString() => Threshold == 0 ? "when Δ·v < 0" : string.Create(CultureInfo.InvariantCulture, $"when cos(Δ, v) < {Threshold:G4}");
}

/// <summary>
/// An adaptive rule on the loss: reset when the round's loss (<see cref="RestartContext.LastLoss"/>, the workers' mean
/// training loss at the end of the round's inner steps) is higher than the previous round's — the function restart of
/// O'Donoghue and Candès (2015, arXiv 1204.3982) carried over to the outer step. Never at the first round, nor where
/// the backend reports no loss.
/// </summary>
public sealed record LossRiseRestart : RestartSchedule
{
    /// <inheritdoc />
    public override bool ObservesRound => true;

    /// <inheritdoc />
    public override bool ShouldRestart(in RestartContext context) =>
        double.IsFinite(context.LastLoss) && double.IsFinite(context.PreviousLoss) && context.LastLoss > context.PreviousLoss;

    /// <inheritdoc />
    public override string Spec => "adaptive:loss";

    /// <inheritdoc />
    public override string ToString() => "when the loss rises";
}
