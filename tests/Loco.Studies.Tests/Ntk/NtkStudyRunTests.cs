using System.Globalization;
using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Studies.Ntk;
using Loco.Theory.Analysis;
using Loco.Torch.Ntk;

namespace Loco.Studies.Tests.Ntk;

/// <summary>The NTK studies run as a library (without the CLI): what they write and what they report.</summary>
public sealed class NtkStudyRunTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("loco-ntk-study-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static NtkProblem Small() => NtkProblem.Create(new NtkProblemOptions(12, 2, 12, 2, 1));

    private static FamilyConfig Family(int restart) => new FamilySettings
    {
        InnerLr = 0.05, InnerSteps = 4, OuterKind = OuterKind.Nesterov, OuterForm = OuterForm.PyTorch, OuterLr = 1.0, OuterMomentum = 0.9, RestartPeriod = restart,
    }.Resolve();

    private static SpectrumRates Rates(bool stable, bool stableWithRestart) =>
        new(stable ? 0.5 : 1.5, 3, stableWithRestart ? 0.5 : 1.5, stableWithRestart ? 0.8 : 1.1, 1);

    private static MeasuredCell Cell(bool stable) => new(1, 0, 0, 1, stable ? 0.1 : double.PositiveInfinity, stable ? null : 5, stable);

    [Fact]
    public void AgreementCountsPredictedMeasuredAndMatchingCellsForTheRightPeriod()
    {
        // Predicted (without restart / with): row 0 = (stable, stable), (unstable, stable); row 1 = (unstable, unstable), (stable, unstable).
        StabilityCell[,] predicted =
        {
            { new(1, 0, Rates(true, true)), new(1, 0.9, Rates(false, true)) },
            { new(2, 0, Rates(false, false)), new(2, 0.9, Rates(true, false)) },
        };
        MeasuredCell[,] measured = { { Cell(true), Cell(true) }, { Cell(true), Cell(false) } };

        // Without restart: predicted stable {00, 11} = 2; measured stable {00, 01, 10} = 3; agree at 00 only (01, 10, 11 differ) = 1.
        Assert.Equal((2, 3, 1), NtkGridStudy.Agreement(predicted, measured, period: 0));
        // With restart: predicted stable {00, 01} = 2; agree at 00, 01, 11 = 3.
        Assert.Equal((2, 3, 3), NtkGridStudy.Agreement(predicted, measured, period: 3));
    }

    [Fact]
    public void GridStudyWritesItsFilesAndItsSummaryCountsWhatItsCsvHolds()
    {
        using NtkProblem problem = Small();
        FamilyConfig family = Family(3);
        double[] mu = EffectiveSpectrum.Compute(problem.Spectrum.Lambda, family.InnerLr, family.InnerSteps);
        double[] lrs = [0.5, 4];
        double[] momenta = [0, 0.9];
        int calls = 0;
        NtkGridResult result = NtkGridStudy.Run(problem, mu, family, lrs, momenta, rounds: 20, margin: 0.1, _folder, () => calls++);

        Assert.Equal(NtkGridStudy.Cells(lrs, momenta), calls);
        Assert.Equal(["spectrum.csv", "grid.csv", "grid.png"], result.Written.Select(Path.GetFileName));
        Assert.All(result.Written, p => Assert.True(File.Exists(p), p));
        string[] grid = File.ReadAllLines(Path.Combine(_folder, "grid.csv"));
        Assert.Equal(1 + 2 * 4, grid.Length);
        foreach ((int period, string name) in new[] { (0, "without restart"), (3, "with restart every 3") })
        {
            string[][] rows = [.. grid[1..].Select(l => l.Split(',')).Where(f => f[4] == period.ToString(CultureInfo.InvariantCulture))];
            int predicted = rows.Count(f => f[5] == "true");
            int measured = rows.Count(f => f[6] == "true");
            int agree = rows.Count(f => f[5] == f[6]);
            string line = result.Summary.Single(l => l.StartsWith(name + ":", StringComparison.Ordinal));
            Assert.Contains($"predicted stable {predicted}/4; real MLP measured stable {measured}/4, agreement {agree}/4", line);
        }

        // The predicted column is the theory's, independently of the study: ρ(T(μ)) < 1 for every mode.
        foreach (string[] f in grid[1..].Select(l => l.Split(',')).Where(f => f[4] == "0"))
        {
            OuterOptimizer outer = Outer.Nesterov(double.Parse(f[2], CultureInfo.InvariantCulture), double.Parse(f[3], CultureInfo.InvariantCulture));
            bool stable = mu.All(m => OuterTransfer.Rate(outer, m) < 1);
            Assert.Equal(stable ? "true" : "false", f[5]);
        }
    }

    [Fact]
    public void ModeStudyWritesItsFilesAndTheLinearisedModelFollowsTheRestartFactor()
    {
        using NtkProblem problem = Small();
        FamilyConfig family = Family(3);
        double[] mu = EffectiveSpectrum.Compute(problem.Spectrum.Lambda, family.InnerLr, family.InnerSteps);
        int trained = 0;
        NtkModeResult result = NtkModeStudy.Run(problem, mu, family, rounds: 12, _folder, () => trained++);

        Assert.Equal(2, trained);
        Assert.Equal(["spectrum.csv", "modes.csv", "ntk.png", "departure.png"], result.Written.Select(Path.GetFileName));
        Assert.True(result.LinearSummary.MaxError < 1e-8, $"{result.LinearSummary.MaxError:E2}");
        Assert.True(result.RealSummary.MaxError > result.LinearSummary.MaxError);
        Assert.Contains(result.After, l => l.StartsWith("linearised model vs theory: max error", StringComparison.Ordinal));
        Assert.Equal(12, result.Modes.Rows.Count);
        Assert.All(result.Modes.Rows, r => Assert.Equal(result.Modes.Columns.Count, r.Count));

        // spectrum.csv's c_k is (T(μ)^3)₁₁, recomputed here from the 2×2 transfer matrix by hand.
        OuterOptimizer outer = family.OuterOptimizer;
        foreach (string line in File.ReadAllLines(Path.Combine(_folder, "spectrum.csv"))[1..])
        {
            string[] f = line.Split(',');
            double m = double.Parse(f[2], CultureInfo.InvariantCulture);
            Matrix2 t = OuterTransfer.Of(outer, m);
            (double s, double v) = (1.0, 0.0);
            for (int j = 0; j < 3; j++)
            {
                (s, v) = t.Apply(s, v);
            }

            Assert.Equal(s, double.Parse(f[3], CultureInfo.InvariantCulture), 1e-12);
        }
    }
}
