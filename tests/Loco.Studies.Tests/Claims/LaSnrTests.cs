using System.Globalization;
using Loco.Studies.Claims;
using Loco.Studies.Tuning;
using Loco.Theory.Dynamics;

namespace Loco.Studies.Tests.Claims;

public sealed class LaSnrTests
{
    [Fact]
    public void QuickRunHoldsItsRegisteredCriterion()
    {
        using var folder = new TempFolder();
        ClaimResult result = ClaimAssert.RunQuick(new LaSnrClaim(), folder.Path);
        Assert.True(result.Held, result.Measured);
    }

    [Fact]
    public void QuickRunWritesFiguresAndItsMonteCarloAgreesWithTheTheoryAtEveryTunedSetting()
    {
        using var folder = new TempFolder();
        ClaimResult result = ClaimAssert.RunQuick(new LaSnrClaim(), folder.Path);
        string[] lines = File.ReadAllLines(Path.Combine(folder.Path, "tuned.csv"));
        string[] header = lines[0].Split(',');
        int theory = Array.IndexOf(header, "final_excess_risk");
        int sim = Array.IndexOf(header, "simulated_final_excess_risk");
        int err = Array.IndexOf(header, "simulated_stderr");
        int ratio = Array.IndexOf(header, "ratio_la_over_sgd");
        Assert.Equal(2 * LaSnrSize.Quick.Batches.Length * LaSnrSize.Quick.Noises.Length, lines.Length - 1);
        foreach (string line in lines.Skip(1))
        {
            double[] v = [.. line.Split(',').Select(s => double.TryParse(s, CultureInfo.InvariantCulture, out double d) ? d : double.NaN)];
            Assert.True(Math.Abs(v[sim] - v[theory]) <= 4 * v[err] + 0.02 * v[theory], $"{line}");
            // LA with H = 1 is SGD with lr αη, so tuned LA can never be worse than tuned SGD by more than the tuner's resolution.
            Assert.True(v[ratio] <= 1.02, $"{line}");
        }
    }

    [Fact]
    public void InnerStepLadderIsThePowersOfTwoInTheRangeAndItsEnds()
    {
        Assert.Equal([1, 2, 4, 8, 16, 32, 64, 128, 256], MethodTuning.InnerStepLadder(new Loco.Theory.Tuning.KnobRange(1, 256, true)));
        Assert.Equal([3, 4, 8, 16, 32, 40], MethodTuning.InnerStepLadder(new Loco.Theory.Tuning.KnobRange(3, 40, true)));
    }

    [Fact]
    public void TunedLookaheadMatchesAnExhaustiveSearchOverEtaAlphaAndH()
    {
        // Independent of the tuner: a dense grid (η, α) at every H of 1..8, on the quick problem at B = 64, σ = 0.
        var setup = new PowerLawSetup(100);
        var spectrum = setup.TuningSpectrum();
        const long samples = 1 << 12;
        TunedRun tuned = MethodTuning.Tune(TunedMethod.Lookahead(64), setup.Spectrum(), spectrum, 0, samples, LaSnrSize.Quick.Effort, default);
        double best = double.PositiveInfinity;
        foreach (int h in new[] { 1, 2, 3, 4, 6, 8 })
        {
            for (double eta = 0.05; eta < 1.99; eta *= 1.06)
            {
                for (double alpha = 0.05; alpha < 8; alpha *= 1.06)
                {
                    var config = TunedMethod.Lookahead(64).Base with { InnerLr = eta, OuterLr = alpha, InnerSteps = h };
                    var outcome = new Loco.Theory.Tuning.RecursionRiskModel(spectrum, 0).Evaluate(config, samples);
                    best = Math.Min(best, outcome.FinalRisk);
                }
            }
        }

        double found = new Loco.Theory.Tuning.RecursionRiskModel(spectrum, 0).Evaluate(tuned.Config, samples).FinalRisk;
        Assert.True(found <= 1.01 * best, $"tuner {found:G6} ({tuned.Config.InnerLr:G4}, {tuned.Config.OuterLr:G4}, H={tuned.Config.InnerSteps}) vs exhaustive {best:G6}");
    }

    [Fact]
    public void LookaheadWithOneInnerStepIsSgdWithTheProductLearningRate()
    {
        // The identity behind "LA/SGD ≤ 1": f = s − ηg, s′ = s − α(s − f) = s − αη g.
        var setup = new PowerLawSetup(50);
        var la = TunedMethod.Lookahead(4).Base with { InnerSteps = 1, InnerLr = 0.8, OuterLr = 0.5 };
        var sgd = TunedMethod.Sgd(4).Base with { InnerLr = 0.4 };
        TheoryResult a = new RiskRecursion(setup.Spectrum(), la, 0.3).Run(new TheoryOptions { Rounds = 200 });
        TheoryResult b = new RiskRecursion(setup.Spectrum(), sgd, 0.3).Run(new TheoryOptions { Rounds = 200 });
        for (int k = 0; k <= 200; k++)
        {
            Assert.Equal(b.Risk[k], a.Risk[k], 1e-14);
        }
    }
}
