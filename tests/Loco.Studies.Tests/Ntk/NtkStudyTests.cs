using Loco.Core.Optimizers;
using Loco.Studies.Ntk;
using Loco.Theory.Analysis;
using Loco.Torch.Ntk;

namespace Loco.Studies.Tests.Ntk;

public sealed class NtkStudyTests
{
    private static NtkProblem Small(int samples = 20, int width = 16, ulong seed = 3) => NtkProblem.Create(new NtkProblemOptions(samples, 2, width, 2, seed));

    public static TheoryData<string, int> Families => new()
    {
        { "nesterov-pytorch", 3 },
        { "nesterov-ema", 4 },
        { "heavy-ball-pytorch", 5 },
        { "nesterov-pytorch", 0 },
    };

    [Theory]
    [MemberData(nameof(Families))]
    public void LinearisedPerCycleRatiosEqualTheRestartFactorToOneInAHundredMillion(string family, int k)
    {
        using NtkProblem p = Small();
        OuterOptimizer outer = family switch
        {
            "nesterov-ema" => Outer.Nesterov(1.5, 0.8, OuterForm.Ema),
            "heavy-ball-pytorch" => Outer.HeavyBall(0.8, 0.7),
            _ => Outer.Nesterov(1.0, 0.9),
        };
        outer = outer.WithRestart(k);
        double eta = 0.4 / p.Spectrum.Lambda[0];
        const int h = 4;
        double[] mu = EffectiveSpectrum.Compute(p.Spectrum.Lambda, eta, h);
        NtkTrajectory run = NtkTrajectory.Run(p.Linear, p.Theta0, eta, h, outer, rounds: 24);
        Assert.Null(run.DivergedAtRound);
        IReadOnlyList<ModeCycle> rows = ModeContraction.Compare(p.Spectrum, mu, outer, k, run);
        ContractionSummary summary = ModeContraction.Summarize(rows);
        Assert.True(summary.MaxError < 1e-8, $"max relative error {summary.MaxError:E2}");
        // The check is not empty: most windows count, and the top modes (where the factor is far from 1) are among them.
        Assert.True(summary.Counted > rows.Count / 2, $"{summary.Counted}/{rows.Count} windows counted");
        Assert.Contains(rows, r => r.Included && r.Mode == 0 && Math.Abs(r.Theory) < 0.9);
    }

    [Fact]
    public void TheRealMlpDepartsFromTheLinearisedFactorsButIsCounted()
    {
        using NtkProblem p = Small();
        OuterOptimizer outer = Outer.Nesterov(1.0, 0.9).WithRestart(3);
        double eta = 0.4 / p.Spectrum.Lambda[0];
        double[] mu = EffectiveSpectrum.Compute(p.Spectrum.Lambda, eta, 4);
        NtkTrajectory real = NtkTrajectory.Run(p.Real, p.Theta0, eta, 4, outer, rounds: 12);
        ContractionSummary summary = ModeContraction.Summarize(ModeContraction.Compare(p.Spectrum, mu, outer, 3, real));
        // The real network is not its linearisation: the residual's modes mix, far above round-off.
        Assert.True(summary.MaxError > 1e-6, $"real MLP max error {summary.MaxError:E2}");
        Assert.True(real.Loss(real.Rounds) < real.Loss(0));
    }

    [Fact]
    public void PredictedStableRegionMatchesTheMeasuredOneForTheLinearisedModel()
    {
        using NtkProblem p = Small();
        double eta = 0.4 / p.Spectrum.Lambda[0];
        const int h = 4;
        double[] mu = EffectiveSpectrum.Compute(p.Spectrum.Lambda, eta, h);
        double[] lrs = [0.5, 2, 4, 8];
        double[] momenta = [0, 0.6, 0.9];
        foreach (int k in new[] { 0, 3 })
        {
            StabilityCell[,] predicted = StabilityGrid.Evaluate(mu, OuterKind.Nesterov, OuterForm.PyTorch, lrs, momenta, k);
            MeasuredCell[,] measured = MeasuredStability.Measure(p.Linear, p.Theta0, eta, h, OuterKind.Nesterov, OuterForm.PyTorch, lrs, momenta, k, rounds: 60);
            int stable = 0;
            for (int i = 0; i < lrs.Length; i++)
            {
                for (int j = 0; j < momenta.Length; j++)
                {
                    bool theory = k > 0 ? predicted[i, j].Rates.StableWithRestart : predicted[i, j].Rates.Stable;
                    Assert.True(theory == measured[i, j].Stable,
                        $"K={k}, α={lrs[i]}, β={momenta[j]}: predicted {theory}, measured {measured[i, j].Stable} (loss {measured[i, j].InitialLoss:G4} → {measured[i, j].FinalLoss:G4})");
                    stable += theory ? 1 : 0;
                }
            }

            Assert.InRange(stable, 1, lrs.Length * momenta.Length - 1); // both kinds of cell are present
        }
    }
}
