using System.Globalization;
using Loco.Reports.Reproduce;
using Loco.Theory.Dynamics;

namespace Loco.Reports.Tests.Reproduce;

public sealed class LaSnrTests
{
    [Fact(Skip = "LA-SNR does not hold in our model: tuned LA/SGD at B = 64, σ = 0.1 is 1.000 (quick and full; LA's best there is H = 1, i.e. SGD); at B = 1 full size gives 0.887 (σ = 0.1) and 0.875 (σ = 1). Un-skip to check the criterion.")]
    public void QuickRunPassesItsCriterion()
    {
        using var folder = new TempFolder();
        ClaimResult result = ClaimAssert.RunQuick(new LaSnrClaim(), folder.Path);
        Assert.True(result.Passed, result.Measured);
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
