using System.Globalization;
using System.Text.Json;

namespace Loco.Cli.Tests;

public sealed class TheoryCliTests() : CliTestBase("theory-cli")
{
    private static double D(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    private static readonly string[] Small = ["theory", "--dim", "40", "--rounds", "20"];

    [Fact]
    public void CsvHasTheSimulationColumnsThenSignalAndNoise()
    {
        string csv = PathOf("out/theory.csv");
        var (code, output, err) = Loco([.. Small, "--preset", "la-diloco", "--inner-steps", "4", "--noise", "0.2", "--csv", csv]);
        Assert.True(code == 0, err);
        string[] lines = File.ReadAllLines(csv);
        Assert.Equal("method,inner_lr,inner_steps,workers,batch,outer_lr,outer_momentum,outer,outer_form,restart_period,round,inner_step,samples,risk,excess_risk,stderr,signal,noise,mean_inner_risk,multiworker_excess", lines[0]);
        Assert.Equal(1 + 21, lines.Length);
        foreach (string line in lines.Skip(1))
        {
            string[] f = line.Split(',');
            Assert.Equal(D(f[13]) - 0.02, D(f[14]), 1e-12);      // excess = risk − σ²/2
            Assert.Equal(D(f[14]), D(f[16]) + D(f[17]), 1e-12);  // excess = signal + noise
            Assert.Equal("", f[15]);                              // the theory has no standard error
        }

        string[] last = lines[^1].Split(',');
        Assert.Equal(["la-diloco", "0.5", "4", "4", "8", "0.5", "0", "plain", "pytorch", "0", "20", "0", "2560"], last[..13]);
        Assert.True(D(last[19]) > 0, "M = 4 workers at B = 8 carry more excess risk than one worker at B = 32");
        Assert.Contains("multi-worker excess", output);
        Assert.Contains("time:", output);
    }

    [Fact]
    public void InnerCurveAndModesFiles()
    {
        string csv = PathOf("inner.csv");
        string modes = PathOf("modes.csv");
        var (code, _, err) = Loco([.. Small, "--inner-steps", "3", "--inner-curve", "--csv", csv, "--modes", modes]);
        Assert.True(code == 0, err);
        string[] lines = File.ReadAllLines(csv);
        Assert.Equal(1 + 21 + 20 * 3, lines.Length);
        string[] modeLines = File.ReadAllLines(modes);
        Assert.Equal("atom,lambda,weight,signal,noise", modeLines[0]);
        Assert.Equal(1 + 40, modeLines.Length);
        double total = modeLines.Skip(1).Select(l => l.Split(',')).Sum(f => D(f[3]) + D(f[4]));
        string[] final = lines.Last(l => l.Split(',')[11] == "0" && l.Split(',')[10] == "20").Split(',');
        Assert.Equal(D(final[14]), total, 1e-12);
    }

    [Fact]
    public void TheoryAgreesWithItsSimulationOverlay()
    {
        string csv = PathOf("compare.csv");
        var (code, output, err) = Loco([.. Small, "--preset", "sla", "--inner-steps", "4", "--workers", "2", "--restart-period", "3",
            "--compare-simulation", "800", "--csv", csv]);
        Assert.True(code == 0, err);
        Assert.Contains("max |z|", output);
        string[] lines = File.ReadAllLines(csv);
        Assert.EndsWith(",sim_risk,sim_stderr", lines[0]);
        int checkedRounds = 0;
        foreach (string line in lines.Skip(2))
        {
            string[] f = line.Split(',');
            double z = (D(f[13]) - D(f[20])) / D(f[21]);
            Assert.True(Math.Abs(z) <= 3, $"round {f[10]}: z = {z:F2}");
            checkedRounds++;
        }

        Assert.Equal(20, checkedRounds);
    }

    [Fact]
    public void BillionModesByQuadratureRunQuickly()
    {
        var (code, output, err) = Loco("theory", "--dim", "1000000000", "--rounds", "50", "--outer", "nesterov", "--json");
        Assert.True(code == 0, err);
        using JsonDocument doc = JsonDocument.Parse(output);
        JsonElement result = doc.RootElement.GetProperty("results")[0];
        Assert.True(result.GetProperty("atoms").GetInt32() <= 2000);
        Assert.Equal(51, result.GetProperty("rounds_data").GetArrayLength());
        Assert.Equal("exact", result.GetProperty("mode").GetString());
    }

    [Fact]
    public void HighDimModeGivesLessRiskThanExact()
    {
        var (_, exact, _) = Loco([.. Small, "--batch", "1", "--json"]);
        var (code, highDim, err) = Loco([.. Small, "--batch", "1", "--mode", "high-dim", "--json"]);
        Assert.True(code == 0, err);
        double Final(string json) => JsonDocument.Parse(json).RootElement.GetProperty("results")[0].GetProperty("final_risk").GetDouble();
        Assert.True(Final(highDim) < Final(exact));
    }

    public static TheoryData<string[], string> BadInputs => new()
    {
        { ["--mode", "volterra"], "--mode" },
        { ["--atoms", "3"], "--atoms" },
        { ["--inner", "adamw"], "--inner" },
        { ["--inner", "momentum"], "--inner" },
        { ["--weight-decay", "0.1"], "--weight-decay" },
        { ["--compare-simulation", "1"], "--compare-simulation" },
        { ["--compare-simulation", "4", "--atoms", "100"], "--compare-simulation" },
        { ["--inner-lr", "0"], "--inner-lr" },
        { ["--noise", "-1"], "--noise" },
        { ["--rounds", "0"], "--rounds" },
        { ["--atoms", "x"], "--atoms" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void BadInputExitsTwoAndWritesNothing(string[] args, string flag)
    {
        string csv = PathOf("never.csv");
        string modes = PathOf("never-modes.csv");
        var (code, output, err) = Loco([.. Small, .. args, "--csv", csv, "--modes", modes]);
        Assert.Equal(2, code);
        Assert.Contains(flag, err);
        Assert.False(File.Exists(csv));
        Assert.False(File.Exists(modes));
        Assert.DoesNotContain("time:", output);
    }

    [Fact]
    public void AtomsWithASpectrumFileIsRejected()
    {
        string file = PathOf("spectrum.csv");
        File.WriteAllText(file, "lambda,theta_star\n1,1\n0.5,-1\n");
        var (code, _, err) = Loco("theory", "--spectrum-file", file, "--atoms", "100");
        Assert.Equal(2, code);
        Assert.Contains("--atoms", err);
    }

    [Fact]
    public void SpectrumFileGivesTheExactInitialRisk()
    {
        string file = PathOf("spectrum.csv");
        File.WriteAllText(file, "lambda,theta_star\n1,1\n0.5,-1\n0.1,2\n");
        var (code, output, err) = Loco("theory", "--rounds", "5", "--spectrum-file", file, "--json");
        Assert.True(code == 0, err);
        JsonElement first = JsonDocument.Parse(output).RootElement.GetProperty("results")[0].GetProperty("rounds_data")[0];
        Assert.Equal(0.955, first.GetProperty("risk").GetDouble(), 1e-12);
    }

    [Fact]
    public void DivergenceExitsThreeWithTheRoundsBeforeIt()
    {
        string csv = PathOf("diverged.csv");
        var (code, _, err) = Loco("theory", "--preset", "sgd", "--inner-lr", "3.5", "--batch", "1", "--dim", "50", "--rounds", "500", "--csv", csv);
        Assert.Equal(3, code);
        var match = System.Text.RegularExpressions.Regex.Match(err, @"diverged at round (\d+)");
        Assert.True(match.Success, err);
        int k = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        string[] lines = File.ReadAllLines(csv);
        Assert.Equal(1 + k, lines.Length);
        Assert.All(lines.Skip(1), l => Assert.True(double.IsFinite(D(l.Split(',')[13]))));
    }

    [Fact]
    public void HelpNamesTheTheoryOptions()
    {
        var (code, output, _) = Loco("theory", "--help");
        Assert.Equal(0, code);
        foreach (string flag in new[] { "--mode", "--atoms", "--inner-curve", "--modes", "--csv", "--json", "--compare-simulation", "--rounds", "--seed", "--inner-lr", "--dim", "--noise" })
        {
            Assert.Contains(flag, output);
        }

        Assert.Contains("high-dim", output);
    }
}
