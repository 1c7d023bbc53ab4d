using Loco.Core.Optimizers;
using Loco.Theory.Analysis;

namespace Loco.Theory.Tests.Analysis;

public class StabilityTests
{
    public static TheoryData<OuterKind, OuterForm> AllKinds => OuterTransferTests.AllKinds;

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void ClosedFormBoundaryAgreesWithTheNumericRadiusOnAGrid(OuterKind kind, OuterForm form)
    {
        double[] momenta = kind == OuterKind.Plain ? [0.0] : [.. Enumerable.Range(0, 40).Select(j => j / 40.0)];
        int stable = 0, unstable = 0;
        foreach (double beta in momenta)
        {
            for (int i = 1; i <= 120; i++)
            {
                double lr = i / 30.0; // up to 4
                OuterOptimizer outer = Outer.Create(kind, form, lr, beta);
                for (int k = -20; k <= 200; k++)
                {
                    double mu = k / 80.0 + 1.0 / 7919; // μ from −0.25 to 2.5, off the lattice of the boundary
                    double step = StabilityBoundary.EffectiveLearningRate(outer) * mu;
                    double bound = StabilityBoundary.MaxEffectiveStep(kind, beta);
                    if (Math.Abs(step) < 1e-9 || Math.Abs(step - bound) < 1e-9)
                    {
                        continue; // on the boundary ρ = 1 up to rounding
                    }

                    bool numeric = OuterTransfer.Rate(outer, mu) < 1;
                    Assert.True(numeric == StabilityBoundary.IsStable(outer, mu), $"{outer} μ={mu}: ρ={OuterTransfer.Rate(outer, mu)}");
                    stable += numeric ? 1 : 0;
                    unstable += numeric ? 0 : 1;
                }
            }
        }

        Assert.True(stable > 1000 && unstable > 1000);
    }

    [Fact]
    public void KnownBoundaries()
    {
        Assert.Equal(2.0, StabilityBoundary.MaxEffectiveStep(OuterKind.Plain, 0));
        Assert.Equal(3.8, StabilityBoundary.MaxEffectiveStep(OuterKind.HeavyBall, 0.9), 1e-15);
        Assert.Equal(3.8 / 2.8, StabilityBoundary.MaxEffectiveStep(OuterKind.Nesterov, 0.9), 1e-15);
        // Just inside and just outside, by the numeric radius.
        foreach ((OuterKind kind, double beta) in new[] { (OuterKind.Plain, 0.0), (OuterKind.HeavyBall, 0.9), (OuterKind.Nesterov, 0.9), (OuterKind.Nesterov, 0.3) })
        {
            double b = StabilityBoundary.MaxEffectiveStep(kind, beta);
            OuterOptimizer outer = Outer.Create(kind, OuterForm.PyTorch, 1.0, beta);
            Assert.True(OuterTransfer.Rate(outer, b * (1 - 1e-6)) < 1);
            Assert.True(OuterTransfer.Rate(outer, b * (1 + 1e-6)) > 1);
            Assert.Equal(1.0, OuterTransfer.Rate(outer, b), 1e-6);
        }

        // EMA: ν(1 − β) μ is what counts.
        Assert.Equal(3.8 / 2.8 / 0.1, StabilityBoundary.MaxLearningRate(OuterKind.Nesterov, OuterForm.Ema, 0.9, 1.0), 1e-12);
    }

    [Fact]
    public void SpectrumIsStableIffItsWorstModeIs()
    {
        double[] lambda = [.. Enumerable.Range(1, 500).Select(i => Math.Pow(i, -1.5))];
        double[] mu = EffectiveSpectrum.Compute(lambda, 0.9, 8);
        double muMax = mu.Max();
        double lrMax = StabilityBoundary.MaxLearningRate(OuterKind.HeavyBall, OuterForm.PyTorch, 0.5, muMax);
        OuterOptimizer inside = Outer.HeavyBall(lrMax * 0.999, 0.5);
        OuterOptimizer outside = Outer.HeavyBall(lrMax * 1.001, 0.5);
        Assert.True(SpectrumRates.Of(inside, mu, 0).Stable);
        Assert.True(StabilityBoundary.IsStable(inside, mu));
        Assert.False(SpectrumRates.Of(outside, mu, 0).Stable);
        Assert.False(StabilityBoundary.IsStable(outside, mu));
    }

    [Fact]
    public void GridCellsMatchPerCellComputation()
    {
        double[] mu = EffectiveSpectrum.Compute([1.0, 0.3, 0.01], 1.0, 3);
        double[] lrs = [0.1, 0.5, 0.9, 1.1, 3, 9];
        double[] momenta = [0.1, 0.5, 0.9];
        StabilityCell[,] cells = StabilityGrid.Evaluate(mu, OuterKind.Nesterov, OuterForm.Ema, lrs, momenta, 3);
        for (int i = 0; i < lrs.Length; i++)
        {
            for (int j = 0; j < momenta.Length; j++)
            {
                OuterOptimizer outer = Outer.Nesterov(lrs[i], momenta[j], OuterForm.Ema);
                double worst = mu.Max(m => OuterTransfer.Rate(outer, m));
                double worstCycle = mu.Max(m => Math.Abs(OuterTransfer.Of(outer, m).PowerByProduct(3).A11));
                Assert.Equal(worst, cells[i, j].Rates.Rate, 1e-14);
                Assert.Equal(worstCycle, cells[i, j].Rates.CycleFactor, 1e-12);
                Assert.Equal(StabilityBoundary.IsStable(outer, mu), cells[i, j].Rates.Stable);
            }
        }

        (int s, int r, _, _) = StabilityGrid.Count(cells);
        Assert.True(s > 0 && s < lrs.Length * momenta.Length && r > 0);
    }
}
