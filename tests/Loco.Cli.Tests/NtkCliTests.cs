using System.Globalization;
using System.Text.Json;

namespace Loco.Cli.Tests;

public sealed class NtkCliTests() : CliTestBase("ntk")
{
    private static readonly string[] SmallToy = ["--points", "12", "--width", "12", "--inner-lr", "0.05", "--inner-steps", "4"];

    [Fact]
    public void NtkWritesSpectrumModesAndFiguresAndTheLinearisedErrorIsTiny()
    {
        string outFolder = PathOf("toy");
        var (code, output, err) = Loco(["ntk", .. SmallToy, "--rounds", "12", "--restart-period", "3", "--out", outFolder]);
        Assert.True(code == 0, err);
        foreach (string file in new[] { "spectrum.csv", "modes.csv", "ntk.png", "departure.png" })
        {
            Assert.True(File.Exists(Path.Combine(outFolder, file)), file);
        }

        string[] spectrum = File.ReadAllLines(Path.Combine(outFolder, "spectrum.csv"));
        Assert.StartsWith("i,lambda,mu,c_k", spectrum[0]);
        Assert.Equal(13, spectrum.Length);
        foreach (string line in spectrum[1..])
        {
            string[] f = line.Split(',');
            double lambda = double.Parse(f[1], CultureInfo.InvariantCulture);
            Assert.Equal(1 - Math.Pow(1 - 0.05 * lambda, 4), double.Parse(f[2], CultureInfo.InvariantCulture), 1e-12);
        }

        string[] modes = File.ReadAllLines(Path.Combine(outFolder, "modes.csv"));
        Assert.Equal(1 + 12 * 4, modes.Length); // 12 modes × 4 cycles of K = 3 in 12 rounds
        string summary = output.Split('\n').Single(l => l.StartsWith("linearised model vs theory", StringComparison.Ordinal));
        double maxError = double.Parse(summary.Split("max error ")[1].Split(',')[0], CultureInfo.InvariantCulture);
        Assert.True(maxError < 1e-8, summary);
    }

    [Fact]
    public void StabilityFromNtkPredictsWhatNtkGridReportsAsPredicted()
    {
        string outFolder = PathOf("grid");
        var (code, output, err) = Loco(["ntk", .. SmallToy, "--grid", "--rounds", "20", "--restart-period", "3", "--outer-lrs", "0.5,4", "--momenta", "0,0.9", "--out", outFolder]);
        Assert.True(code == 0, err);
        Assert.Contains("agreement", output);
        string[] grid = File.ReadAllLines(Path.Combine(outFolder, "grid.csv"));
        Assert.StartsWith("outer,outer_form,outer_lr,outer_momentum,restart_period,predicted_stable,measured_stable,final_loss", grid[0]);
        Assert.Equal(1 + 2 * 4, grid.Length);

        // No --outer or --outer-form on either command: their defaults agree (nesterov, pytorch), so the grids are the same grid.
        var (code2, json, err2) = Loco("stability", "--from-ntk", Path.Combine(outFolder, "spectrum.csv"), "--inner-lr", "0.05", "--inner-steps", "4",
            "--outer-lrs", "0.5,4", "--momenta", "0,0.9", "--restart-period", "3", "--json");
        Assert.True(code2 == 0, err2);
        using JsonDocument doc = JsonDocument.Parse(json);
        Assert.Contains("empirical NTK", doc.RootElement.GetProperty("problem").GetString());
        int predictedWithout = grid[1..].Count(l => l.Split(',')[4] == "0" && l.Split(',')[5] == "true");
        int predictedWith = grid[1..].Count(l => l.Split(',')[4] == "3" && l.Split(',')[5] == "true");
        Assert.Equal(predictedWithout, doc.RootElement.GetProperty("stable").GetInt32());
        Assert.Equal(predictedWith, doc.RootElement.GetProperty("stable_with_restart").GetInt32());
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("no-lambda")]
    [InlineData("bad-number")]
    public void StabilityFromNtkWithABadFileExitsTwoNamingTheFlagAndWritesNothing(string kind)
    {
        string file = PathOf($"{kind}.csv");
        if (kind == "no-lambda")
        {
            File.WriteAllText(file, "i,mu\n1,0.5\n");
        }
        else if (kind == "bad-number")
        {
            File.WriteAllText(file, "i,lambda,mu\n1,0.5,0.1\n2,abc,0.2\n");
        }

        string csv = PathOf("cells.csv");
        var (code, _, err) = Loco("stability", "--from-ntk", file, "--csv", csv);
        Assert.Equal(2, code);
        Assert.Contains("--from-ntk", err);
        Assert.False(File.Exists(csv));
    }

    [Theory]
    [InlineData("--points", "1")]
    [InlineData("--width", "0")]
    [InlineData("--rounds", "0")]
    [InlineData("--margin", "1.5")]
    [InlineData("--margin", "1")]
    [InlineData("--outer-form", "adam")]
    public void NtkBadInputExitsTwoNamingTheFlagAndWritesNothing(string flag, string value)
    {
        string outFolder = PathOf("bad");
        var (code, _, err) = Loco("ntk", flag, value, "--out", outFolder);
        Assert.Equal(2, code);
        Assert.Contains(flag, err);
        Assert.False(Directory.Exists(outFolder));
    }

    [Fact]
    public void JsonCarriesTheGridAndKeepsStandardOutputForIt()
    {
        string outFolder = PathOf("json-grid");
        var (code, output, err) = Loco(["ntk", .. SmallToy, "--grid", "--rounds", "8", "--restart-period", "2", "--outer-lrs", "0.5,40", "--momenta", "0.5",
            "--out", outFolder, "--json"]);
        Assert.True(code == 0, err);
        using var doc = System.Text.Json.JsonDocument.Parse(output);
        System.Text.Json.JsonElement cells = doc.RootElement.GetProperty("cells");
        Assert.Equal(2, cells.GetArrayLength());
        Assert.True(cells[0].GetProperty("predicted_stable").GetBoolean());   // α = 0.5: a small step
        Assert.False(cells[1].GetProperty("real").GetProperty("stable").GetBoolean()); // α = 40 cannot be stable
        Assert.Contains("loco ntk:", err);
    }
}
