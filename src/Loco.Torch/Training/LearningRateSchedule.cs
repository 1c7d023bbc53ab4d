using Loco.Core.Family;

namespace Loco.Torch.Training;

/// <summary>The shape of the inner learning rate after its warmup.</summary>
public enum ScheduleKind
{
    /// <summary>The peak throughout.</summary>
    Constant,

    /// <summary>A cosine from the peak down to the floor at the last step (the default, as DiLoCo and nanoGPT).</summary>
    Cosine,

    /// <summary>A straight line from the peak down to the floor at the last step.</summary>
    Linear,

    /// <summary>Warmup–stable–decay: the peak until the last fraction of the steps, then a straight line to the floor.</summary>
    Wsd,
}

/// <summary>
/// The inner learning rate as a function of a worker's inner step t = 0, 1, ... (counted over the whole run, not per
/// round): linear warmup from Peak/W to Peak over the first W steps, then, by <see cref="Kind"/>, constant, a cosine or a
/// straight line from Peak down to MinFraction·Peak at step Total − 1, or (WSD) Peak until the last
/// <see cref="DecayFraction"/> of the steps after warmup and then a straight line down; constant after Total − 1. With
/// W = 0 and Total = 0 it is constant.
/// </summary>
/// <param name="Peak">η, the largest learning rate.</param>
/// <param name="WarmupSteps">W, steps of linear warmup (0 = none).</param>
/// <param name="TotalSteps">Total inner steps of a worker; 0 = no decay.</param>
/// <param name="MinFraction">The final learning rate as a fraction of the peak.</param>
public sealed record LearningRateSchedule(double Peak, int WarmupSteps = 0, long TotalSteps = 0, double MinFraction = 0.1)
{
    /// <summary>The shape after warmup (cosine by default).</summary>
    public ScheduleKind Kind { get; init; } = ScheduleKind.Cosine;

    /// <summary>WSD's decay phase as a fraction of the steps after warmup, in (0, 1].</summary>
    public double DecayFraction { get; init; } = 0.2;

    /// <summary>A constant learning rate.</summary>
    public static LearningRateSchedule Constant(double lr) => new(lr) { Kind = ScheduleKind.Constant };

    /// <summary>The learning rate of inner step <paramref name="step"/> (0-based).</summary>
    public double At(long step)
    {
        if (step < WarmupSteps)
        {
            return Peak * (step + 1) / WarmupSteps;
        }

        if (Kind == ScheduleKind.Constant)
        {
            return Peak;
        }

        if (TotalSteps <= WarmupSteps + 1)
        {
            return TotalSteps == 0 ? Peak : Peak * MinFraction;
        }

        double min = Peak * MinFraction;
        long span = TotalSteps - 1 - WarmupSteps;
        double progress = Math.Min(1.0, (double)(step - WarmupSteps) / span);
        switch (Kind)
        {
            case ScheduleKind.Linear:
                return Peak - (Peak - min) * progress;
            case ScheduleKind.Wsd:
                double stable = 1 - DecayFraction;
                return progress <= stable ? Peak : Peak - (Peak - min) * ((progress - stable) / DecayFraction);
            default:
                return min + 0.5 * (Peak - min) * (1 + Math.Cos(Math.PI * progress));
        }
    }

    /// <summary>The schedule's name as <c>--lr-schedule</c> takes it: constant, cosine, linear, wsd or wsd:F.</summary>
    public string Spec => Kind switch
    {
        ScheduleKind.Constant => "constant",
        ScheduleKind.Linear => "linear",
        ScheduleKind.Wsd => DecayFraction == 0.2 ? "wsd" : $"wsd:{DecayFraction.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}",
        _ => "cosine",
    };

    /// <summary>
    /// Reads <c>--lr-schedule</c>: constant, cosine, linear, wsd or wsd:F (F, the decay fraction, in (0, 1]; default 0.2);
    /// a bad value is an <see cref="InvalidInputException"/>.
    /// </summary>
    public static (ScheduleKind Kind, double DecayFraction) Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim().ToLowerInvariant();
        string name = t.Split(':')[0];
        ScheduleKind kind = name switch
        {
            "constant" => ScheduleKind.Constant,
            "cosine" => ScheduleKind.Cosine,
            "linear" => ScheduleKind.Linear,
            "wsd" => ScheduleKind.Wsd,
            _ => throw new InvalidInputException("--lr-schedule", $"'{text}' is not a schedule: use constant, cosine, linear, wsd or wsd:F (F the decay fraction, e.g. wsd:0.2)."),
        };
        if (!t.Contains(':'))
        {
            return (kind, 0.2);
        }

        if (kind != ScheduleKind.Wsd)
        {
            throw new InvalidInputException("--lr-schedule", $"only wsd takes a parameter (got '{text}').");
        }

        return double.TryParse(t[(t.IndexOf(':') + 1)..], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double f)
               && f > 0 && f <= 1
            ? (kind, f)
            : throw new InvalidInputException("--lr-schedule", $"wsd's decay fraction must lie in (0, 1] (got '{text}').");
    }
}
