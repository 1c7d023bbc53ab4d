namespace Loco.Cli.Tests;

/// <summary>
/// <c>--precision</c> and <c>--check-every</c> on <c>loco train</c> and <c>loco sweep</c>: bf16 runs and resumes, the
/// precision is part of a run's settings (a resume may not change it), <c>--check-every</c> is not (and changes no
/// result), and bad values are refused naming the flag, exit 2.
/// </summary>
public sealed class PrecisionCliTests() : CliTestBase("precision")
{
    private static readonly string[] Run = ["train", "--steps", "16", "--inner-steps", "4", "--batch", "2", "--context", "8", "--seed", "2", "--eval-every", "0"];

    private string Global(string name) => Convert.ToHexString(File.ReadAllBytes(Path.Combine(PathOf(name), "checkpoint", "global.safetensors")));

    [Fact]
    public void Bf16TrainsDiffersFromFp32AndTheCheckPeriodChangesNothing()
    {
        foreach ((string name, string[] extra) in new[]
        {
            ("fp32", Array.Empty<string>()), ("fp32-each-step", ["--check-every", "1"]), ("bf16", ["--precision", "bf16"]),
            ("bf16-every-3", ["--precision", "bf16", "--check-every", "3"]),
        })
        {
            var (code, output, err) = Loco([.. Run, .. extra, "--out", PathOf(name)]);
            Assert.True(code == 0, err);
            if (name == "bf16")
            {
                Assert.Contains("bf16", output);
            }
        }

        Assert.Equal(Global("fp32"), Global("fp32-each-step"));
        Assert.Equal(Global("bf16"), Global("bf16-every-3"));
        Assert.NotEqual(Global("fp32"), Global("bf16"));
        Assert.Contains("\"precision\": \"bf16\"", File.ReadAllText(Path.Combine(PathOf("bf16"), "checkpoint", "state.json")).Replace("\":\"", "\": \""));
    }

    [Fact]
    public void AResumeKeepsThePrecisionAndRefusesAnother()
    {
        var (code, _, err) = Loco([.. Run, "--precision", "bf16", "--checkpoint-every", "1", "--out", PathOf("run")]);
        Assert.True(code == 0, err);
        AssertRefused(["train", "--resume", PathOf("run"), "--precision", "fp32"], "--precision", PathOf("none"));
        (code, _, err) = Loco("train", "--resume", PathOf("run"), "--check-every", "2"); // not a setting of the run
        Assert.True(code == 0, err);
    }

    [Theory]
    [InlineData("--precision", new[] { "--precision", "fp8" })]
    [InlineData("--check-every", new[] { "--check-every", "-1" })]
    public void BadValuesAreRefusedNamingTheFlag(string flag, string[] args) =>
        AssertRefused([.. Run, .. args, "--out", PathOf("bad")], flag, PathOf("bad"));

    [Fact]
    public void TheSweepPassesItsPrecisionToEveryCell()
    {
        string folder = PathOf("sweep");
        var (code, _, err) = Loco("sweep", "--quick", "--inner-steps-list", "2", "--restart-period", "0", "--momenta", "0.5", "--outer-lrs", "0.5", "--rounds", "2",
            "--batch", "2", "--context", "8", "--parallel", "2", "--precision", "bf16", "--out", folder);
        Assert.True(code == 0, err);
        Assert.Contains("\"precision\"", File.ReadAllText(Path.Combine(folder, "settings.json")));
        AssertRefused(["sweep", "--quick", "--precision", "int8", "--out", PathOf("bad-sweep")], "--precision", PathOf("bad-sweep"));
    }
}
