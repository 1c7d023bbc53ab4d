using Loco.Reports.Reproduce;
using Loco.Theory.Dynamics;

namespace Loco.Reports.Tests.Reproduce;

public sealed class MwNoiseTests
{
    [Fact(Skip = "MW-NOISE fails its written criterion in our model (measured full size: E vs M = 2.29e-4, 1.64e-4, 9.37e-5, 4.96e-5 for M = 2, 4, 8, 16 — positive but falling; along αη = 0.3, E rises to 3.61e-4 at αμ_max = 1.94). Un-skip to check the criterion.")]
    public void QuickRunPassesItsCriterion()
    {
        using var folder = new TempFolder();
        ClaimResult result = ClaimAssert.RunQuick(new MwNoiseClaim(), folder.Path);
        Assert.True(result.Passed, result.Measured);
    }

    [Fact]
    public void QuickRunWritesFiguresAndTheExcessIsPositiveForEveryMultiWorkerSetting()
    {
        using var folder = new TempFolder();
        ClaimAssert.RunQuick(new MwNoiseClaim(), folder.Path);
        MwNoiseResult result = MwNoiseStudy.Run(MwNoiseSize.Quick, null, CancellationToken.None);
        Assert.All(result.ByWorkers.Where(p => p.Config.Workers >= 2), p => Assert.True(p.Excess > 0, $"{p.Config}: {p.Excess}"));
        // One worker against itself: exactly zero (the decomposition compares identical recursions).
        Assert.Equal(0.0, result.ByWorkers.Single(p => p.Config.Workers == 1).Excess);
        // The setting past αμ_max = 2 is unstable, the others are not.
        Assert.All(result.AlongPath, p => Assert.Equal(p.AlphaMuMax >= 2, p.Diverged));
        // Each simulated risk agrees with its theory.
        Assert.All(result.ByWorkers.Concat(result.ByInnerSteps), p =>
        {
            Assert.True(SimulationAgreement.Agrees(p.Theory.Workers, p.Workers!), $"{p.Config} (M workers)");
            Assert.True(SimulationAgreement.Agrees(p.Theory.SingleWorker, p.Single!), $"{p.Config} (one worker)");
        });
    }

    [Fact]
    public void AlphaMuMaxIsTheOuterStepOfTheTopModeAndTwoIsTheDeterministicStabilityEdge()
    {
        // Noise-free full batch: the top mode's error is multiplied by 1 − αμ_max per round; |1 − αμ| > 1 exactly when αμ > 2.
        var setup = new PowerLawSetup(20);
        foreach ((double eta, double alpha, bool stable) in new[] { (0.0625, 4.8, true), (0.03125, 9.6, false) })
        {
            var config = MwNoiseStudy.Config(1, eta, alpha, 8) with { BatchSize = 1 << 20 };
            TheoryResult r = new RiskRecursion(setup.Spectrum(), config, 0).Run(new TheoryOptions { Rounds = 400 });
            Assert.Equal(stable, r.DivergedAtRound is null && r.FinalRisk < r.Risk[0]);
        }
    }
}
