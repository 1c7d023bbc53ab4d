using Loco.Core.Family;
using Loco.Core.Optimizers;

namespace Loco.Theory.Tuning;

/// <summary>Configuration → final risk under a sample budget (or diverged).</summary>
public interface IRiskModel
{
    /// <summary>The final risk of <paramref name="config"/> after ⌊<paramref name="samples"/> / (M·H·B)⌋ rounds.</summary>
    RiskOutcome Evaluate(FamilyConfig config, long samples);
}
