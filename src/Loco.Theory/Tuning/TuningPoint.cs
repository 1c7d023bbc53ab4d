using Loco.Core.Optimizers;
using Loco.Core.Family;

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

    /// <summary><paramref name="baseConfig"/> with this point's values.</summary>
    public FamilyConfig Apply(FamilyConfig baseConfig) => baseConfig with
    {
        InnerLr = InnerLr,
        OuterLr = OuterLr,
        OuterMomentum = OuterMomentum,
        InnerSteps = InnerSteps,
        Restart = RestartSchedule.Every(RestartPeriod),
    };
}

/// <summary>What a risk model says about a setting under a sample budget.</summary>
/// <param name="FinalRisk">The risk after the last round that fits the budget (+∞ when diverged).</param>
/// <param name="Rounds">Rounds that fit: ⌊budget / (M·H·B)⌋.</param>
/// <param name="DivergedAtRound">The round of divergence, or null.</param>
public readonly record struct RiskOutcome(double FinalRisk, int Rounds, int? DivergedAtRound)
{
    /// <summary>True when the run diverged.</summary>
    public bool Diverged => DivergedAtRound is not null;
}

/// <summary>Configuration → final risk under a sample budget (or diverged).</summary>
public interface IRiskModel
{
    /// <summary>The final risk of <paramref name="config"/> after ⌊<paramref name="samples"/> / (M·H·B)⌋ rounds.</summary>
    RiskOutcome Evaluate(FamilyConfig config, long samples);
}
