using Loco.Core.Optimizers;
using Loco.Theory.Analysis;
using Loco.Torch.Ntk;

namespace Loco.Torch.Tests.Ntk;

public sealed class NtkTests
{
    private static NtkProblem Small(int samples = 20, int width = 16, ulong seed = 3) => NtkProblem.Create(new NtkProblemOptions(samples, 2, width, 2, seed));

    [Fact]
    public void JacobianMatchesCentralFiniteDifferences()
    {
        using NtkProblem p = Small(samples: 6, width: 8);
        int n = p.Real.Samples;
        int dim = p.Real.Dimension;
        const double h = 1e-6;
        double worst = 0;
        for (int q = 0; q < dim; q++)
        {
            double[] plus = (double[])p.Theta0.Clone();
            double[] minus = (double[])p.Theta0.Clone();
            plus[q] += h;
            minus[q] -= h;
            double[] fp = p.Real.Outputs(plus);
            double[] fm = p.Real.Outputs(minus);
            for (int j = 0; j < n; j++)
            {
                double fd = (fp[j] - fm[j]) / (2 * h);
                worst = Math.Max(worst, Math.Abs(fd - p.JacobianMatrix[j * dim + q]));
            }
        }

        // Central differences in float64 with h = 1e-6: truncation ~h², round-off ~1e-16/h.
        Assert.True(worst < 1e-8, $"largest |J − finite difference| = {worst:E2}");
        Assert.Contains(p.JacobianMatrix, x => Math.Abs(x) > 0.1); // not a trivially zero Jacobian
    }

    [Fact]
    public void KernelIsJJTransposeOverNAndItsEigenpairsReconstructIt()
    {
        using NtkProblem p = Small();
        int n = p.Spectrum.Samples;
        int dim = p.Real.Dimension;
        double scale = 0;
        for (int a = 0; a < n; a++)
        {
            for (int b = 0; b < n; b++)
            {
                // K_ab = Σ_p J_ap J_bp / n, summed here directly.
                double k = 0;
                for (int q = 0; q < dim; q++)
                {
                    k += p.JacobianMatrix[a * dim + q] * p.JacobianMatrix[b * dim + q];
                }

                k /= n;
                Assert.Equal(k, p.Spectrum.Kernel[a * n + b], 1e-12 * Math.Max(1, Math.Abs(k)));
                scale = Math.Max(scale, Math.Abs(k));
            }
        }

        double[] lambda = p.Spectrum.Lambda;
        for (int i = 1; i < n; i++)
        {
            Assert.True(lambda[i] <= lambda[i - 1], "eigenvalues are in decreasing order");
        }

        for (int a = 0; a < n; a++)
        {
            for (int b = 0; b < n; b++)
            {
                double sum = 0, dot = 0;
                for (int i = 0; i < n; i++)
                {
                    sum += lambda[i] * p.Spectrum.Vector(i)[a] * p.Spectrum.Vector(i)[b];
                    dot += p.Spectrum.Vector(a)[i] * p.Spectrum.Vector(b)[i];
                }

                Assert.Equal(p.Spectrum.Kernel[a * n + b], sum, 1e-12 * scale);
                Assert.Equal(a == b ? 1.0 : 0.0, dot, 1e-12); // orthonormal
            }
        }
    }

    [Fact]
    public void OneGradientStepOnTheLinearisedModelMovesTheResidualByIMinusEtaK()
    {
        using NtkProblem p = Small();
        int n = p.Spectrum.Samples;
        double eta = 0.5 / p.Spectrum.Lambda[0];
        var worker = new GradientDescentWorker(p.Linear, eta);
        worker.BeginRound(p.Theta0);
        worker.InnerStep();
        double[] theta = new double[p.Linear.Dimension];
        worker.CopyWeights(theta);
        double[] r0 = new double[n], r1 = new double[n];
        p.Linear.Residual(p.Theta0, r0);
        p.Linear.Residual(theta, r1);
        for (int a = 0; a < n; a++)
        {
            double expected = r0[a];
            for (int b = 0; b < n; b++)
            {
                expected -= eta * p.Spectrum.Kernel[a * n + b] * r0[b];
            }

            Assert.Equal(expected, r1[a], 1e-13);
        }
    }

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
