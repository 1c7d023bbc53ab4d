using Loco.Studies.Claims;

namespace Loco.Studies.Tests.Claims;

/// <summary>
/// Each claim's registered criterion, judged on values placed just inside and just outside each of its bounds: the
/// verdict follows from the criterion, and the criterion fails when a measured value crosses its bound.
/// </summary>
public sealed class CriterionBoundTests
{
    [Theory]
    [InlineData(0.9499, 1.0, 0, true)] // two of four cells at ≤ 0.95: half
    [InlineData(0.9501, 1.0, 0, false)] // no cell at ≤ 0.95
    [InlineData(0.9, 1.0201, 0, false)] // a cell above the tuning slack
    [InlineData(0.9, 1.0199, 0, true)]
    [InlineData(0.9, 1.0, 1, false)] // one Monte Carlo disagreement
    public void LaSnrNeedsLaBetterByFivePercentInHalfTheCellsAndNeverWorseThanTuningError(double winning, double other, int disagreements, bool held)
    {
        (int, double, double)[] cells = [(1, 0.1, winning), (64, 0.1, other), (1, 1.0, winning), (64, 1.0, 1.0)];
        Assert.Equal(held, LaSnrStudy.Judge(cells, disagreements).Held);
    }

    [Fact]
    public void LaSnrOneWinInFourCellsIsNotMany()
    {
        (int, double, double)[] cells = [(1, 0.1, 0.5), (64, 0.1, 1.0), (1, 1.0, 1.0), (64, 1.0, 1.0)];
        Assert.False(LaSnrStudy.Judge(cells, 0).Held);
    }

    [Theory]
    [InlineData(1e-6, 0.5e-4, 0, true)] // best alternative exactly half the base
    [InlineData(1e-6, 0.50001e-4, 0, false)] // just above half
    [InlineData(0.0, 0.3e-4, 0, false)] // E = 0 at one M: not "more noise"
    [InlineData(-1e-6, 0.3e-4, 0, false)]
    [InlineData(1e-6, 0.3e-4, 2, false)] // Monte Carlo disagrees
    public void MwNoiseNeedsPositiveExcessForEveryMAndAHyperparameterThatHalvesIt(double smallestExcess, double bestAlternative, int disagreements, bool held)
    {
        (int, double)[] byWorkers = [(2, 2e-4), (4, 1e-4), (8, smallestExcess)];
        (string, double)[] alternatives = [("H=16", 2e-4), ("H=2", bestAlternative), ("η=0.0625", double.NaN)];
        Assert.Equal(held, MwNoiseStudy.Judge(byWorkers, 1e-4, alternatives, disagreements, 8).Held);
    }

    [Fact]
    public void MwNoiseANegativeAlternativeDoesNotCountAsAmeliorated()
    {
        (int, double)[] byWorkers = [(2, 2e-4), (4, 1e-4)];
        Assert.False(MwNoiseStudy.Judge(byWorkers, 1e-4, [("H=2", -1e-5), ("H=4", 0.9e-4)], 0, 4).Held);
        Assert.True(MwNoiseStudy.Judge(byWorkers, 1e-4, [("H=2", -1e-5), ("H=4", 0.4e-4)], 0, 4).Held);
    }

    [Theory]
    [InlineData(0.95, 1.0, 0, true)]
    [InlineData(0.9501, 1.0, 0, false)] // not 5% better than LA
    [InlineData(0.9, 0.8999, 0, false)] // heavy-ball better than Nesterov
    [InlineData(0.9, 0.9, 0, true)]
    [InlineData(0.9, 1.0, 1, false)]
    public void SlaNesterovNeedsFivePercentOverLaAndNoWorseThanHeavyBall(double nesterov, double heavyBall, int disagreements, bool held) =>
        Assert.Equal(held, SlaNesterovStudy.Judge(nesterov, heavyBall, 1.0, disagreements).Held);

    [Theory]
    [InlineData(1e-10, 0.5e-3, 4, true)]
    [InlineData(1.01e-10, 0.5e-3, 4, false)] // measured ratio off the closed form
    [InlineData(1e-12, 1e-3, 4, false)] // a dip not deep enough
    [InlineData(1e-12, 0.5e-3, 0, false)] // no zero of c_K was measured
    [InlineData(double.PositiveInfinity, 0.5e-3, 4, false)]
    public void RestartContractionNeedsTheClosedFormToTenDigitsAndMeasuredDips(double worstError, double worstDip, int zeros, bool held) =>
        Assert.Equal(held, RestartContractionClaim.Judge(worstError, worstDip, zeros, 100).Held);

