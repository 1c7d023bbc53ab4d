using Loco.Reports.Html;
using Loco.Studies.Claims;

namespace Loco.Studies.Tests.Claims;

public sealed class ClaimRunnerTests
{
    [Fact]
    public void RunsEveryProblemIntoItsOwnFolderAndTheEntryCarriesBothCriteriaPerProblem()
    {
        using var folder = new TempFolder();
        ClaimReport report = ClaimRunner.Run(new RestartContractionClaim(), ClaimProblem.Default, folder.Path, quick: true, null, CancellationToken.None);
        Assert.Equal(2, report.Runs.Count);
        Assert.True(File.Exists(Path.Combine(folder.Path, "contraction.png")));
        Assert.True(File.Exists(Path.Combine(folder.Path, ClaimProblem.Second.Slug, "contraction.png")));
        Assert.All(report.Runs, r => Assert.True(r.Result.Held, r.Result.Measured));
        Assert.Equal(Verdict.Reproduced, report.Verdict.Verdict);

        // The second problem's own modes were measured: λ_i = i^-2 for i = 1 … 100 at quick size.
        string[] rows = File.ReadAllLines(Path.Combine(folder.Path, ClaimProblem.Second.Slug, "contraction-measured.csv"));
        int lambdaColumn = Array.IndexOf(rows[0].Split(','), "lambda");
        Assert.Contains(rows.Skip(1), r => Math.Abs(double.Parse(r.Split(',')[lambdaColumn], System.Globalization.CultureInfo.InvariantCulture) - 1.0 / (100.0 * 100.0)) < 1e-15);

        ReportEntry entry = ClaimEntry.Of(report, quick: true);
        Assert.Equal("reproduced", entry.Verdict);
        Assert.Equal(ReportTone.Good, entry.Tone);
        Assert.Contains(entry.Sections, s => s.Heading == $"Measured on {ClaimProblem.Second.Label}" && s.Text.EndsWith("criterion held", StringComparison.Ordinal));
        Assert.Contains(entry.Sections, s => s.Heading == $"First edition on {ClaimProblem.Explored.Label}");
        Assert.Contains(entry.Sections, s => s.Heading == "Claim" && s.Text.Contains("phase cancellation", StringComparison.Ordinal));
        Assert.Equal(2, entry.Figures.Count);
    }

    [Fact]
    public void ARunOnAnotherSpectrumChangesTheStudysProblem()
    {
        // la-snr's size follows the problem: D, the spectrum, σ and the budget.
        LaSnrSize size = LaSnrSize.For(quick: true, new ClaimProblem(2.0, 0.5, Dimension: 50, Noise: 0.3, Budget: 2048));
        Assert.Equal(50, size.Setup.Dimension);
        Assert.Equal(2.0, size.Setup.SpectrumExponent);
        Assert.Equal([0.3], size.Noises);
        Assert.Equal(2048, size.Samples);
        Assert.Equal(Math.Pow(3, -2.0), size.Setup.Spectrum().Lambda[2], 15);
        Assert.Equal(4096 / 128, MwNoiseSize.For(false, new ClaimProblem(1.5, 1, Budget: 4096)).Rounds);
    }
}
