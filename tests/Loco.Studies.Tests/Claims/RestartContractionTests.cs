using System.Globalization;
using Loco.Core.Optimizers;
using Loco.Studies.Claims;
using Loco.Theory.Analysis;

namespace Loco.Studies.Tests.Claims;

public sealed class RestartContractionTests
{
    [Fact]
    public void QuickRunPassesItsCriterionAndWritesFiguresAndTables()
    {
        using var folder = new TempFolder();
        ClaimResult result = ClaimAssert.RunQuick(new RestartContractionClaim(), folder.Path);
        Assert.True(result.Held, result.Measured);

        // The CSV agrees with the criterion: every measured ratio within 1e-10 of c_K.
        string[] lines = File.ReadAllLines(Path.Combine(folder.Path, "contraction-measured.csv"));
        int errorColumn = Array.IndexOf(lines[0].Split(','), "abs_error");
        double worst = lines.Skip(1).Max(l => double.Parse(l.Split(',')[errorColumn], CultureInfo.InvariantCulture));
        Assert.True(worst <= RestartContractionClaim.Tolerance, $"worst {worst}");
    }

    [Fact]
    public void MeasuredRatioIsTheProductOfTheTransferMatricesNotASpectralRadiusPower()
    {
        // Independent check of the measurement: iterate the 2×2 transfer matrix by hand from (1, 0) K times.
        OuterOptimizer outer = Outer.Nesterov(0.7, 0.9);
        double lambda = 0.3;
        double mu = 1 - Math.Pow(1 - RestartContractionClaim.InnerLr * lambda, RestartContractionClaim.InnerSteps);
        Matrix2 t = OuterTransfer.Of(outer, mu);
        foreach (int k in new[] { 1, 2, 5 })
        {
            (double s, double v) = (1.0, 0.0);
            for (int r = 0; r < k; r++)
            {
                (s, v) = (t.A11 * s + t.A12 * v, t.A21 * s + t.A22 * v);
            }

            double[][] measured = RestartContractionClaim.Measure([lambda], outer.WithRestart(k), k, cycles: 2);
            Assert.Equal(s, measured[0][0], 1e-12);
            Assert.Equal(s, measured[1][0], 1e-12); // the restart makes every cycle start afresh
        }
    }

    [Fact]
    public void WithoutRestartTheSecondCycleDiffers()
    {
        // If the momentum were not reset, cycle 2 would not repeat cycle 1: guards against a restart that does nothing.
        OuterOptimizer outer = Outer.Nesterov(0.7, 0.9);
        double[][] measured = RestartContractionClaim.Measure([0.3], outer, 3, cycles: 2);
        Assert.NotEqual(measured[0][0], measured[1][0], 1e-6);
    }
}
