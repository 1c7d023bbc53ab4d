using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Core.Problems;
using Loco.Simulation;

namespace Loco.Studies.Claims;

/// <summary>
/// The stability maps of several restart rules on one grid of outer lr × momentum, all from the Monte Carlo simulator
/// (each run's rule decides on its own draws; the theory of an adaptive rule decides on expected values, which the noisy
/// runs do not follow), so that fixed and adaptive rules are compared on the same footing: the same problem, seed and runs.
/// </summary>
internal static class RestartRuleMaps
{
    /// <summary>The rules compared: none, the claim's fixed period, and the two adaptive rules.</summary>
    public static readonly string[] Rules = ["never", $"every:{RestartStabilityClaim.RestartPeriod}", "adaptive:dot", "adaptive:loss"];

    /// <summary>One rule's map: final risk (∞ when diverged), its standard error, the divergence round and stability per (momentum, lr).</summary>
    public sealed record Map(string Rule, double[,] Risk, double[,] StdErr, int?[,] Diverged, bool[,] Stable)
    {
        /// <summary>Stable cells.</summary>
        public int Area => Stable.Cast<bool>().Count(s => s);
    }

    /// <summary>Simulates every cell of the claim's grid under each rule for the form and H given.</summary>
    public static IReadOnlyList<Map> Simulate(LinearRegressionProblem problem, OuterForm form, int innerSteps, int rounds, int runs,
        double initialRisk, CancellationToken cancellation)
    {
        double[] lrs = RestartStabilityClaim.OuterLrs;
        double[] momenta = RestartStabilityClaim.Momenta;
        var maps = new List<Map>();
        foreach (string rule in Rules)
        {
            var risk = new double[momenta.Length, lrs.Length];
            var stdErr = new double[momenta.Length, lrs.Length];
            var diverged = new int?[momenta.Length, lrs.Length];
            var stable = new bool[momenta.Length, lrs.Length];
            for (int r = 0; r < momenta.Length; r++)
            {
                for (int c = 0; c < lrs.Length; c++)
                {
                    cancellation.ThrowIfCancellationRequested();
                    FamilyConfig config = RestartStabilityClaim.Config(form, lrs[c], momenta[r], innerSteps, 0) with { Restart = RestartSchedule.Parse(rule) };
                    SimulationResult sim = MonteCarloSimulator.Run(problem, config,
                        new SimulationOptions { Rounds = rounds, Runs = runs, Seed = 7 }, cancellation: cancellation);
                    diverged[r, c] = sim.DivergedAtRound;
                    risk[r, c] = sim.DivergedAtRound is null ? sim.FinalRisk : double.PositiveInfinity;
                    stdErr[r, c] = sim.DivergedAtRound is null ? sim.FinalStdErr : double.NaN;
                    stable[r, c] = RestartStabilityClaim.IsStable(sim.DivergedAtRound, risk[r, c], initialRisk);
                }
            }

            maps.Add(new Map(rule, risk, stdErr, diverged, stable));
        }

        return maps;
    }

    /// <summary>
    /// The geometric mean of (final risk under <paramref name="map"/> / under <paramref name="reference"/>) over the cells
    /// stable under both, and how many those are.
    /// </summary>
    public static (double Ratio, int Both) RiskRatio(Map map, Map reference)
    {
        double sum = 0;
        int both = 0;
        for (int r = 0; r < map.Risk.GetLength(0); r++)
        {
            for (int c = 0; c < map.Risk.GetLength(1); c++)
            {
                if (map.Stable[r, c] && reference.Stable[r, c])
                {
                    both++;
                    sum += Math.Log(map.Risk[r, c] / reference.Risk[r, c]);
                }
            }
        }

        return (both == 0 ? double.NaN : Math.Exp(sum / both), both);
    }
}