    [Theory]
    [InlineData(21, 21, true)] // larger at H = 8 only, equal elsewhere
    [InlineData(21, 20, false)] // smaller at H = 32
    [InlineData(20, 20, true)]
    public void RestartStabilityNeedsNeverSmallerAndLargerAtSomeH(int without32, int with32, bool held)
    {
        (string, int, int, int)[] areas =
        [
            ("ema", 8, 19, 21), ("ema", 32, without32, with32), ("ema", 128, 21, 21),
            ("pytorch", 8, 8, 10), ("pytorch", 32, 9, 9), ("pytorch", 128, 9, 9),
        ];
        Assert.Equal(held, RestartStabilityClaim.Judge(areas).Held);
    }

    [Fact]
    public void RestartStabilityEqualAreasEverywhereInOneFormIsNotWider()
    {
        (string, int, int, int)[] areas = [("ema", 8, 19, 21), ("pytorch", 8, 9, 9), ("pytorch", 32, 9, 9)];
        Assert.False(RestartStabilityClaim.Judge(areas).Held);
    }

    [Theory]
    [InlineData(new[] { true, true }, Verdict.Reproduced)]
    [InlineData(new[] { true, false }, Verdict.ReproducedUnderConditions)]
    [InlineData(new[] { false, true }, Verdict.ReproducedUnderConditions)]
    [InlineData(new[] { false, false }, Verdict.NotReproduced)]
    [InlineData(new[] { true }, Verdict.Reproduced)]
    public void VerdictFollowsFromTheCriterionOnEachProblem(bool[] held, Verdict expected) => Assert.Equal(expected, Verdicts.FromProblems(held));

    [Fact]
    public void ByProblemsNamesWhereTheCriterionHeldAndFailed()
    {
        ClaimRun Run(ClaimProblem p, bool held) =>
            new(p, new ClaimResult(new CriterionOutcome(held, "m"), new CriterionOutcome(false, "f"), [], []));
        ClaimVerdict v = ClaimRunner.ByProblems([Run(ClaimProblem.Explored, true), Run(ClaimProblem.Second, false)], "because.");
        Assert.Equal(Verdict.ReproducedUnderConditions, v.Verdict);
        Assert.Contains($"held on {ClaimProblem.Explored.Label}", v.Why, StringComparison.Ordinal);
        Assert.Contains($"failed on {ClaimProblem.Second.Label}", v.Why, StringComparison.Ordinal);
        Assert.EndsWith("because.", v.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void RestartStabilityIsAtMostReproducedUnderConditionsBecauseItIsTheLinearAnalogueOfALanguageModelClaim()
    {
        ClaimRun Run(ClaimProblem p, bool held) =>
            new(p, new ClaimResult(new CriterionOutcome(held, "m"), new CriterionOutcome(false, "f"), [], []));
        var claim = new RestartStabilityClaim();
        Assert.Equal(Verdict.ReproducedUnderConditions, claim.Judge([Run(ClaimProblem.Explored, true), Run(ClaimProblem.Second, true)]).Verdict);
        Assert.Equal(Verdict.NotReproduced, claim.Judge([Run(ClaimProblem.Explored, false), Run(ClaimProblem.Second, false)]).Verdict);
    }

    [Theory]
    [InlineData(0.0, 1.0, null, null, null, "--spectrum-exp")]
    [InlineData(1.5, -0.1, null, null, null, "--target-exp")]
    [InlineData(1.5, 1.0, 3, null, null, "--dim")]
    [InlineData(1.5, 1.0, null, -1.0, null, "--noise")]
    [InlineData(1.5, 1.0, null, null, 1023L, "--budget")]
    public void ABadProblemSaysWhichFlag(double a, double b, int? dim, double? noise, long? budget, string flag)
    {
        string? why = new ClaimProblem(a, b, dim, noise, budget).Problem();
        Assert.NotNull(why);
        Assert.StartsWith(flag, why, StringComparison.Ordinal);
    }
}
