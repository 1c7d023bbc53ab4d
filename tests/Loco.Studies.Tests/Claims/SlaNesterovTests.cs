using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Simulation;
using Loco.Studies.Claims;
using Loco.Studies.Tuning;
using Loco.Theory.Analysis;

namespace Loco.Studies.Tests.Claims;

public sealed class SlaNesterovTests
{
    [Fact]
    public void QuickRunPassesItsCriterionAndWritesFiguresAndTables()
    {
        using var folder = new TempFolder();
        ClaimResult result = ClaimAssert.RunQuick(new SlaNesterovClaim(), folder.Path);
        Assert.True(result.Held, result.Measured);
        Assert.Equal(3, result.Figures.Count);
    }

    [Fact]
    public void SgdWithNesterovMomentumIsOneInnerStepWithOuterNesterovAtUnitOuterLr()
    {
        // Loco.Core's inner Nesterov optimizer (kept across rounds) with a plain α = 1 outer step, against the equivalence
        // used by the claim (H = 1, inner SGD, outer Nesterov α = 1): same data streams, so the same iterates.
        var problem = new PowerLawSetup(64).Problem(0.2);
        FamilyConfig inner = TunedMethod.Sgd(4).Base with { InnerKind = InnerKind.Nesterov, InnerLr = 0.3, InnerMomentum = 0.8 };
        FamilyConfig outer = TunedMethod.SgdNesterov(4).Base with { InnerLr = 0.3, OuterMomentum = 0.8 };
        var options = new SimulationOptions { Rounds = 300, Runs = 3, Seed = 5 };
        SimulationResult a = MonteCarloSimulator.Run(problem, inner, options);
        SimulationResult b = MonteCarloSimulator.Run(problem, outer, options);
        Assert.Equal(a.RoundsCompleted, b.RoundsCompleted);
        for (int k = 0; k <= a.RoundsCompleted; k++)
        {
            Assert.True(Math.Abs(a.Risk[k] - b.Risk[k]) <= 1e-10 * a.Risk[k], $"round {k}: {a.Risk[k]} vs {b.Risk[k]}");
        }

        // And it is not trivially so: without the momentum the curves differ.
        SimulationResult plain = MonteCarloSimulator.Run(problem, inner with { InnerKind = InnerKind.Sgd }, options);
        Assert.True(Math.Abs(plain.FinalRisk - a.FinalRisk) > 1e-3 * a.FinalRisk);
    }

    [Fact]
    public void MeasuredEffectiveSpectrumMatchesTheClosedForm()
    {
        double[] lambda = [1e-4, 1e-2, 0.3, 1.0];
        foreach (int h in SlaNesterovClaim.MuInnerSteps)
        {
            double[] measured = SlaNesterovClaim.MeasureMu(lambda, 0.4, h);
            for (int i = 0; i < lambda.Length; i++)
            {
                double expected = 1 - Math.Pow(1 - 0.4 * lambda[i], h);
                Assert.Equal(expected, measured[i], 1e-12);
                Assert.Equal(expected, EffectiveSpectrum.Of(lambda[i], 0.4, h), 1e-12);
            }
        }
    }
}
