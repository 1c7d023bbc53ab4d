using Loco.Core.Optimizers;

namespace Loco.Core.Family;

/// <summary>
/// Every setting of one member of the two-phase family (DESIGN.md §1), named as in code, flags and output columns.
/// Build it through <see cref="FamilySettings.Resolve"/> so that presets apply. Each value is checked as it is set
/// (also in a <c>with</c> expression), naming its flag, and the outer step's settings are checked together when
/// <see cref="OuterOptimizer"/> is built; so a configuration that exists is valid, and engines need not check again.
/// </summary>
public sealed record FamilyConfig
{
    /// <summary>η, the inner learning rate.</summary>
    public required double InnerLr { get; init => field = InputChecks.PositiveFinite(value, "--inner-lr", "inner learning rate"); }

    /// <summary>H, inner steps per round.</summary>
    public required int InnerSteps { get; init => field = InputChecks.AtLeastOne(value, "--inner-steps", "inner steps per round"); }

    /// <summary>M, the number of workers.</summary>
    public required int Workers { get; init => field = InputChecks.AtLeastOne(value, "--workers", "number of workers"); }

    /// <summary>B, the batch size per worker.</summary>
    public required int BatchSize { get; init => field = InputChecks.AtLeastOne(value, "--batch", "batch size"); }

    /// <summary>α (PyTorch form) or ν (EMA form), the outer learning rate.</summary>
    public required double OuterLr { get; init => field = InputChecks.PositiveFinite(value, "--outer-lr", "outer learning rate"); }

    /// <summary>β, the outer momentum.</summary>
    public required double OuterMomentum { get; init => field = InputChecks.UnitInterval(value, "--outer-momentum", "outer momentum"); }

    /// <summary>The outer step's kind.</summary>
    public required OuterKind OuterKind { get; init; }

    /// <summary>The outer step's parameterisation.</summary>
    public required OuterForm OuterForm { get; init; }

    /// <summary>When the outer momentum is reset (<see cref="RestartSchedule.Never"/> by default).</summary>
    public RestartSchedule Restart { get; init => field = value ?? throw new InvalidInputException("--restart", "a restart schedule is required (RestartSchedule.Never for none)."); } = RestartSchedule.Never;

    /// <summary>K of a periodic <see cref="Restart"/> (the <c>restart_period</c> column); 0 for any other schedule.</summary>
    public int RestartPeriod => Restart is PeriodicRestart periodic ? periodic.Rounds : 0;

    /// <summary>The inner optimizer's kind.</summary>
    public InnerKind InnerKind { get; init; } = InnerKind.Sgd;

    /// <summary>Momentum of the inner optimizer (SGD with momentum only).</summary>
    public double InnerMomentum { get; init => field = InputChecks.UnitInterval(value, "--inner-momentum", "inner momentum"); }

    /// <summary>Weight decay of the inner optimizer (coupled for SGD, decoupled for AdamW).</summary>
    public double WeightDecay { get; init => field = InputChecks.NonNegativeFinite(value, "--weight-decay", "weight decay"); }

    /// <summary>Reset the inner optimizer's state at every sync instead of keeping it across rounds.</summary>
    public bool ResetInnerState { get; init; }

    /// <summary>Samples one round consumes across all workers: M·H·B.</summary>
    public long SamplesPerRound => (long)Workers * InnerSteps * BatchSize;

    /// <summary>The outer optimizer these settings describe.</summary>
    public OuterOptimizer OuterOptimizer => OuterKind == OuterKind.Plain && OuterMomentum != 0
        ? throw new InvalidInputException("--outer-momentum", $"a plain outer step (--outer plain) has no momentum (got {OuterMomentum}); choose --outer heavy-ball or nesterov.")
        : Outer.Create(OuterKind, OuterForm, OuterLr, OuterMomentum, Restart);

    /// <summary>The inner optimizer these settings describe.</summary>
    public InnerOptimizer Inner => InnerKind switch
    {
        InnerKind.Sgd => InnerOptimizer.Sgd(InnerLr, WeightDecay),
        InnerKind.Momentum => InnerOptimizer.SgdMomentum(InnerLr, InnerMomentum, nesterov: false, WeightDecay),
        InnerKind.Nesterov => InnerOptimizer.SgdMomentum(InnerLr, InnerMomentum, nesterov: true, WeightDecay),
        _ => InnerOptimizer.AdamW(InnerLr, WeightDecay),
    };

    /// <summary>A short human description, e.g. "H=8 M=4 B=8 η=0.5 nesterov[pytorch](α=0.5, β=0.9) K=3".</summary>
    public override string ToString()
    {
        string outer = OuterKind == OuterKind.Plain
            ? $"plain(α={OuterLr:G4})"
            : $"{OuterKind.Name()}[{OuterForm.Name()}](α={OuterLr:G4}, β={OuterMomentum:G4})";
        string restart = Restart switch
        {
            NeverRestart => "",
            PeriodicRestart p => $" K={p.Rounds}",
            _ => $" restart {Restart}",
        };
        return $"H={InnerSteps} M={Workers} B={BatchSize} {Inner} {outer}{restart}";
    }
}
