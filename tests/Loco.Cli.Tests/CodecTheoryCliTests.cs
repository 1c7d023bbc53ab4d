namespace Loco.Cli.Tests;

/// <summary>
/// <c>loco theory --compress</c> and <c>loco tune --compress</c>: the predicted cost of a codec is printed (and checked
/// against a paired simulation when asked), error feedback is refused, and a codec is a constraint the tuner sees.
/// </summary>
public sealed class CodecTheoryCliTests() : CliTestBase("codec-theory")
{
    private static readonly string[] Setting = ["--preset", "sla", "--noise", "0.001", "--batch", "64", "--workers", "2", "--dim", "32", "--threads", "2"];

    [Fact]
    public void TheoryPrintsTheCodecsPredictedCostAndItsPairedSimulatedCost()
    {
        var (code, output, err) = Loco(["theory", .. Setting, "--rounds", "20", "--compress", "int4:64", "--stochastic-rounding", "--compare-simulation", "200"]);
        Assert.True(code == 0, err);
        string line = output.Split('\n').Single(l => l.StartsWith("codec int4:64+sr: predicted cost +", StringComparison.Ordinal));
        Assert.Contains("simulated +", line);
        double z = double.Parse(line[(line.LastIndexOf("z = ", StringComparison.Ordinal) + 4)..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(z, -4, 4);
    }

    [Fact]
    public void TheoryRefusesErrorFeedback()
    {
        AssertRefused(["theory", .. Setting, "--compress", "int8", "--error-feedback", "--csv", Path.Combine(PathOf("x"), "c.csv")], "--error-feedback", PathOf("x"));
    }

    [Fact]
    public void TuneTakesTheCodecAsAConstraint()
    {
        string[] tune = ["tune", .. Setting[..^2], "--samples", "20000", "--free", "outer-lr", "--grid", "4", "--refine", "10", "--top", "1", "--json"];
        var (plainCode, plain, plainErr) = Loco(tune);
        Assert.True(plainCode == 0, plainErr);
        var (code, compressed, err) = Loco([.. tune, "--compress", "int4:64", "--stochastic-rounding"]);
        Assert.True(code == 0, err);
        static double Risk(string json) => System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("best")[0].GetProperty("final_risk").GetDouble();
        Assert.True(Risk(compressed) > Risk(plain), "the codec's noise costs risk at the tuned point");
    }
}
