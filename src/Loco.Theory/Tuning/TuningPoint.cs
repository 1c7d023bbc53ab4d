using Loco.Core.Family;
using Loco.Core.Optimizers;

namespace Loco.Theory.Tuning;

/// <summary>One candidate setting: the base configuration with the free knobs replaced.</summary>
/// <param name="InnerLr">η.</param>
/// <param name="OuterLr">α or ν.</param>
/// <param name="OuterMomentum">β.</param>
/// <param name="InnerSteps">H.</param>
/// <param name="RestartPeriod">K.</param>
public readonly record struct TuningPoint(double InnerLr, double OuterLr, double OuterMomentum, int InnerSteps, int RestartPeriod)
{
    /// <summary>The point's values from a configuration.</summary>
    public static TuningPoint From(FamilyConfig c) => new(c.InnerLr, c.OuterLr, c.OuterMomentum, c.InnerSteps, c.RestartPeriod);

    /// <summary>
    /// <paramref name="baseConfig"/> with this point's values. A base with a restart rule other than every K (an adaptive
    /// rule) keeps its rule: K is a knob of periodic restarts only.
    /// </summary>
    public FamilyConfig Apply(FamilyConfig baseConfig) => baseConfig with
    {
        InnerLr = InnerLr,
        OuterLr = OuterLr,
        OuterMomentum = OuterMomentum,
        InnerSteps = InnerSteps,
        Restart = baseConfig.Restart is PeriodicRestart or NeverRestart ? RestartSchedule.Every(RestartPeriod) : baseConfig.Restart,
    };
}
