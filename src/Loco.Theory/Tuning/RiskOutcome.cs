using Loco.Core.Family;
using Loco.Core.Optimizers;

namespace Loco.Theory.Tuning;

/// <summary>What a risk model says about a setting under a sample budget.</summary>
/// <param name="FinalRisk">The risk after the last round that fits the budget (+∞ when diverged).</param>
/// <param name="Rounds">Rounds that fit: ⌊budget / (M·H·B)⌋.</param>
/// <param name="DivergedAtRound">The round of divergence, or null.</param>
public readonly record struct RiskOutcome(double FinalRisk, int Rounds, int? DivergedAtRound)
{
    /// <summary>True when the run diverged.</summary>
    public bool Diverged => DivergedAtRound is not null;
}
