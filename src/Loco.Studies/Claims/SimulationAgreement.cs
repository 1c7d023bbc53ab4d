using Loco.Simulation;
using Loco.Theory.Dynamics;

namespace Loco.Studies.Claims;

/// <summary>Whether Monte Carlo means agree with the exact theory at the final round.</summary>
public static class SimulationAgreement
{
    /// <summary>
    /// |simulated − theory| ≤ 4 standard errors + 2% of the theory's excess risk, at the last round both completed;
    /// both diverged counts as agreement, one diverged as disagreement.
    /// </summary>
    public static bool Agrees(TheoryResult theory, SimulationResult simulation)
    {
        ArgumentNullException.ThrowIfNull(theory);
        ArgumentNullException.ThrowIfNull(simulation);
        bool theoryDiverged = theory.DivergedAtRound is not null;
        bool simDiverged = simulation.DivergedAtRound is not null;
        if (theoryDiverged || simDiverged)
        {
            return theoryDiverged && simDiverged;
        }

        int k = Math.Min(theory.RoundsCompleted, simulation.RoundsCompleted);
        double gap = Math.Abs(simulation.Risk[k] - theory.Risk[k]);
        return gap <= 4 * simulation.RiskStdErr[k] + 0.02 * theory.ExcessRisk(k);
    }
}
