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
        OuterKind = Optimizers.OuterKind.Plain,
        OuterForm = Optimizers.OuterForm.PyTorch,
    };

    /// <summary>
    /// What each preset fixes (a flag that disagrees is refused) and which defaults it changes: the one table of preset
    /// defaults (DESIGN.md §1). Null = not fixed by the preset.
    /// </summary>
    private sealed record PresetRule(
        int? Workers = null, double? OuterLr = null, OuterKind? Kind = null, bool MomentumFree = false, int? InnerSteps = null,
        InnerKind? Inner = null, double? InnerLr = null, int? DefaultWorkers = null, double? DefaultOuterLr = null, OuterKind? DefaultKind = null);

    private static PresetRule Rule(Preset? preset) => preset switch
    {
        Family.Preset.Sgd => new(Workers: 1, OuterLr: 1.0, Kind: Optimizers.OuterKind.Plain, MomentumFree: true, InnerSteps: 1),
        Family.Preset.La => new(Workers: 1, Kind: Optimizers.OuterKind.Plain, MomentumFree: true, DefaultOuterLr: 0.5),
        Family.Preset.LaDiloco => new(Kind: Optimizers.OuterKind.Plain, MomentumFree: true, DefaultWorkers: 4, DefaultOuterLr: 0.5),
        Family.Preset.Sla => new(DefaultOuterLr: 0.5, DefaultKind: Optimizers.OuterKind.Nesterov),
        Family.Preset.Diloco => new(Kind: Optimizers.OuterKind.Nesterov, Inner: Optimizers.InnerKind.AdamW, InnerLr: 1e-3, DefaultWorkers: 4, DefaultOuterLr: 0.7),
        _ => new(),
    };

    /// <summary>The full, validated configuration.</summary>
    /// <exception cref="InvalidInputException">A value is invalid, contradicts the preset, or would have no effect.</exception>
    public FamilyConfig Resolve()
    {
        FamilyConfig d = Defaults;
        string? presetName = Preset?.Name();
        PresetRule rule = Rule(Preset);

        void Require(bool ok, string flag, string what)
        {
            if (!ok)
            {
                throw new InvalidInputException(flag, $"{what} contradicts --preset {presetName}; drop the flag or the preset.");
            }
        }

        if (rule.Workers is int w && Workers is int gw)
        {
            Require(gw == w, "--workers", $"--workers {gw}");
        }

        if (rule.InnerSteps is int h && InnerSteps is int gh)
        {
            Require(gh == h, "--inner-steps", $"--inner-steps {gh}");
        }

        if (rule.OuterLr is double a && OuterLr is double ga)
        {
            Require(ga == a, "--outer-lr", $"--outer-lr {ga}");
        }

        if (rule.Kind is OuterKind k && OuterKind is OuterKind gk)
        {
            Require(gk == k, "--outer", $"--outer {gk.Name()}");
        }

        if (rule.MomentumFree && OuterMomentum is double gb)
        {
            Require(gb == 0, "--outer-momentum", $"--outer-momentum {gb}");
        }

        if (Preset == Family.Preset.Sla && OuterKind == Optimizers.OuterKind.Plain)
        {
            throw new InvalidInputException("--outer", "--outer plain contradicts --preset sla (outer momentum); choose heavy-ball or nesterov.");
        }

        if (rule.Inner is InnerKind ri && InnerKind is InnerKind ik && ik != ri)
        {
            throw new InvalidInputException("--inner", $"--inner {ik.Name()} contradicts --preset {presetName} (inner {ri.Name()}).");
        }

        OuterKind outerKind = OuterKind ?? rule.Kind ?? rule.DefaultKind
            ?? (OuterMomentum is > 0 ? Optimizers.OuterKind.Nesterov : d.OuterKind);
        InnerKind innerKind = InnerKind ?? rule.Inner ?? Optimizers.InnerKind.Sgd;
        RestartSchedule restart = ResolveRestart() ?? d.Restart;
        RefuseInert(outerKind, innerKind, restart);

        var config = new FamilyConfig
        {
            InnerLr = InnerLr ?? rule.InnerLr ?? d.InnerLr,
            InnerSteps = InnerSteps ?? rule.InnerSteps ?? d.InnerSteps,
            Workers = Workers ?? rule.Workers ?? rule.DefaultWorkers ?? d.Workers,
            BatchSize = BatchSize ?? d.BatchSize,
            OuterLr = OuterLr ?? rule.OuterLr ?? rule.DefaultOuterLr ?? d.OuterLr,
            OuterMomentum = OuterMomentum ?? (outerKind == Optimizers.OuterKind.Plain ? 0.0 : 0.9),
            OuterKind = outerKind,
            OuterForm = OuterForm ?? d.OuterForm,
            Restart = restart,
            InnerKind = innerKind,
            InnerMomentum = InnerMomentum ?? (innerKind is Optimizers.InnerKind.Momentum or Optimizers.InnerKind.Nesterov ? 0.9 : 0.0),
            WeightDecay = WeightDecay ?? 0.0,
            ResetInnerState = ResetInnerState ?? false,
        };
        _ = config.OuterOptimizer; // the outer step's settings together (each value was checked as it was set)
        return config;
    }

    // A flag that the resolved member would ignore is a mistake the user should hear about, not a silent no-op.
    private void RefuseInert(OuterKind outerKind, InnerKind innerKind, RestartSchedule restart)
    {
        if (outerKind == Optimizers.OuterKind.Plain && restart is not NeverRestart)
        {
            throw new InvalidInputException(RestartPeriod is not null ? "--restart-period" : "--restart",
                $"a restart resets the outer momentum, and a plain outer step has none; choose --outer heavy-ball or nesterov, or drop the restart.");
        }

        if (outerKind == Optimizers.OuterKind.Plain && OuterForm == Optimizers.OuterForm.Ema)
        {
            throw new InvalidInputException("--outer-form",
                "--outer-form ema has no effect on a plain outer step (both forms are s ← s − αΔ); drop it or choose --outer heavy-ball or nesterov.");
        }

        if (InnerMomentum is double mu && innerKind is not (Optimizers.InnerKind.Momentum or Optimizers.InnerKind.Nesterov))
        {
            throw new InvalidInputException("--inner-momentum",
                $"--inner-momentum {mu} has no effect with --inner {innerKind.Name()}; choose --inner momentum or nesterov, or drop it.");
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
}
