using Loco.Core.Optimizers;

namespace Loco.Core.Family;

/// <summary>
/// The settings a user gave (null = not given). <see cref="Resolve"/> fills the rest from the preset's
/// defaults, rejects values that contradict the preset, and validates every value, naming its flag.
/// </summary>
public sealed record FamilySettings
{
    /// <summary>Named member to start from, if any.</summary>
    public Preset? Preset { get; init; }

    /// <summary>η.</summary>
    public double? InnerLr { get; init; }

    /// <summary>H.</summary>
    public int? InnerSteps { get; init; }

    /// <summary>M.</summary>
    public int? Workers { get; init; }

    /// <summary>B.</summary>
    public int? BatchSize { get; init; }

    /// <summary>α or ν.</summary>
    public double? OuterLr { get; init; }

    /// <summary>β.</summary>
    public double? OuterMomentum { get; init; }

    /// <summary>Outer kind.</summary>
    public OuterKind? OuterKind { get; init; }

    /// <summary>Outer form.</summary>
    public OuterForm? OuterForm { get; init; }

    /// <summary>K (<c>--restart-period</c>): a periodic restart schedule; 0 = never.</summary>
    public int? RestartPeriod { get; init; }

    /// <summary>Any restart schedule (<c>--restart</c>, e.g. <c>every:3</c> or <c>opposed</c>); not together with <see cref="RestartPeriod"/>.</summary>
    public RestartSchedule? Restart { get; init; }

    /// <summary>Inner optimizer kind.</summary>
    public InnerKind? InnerKind { get; init; }

    /// <summary>Inner momentum.</summary>
    public double? InnerMomentum { get; init; }

    /// <summary>Weight decay.</summary>
    public double? WeightDecay { get; init; }

    /// <summary>Reset inner state at each sync.</summary>
    public bool? ResetInnerState { get; init; }

    /// <summary>Defaults when no preset is named: local SGD with H = 8 and a plain outer step of 1.</summary>
    public static FamilyConfig Defaults { get; } = new()
    {
        InnerLr = 0.5,
        InnerSteps = 8,
        Workers = 1,
        BatchSize = 8,
        OuterLr = 1.0,
        OuterMomentum = 0.0,
        OuterKind = Loco.Core.Optimizers.OuterKind.Plain,
        OuterForm = Loco.Core.Optimizers.OuterForm.PyTorch,
    };

    /// <summary>The full, validated configuration.</summary>
    /// <exception cref="InvalidInputException">A value is invalid or contradicts the preset.</exception>
    public FamilyConfig Resolve()
    {
        FamilyConfig d = Defaults;
        string? presetName = Preset?.Name();

        // Which settings a preset fixes, and which defaults it changes.
        (int? workers, double? outerLr, OuterKind? kind, bool momentumFree, int? steps, double? lr) preset = Preset switch
        {
            Family.Preset.Sgd => (1, 1.0, Loco.Core.Optimizers.OuterKind.Plain, true, 1, null),
            Family.Preset.La => (1, null, Loco.Core.Optimizers.OuterKind.Plain, true, null, null),
            Family.Preset.LaDiloco => (null, null, Loco.Core.Optimizers.OuterKind.Plain, true, null, null),
            Family.Preset.Diloco => (null, null, Loco.Core.Optimizers.OuterKind.Nesterov, false, null, 1e-3),
            _ => (null, null, null, false, null, null),
        };

        void Require(bool ok, string flag, string what)
        {
            if (!ok)
            {
                throw new InvalidInputException(flag, $"{what} contradicts --preset {presetName}; drop the flag or the preset.");
            }
        }

        if (preset.workers is int w && Workers is int gw)
        {
            Require(gw == w, "--workers", $"--workers {gw}");
        }

        if (preset.outerLr is double a && OuterLr is double ga)
        {
            Require(ga == a, "--outer-lr", $"--outer-lr {ga}");
        }

        if (preset.kind is OuterKind k && OuterKind is OuterKind gk)
        {
            Require(gk == k, "--outer", $"--outer {gk}");
        }

        if (preset.momentumFree && OuterMomentum is double gb)
        {
            Require(gb == 0, "--outer-momentum", $"--outer-momentum {gb}");
        }

        if (Preset == Family.Preset.Sla && OuterKind == Loco.Core.Optimizers.OuterKind.Plain)
        {
            throw new InvalidInputException("--outer", "--outer plain contradicts --preset sla (outer momentum); choose heavy-ball or nesterov.");
        }

        if (Preset == Family.Preset.Diloco && InnerKind is InnerKind ik && ik != Optimizers.InnerKind.AdamW)
        {
            throw new InvalidInputException("--inner", $"--inner {ik} contradicts --preset diloco (inner AdamW).");
        }

        OuterKind outerKind = OuterKind ?? preset.kind ?? Preset switch
        {
            Family.Preset.Sla => Loco.Core.Optimizers.OuterKind.Nesterov,
            _ => OuterMomentum is > 0 ? Loco.Core.Optimizers.OuterKind.Nesterov : d.OuterKind,
        };
        double outerMomentum = OuterMomentum ?? (outerKind == Loco.Core.Optimizers.OuterKind.Plain ? 0.0 : 0.9);
        double outerLr = OuterLr ?? preset.outerLr ?? Preset switch
        {
            Family.Preset.La or Family.Preset.LaDiloco or Family.Preset.Sla => 0.5,
            Family.Preset.Diloco => 0.7,
            _ => d.OuterLr,
        };

        var config = new FamilyConfig
        {
            InnerLr = InnerLr ?? preset.lr ?? d.InnerLr,
            InnerSteps = InnerSteps ?? preset.steps ?? d.InnerSteps,
            Workers = Workers ?? preset.workers ?? (Preset == Family.Preset.LaDiloco || Preset == Family.Preset.Diloco ? 4 : d.Workers),
            BatchSize = BatchSize ?? d.BatchSize,
            OuterLr = outerLr,
            OuterMomentum = outerMomentum,
            OuterKind = outerKind,
            OuterForm = OuterForm ?? d.OuterForm,
            Restart = ResolveRestart() ?? d.Restart,
            InnerKind = InnerKind ?? (Preset == Family.Preset.Diloco ? Optimizers.InnerKind.AdamW : Optimizers.InnerKind.Sgd),
            InnerMomentum = InnerMomentum ?? (InnerKind is Optimizers.InnerKind.Momentum or Optimizers.InnerKind.Nesterov ? 0.9 : 0.0),
            WeightDecay = WeightDecay ?? 0.0,
            ResetInnerState = ResetInnerState ?? false,
        };
        Validate(config);
        return config;
    }

