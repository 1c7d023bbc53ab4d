using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Core.Problems;
using Loco.Core.Rounds;
using Loco.Simulation;
using Loco.Theory.Dynamics;
using Loco.Theory.Spectra;

namespace Loco.Theory.Tests;

/// <summary>
/// The adaptive restart rules in the exact theory: without noise the rule is a deterministic function of the state, so
/// the theory, deciding on its moments, must follow a run of Loco.Core's round on exact-gradient workers (σ = 0,
/// B → ∞) decision for decision and risk for risk.
/// </summary>
public sealed class AdaptiveRestartTheoryTests
{
    private static readonly LinearRegressionProblem Problem = LinearRegressionProblem.PowerLaw(40, 1.3, 0.9, 0.0, targetSeed: 5);

    private static FamilyConfig Config(string rule, double alpha, double beta, OuterForm form = OuterForm.PyTorch) => new FamilySettings
    {
        InnerSteps = 3, Workers = 2, InnerLr = 0.7, BatchSize = 1 << 30, OuterKind = OuterKind.Nesterov, OuterForm = form,
        OuterLr = alpha, OuterMomentum = beta, Restart = RestartSchedule.Parse(rule),
    }.Resolve();

    [Theory]
    [InlineData("adaptive:dot", 0.9, 0.9, OuterForm.PyTorch)]
    [InlineData("adaptive:dot", 1.6, 0.95, OuterForm.Ema)]
    [InlineData("adaptive:loss", 0.9, 0.95, OuterForm.PyTorch)]
    [InlineData("opposed:0.3", 0.7, 0.9, OuterForm.PyTorch)]
    public void TheNoiselessTheoryFollowsTheExactGradientRoundDecisionForDecision(string rule, double alpha, double beta, OuterForm form)
    {
        FamilyConfig config = Config(rule, alpha, beta, form);
        const int rounds = 40;
        TheoryResult theory = new RiskRecursion(AtomSpectrum.FromProblem(Problem), config, noise: 0).Run(new TheoryOptions { Rounds = rounds });
        Assert.Null(theory.DivergedAtRound);

        // The same rule, run by Loco.Core on exact-gradient workers in error coordinates (s₀ = −θ*).
        var workers = Enumerable.Range(0, config.Workers).Select(_ => new ExactGradientWorker(Problem.Lambda, config.InnerLr)).ToArray();
        OuterOptimizer outer = config.OuterOptimizer;
        var round = new TwoPhaseRound<double>(workers, outer, config.InnerSteps);
        double[] s = [.. Problem.ThetaStar.Select(t => -t)];
        OuterState<double> state = outer.Init<double>(s.Length);
        for (int k = 1; k <= rounds; k++)
        {
            round.Run(s, state);
            double risk = 0.5 * s.Select((x, i) => Problem.Lambda[i] * x * x).Sum();
            Assert.True(Math.Abs(risk - theory.Signal[k]) <= 1e-13 + 1e-10 * risk, $"round {k}: {risk} against {theory.Signal[k]}, restarts so far {state.Restarts}"); // the mean trajectory: exact
            Assert.Equal(risk, theory.Risk[k], 1e-13 + 1e-7 * risk);    // B = 2³⁰ leaves gradient noise of about 1e-8 of the risk
        }

        // The rule fired, but not every round: the comparison tests its decisions.
        Assert.InRange(state.Restarts, 1, rounds - 2);

        // And it matters: the theory with the rule differs from the theory without it.
        TheoryResult never = new RiskRecursion(AtomSpectrum.FromProblem(Problem), config with { Restart = RestartSchedule.Never }, 0)
            .Run(new TheoryOptions { Rounds = rounds });
        Assert.NotEqual(never.Risk[rounds], theory.Risk[rounds], 1e-6);
    }
}
