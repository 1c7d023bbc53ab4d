using Loco.Core.Family;
using Loco.Core.Optimizers;

namespace Loco.Theory.Tuning;

/// <summary>The knobs the tuner may move (DESIGN.md §1 names).</summary>
[Flags]
public enum Knob
{
    /// <summary>No knob.</summary>
    None = 0,
    /// <summary>η, the inner learning rate.</summary>
    InnerLr = 1,
    /// <summary>α (ν in the EMA form), the outer learning rate.</summary>
    OuterLr = 2,
    /// <summary>β, the outer momentum.</summary>
    OuterMomentum = 4,
    /// <summary>H, inner steps per round.</summary>
    InnerSteps = 8,
    /// <summary>K, the restart period (0 = never).</summary>
    RestartPeriod = 16,
}