    /// <summary>Checks every value of a configuration, naming the flag of the first bad one.</summary>
    public static void Validate(FamilyConfig c)
    {
        PositiveFinite(c.InnerLr, "--inner-lr", "inner learning rate");
        PositiveFinite(c.OuterLr, "--outer-lr", "outer learning rate");
        AtLeastOne(c.InnerSteps, "--inner-steps", "inner steps per round");
        AtLeastOne(c.Workers, "--workers", "number of workers");
        AtLeastOne(c.BatchSize, "--batch", "batch size");
        UnitInterval(c.OuterMomentum, "--outer-momentum", "outer momentum");
        UnitInterval(c.InnerMomentum, "--inner-momentum", "inner momentum");
        if (!double.IsFinite(c.WeightDecay) || c.WeightDecay < 0)
        {
            throw new InvalidInputException("--weight-decay", $"the weight decay must be a non-negative finite number (got {c.WeightDecay}).");
        }

        ArgumentNullException.ThrowIfNull(c.Restart);

        if (c.OuterKind == Loco.Core.Optimizers.OuterKind.Plain && c.OuterMomentum != 0)
        {
            throw new InvalidInputException("--outer-momentum", $"a plain outer step (--outer plain) has no momentum (got {c.OuterMomentum}); choose --outer heavy-ball or nesterov.");
        }
    }

    private RestartSchedule? ResolveRestart()
    {
        if (RestartPeriod is int k && Restart is not null)
        {
            throw new InvalidInputException("--restart", $"give the restart either as --restart-period {k} or as --restart {Restart.Spec}, not both.");
        }

        if (RestartPeriod is < 0)
        {
            throw new InvalidInputException("--restart-period", $"the restart period must be 0 (never) or a positive number of rounds (got {RestartPeriod}).");
        }

        return RestartPeriod is int period ? RestartSchedule.Every(period) : Restart;
    }

    /// <summary>Throws unless <paramref name="value"/> is positive and finite.</summary>
    public static void PositiveFinite(double value, string flag, string what)
    {
        if (!double.IsFinite(value) || value <= 0)
        {
            throw new InvalidInputException(flag, $"the {what} must be a positive finite number (got {value}).");
        }
    }

    /// <summary>Throws unless <paramref name="value"/> ≥ 1.</summary>
    public static void AtLeastOne(long value, string flag, string what)
    {
        if (value < 1)
        {
            throw new InvalidInputException(flag, $"the {what} must be at least 1 (got {value}).");
        }
    }

    private static void UnitInterval(double value, string flag, string what)
    {
        if (!double.IsFinite(value) || value < 0 || value >= 1)
        {
            throw new InvalidInputException(flag, $"the {what} must lie in [0, 1) (got {value}).");
        }
    }
}
