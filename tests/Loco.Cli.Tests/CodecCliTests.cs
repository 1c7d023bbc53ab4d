namespace Loco.Cli.Tests;

/// <summary>
/// <c>--compress</c>, <c>--stochastic-rounding</c> and <c>--error-feedback</c> on <c>loco simulate</c> and
/// <c>loco train</c>: fp32 is the uncompressed run bit for bit, a lossy codec changes the result, seeded stochastic
/// rounding is reproducible, and bad values are refused naming the flag.
/// </summary>
public sealed class CodecCliTests() : CliTestBase("codec")
{
    private static readonly string[] Simulate = ["simulate", "--preset", "diloco", "--rounds", "15", "--runs", "8", "--seed", "3", "--dim", "200", "--threads", "2"];

    private string Curve(params string[] extra) => CurveOf([.. Simulate, .. extra]);

    [Fact]
    public void SimulateWithFp32EqualsNoCodecAndALossyCodecChangesTheCurveReproducibly()
    {
        string plain = Curve();
        Assert.Equal(plain, Curve("--compress", "fp32"));
        string int4 = Curve("--compress", "int4:64", "--stochastic-rounding");
        Assert.NotEqual(plain, int4);
        Assert.Equal(int4, Curve("--compress", "int4:64", "--stochastic-rounding"));
        Assert.NotEqual(int4, Curve("--compress", "int4:64", "--stochastic-rounding", "--error-feedback"));
    }

    [Fact]
    public void TrainWithFp32EqualsNoCodecAndInt8Trains()
    {
        string[] run = ["train", "--steps", "40", "--inner-steps", "20", "--seed", "2", "--eval-every", "0"];
        static string[] Rows(string folder) => [.. File.ReadAllLines(Path.Combine(folder, "train.csv")).Select(l => l[..l.LastIndexOf(',')])];
        foreach ((string name, string[] extra) in new[] { ("plain", Array.Empty<string>()), ("fp32", ["--compress", "fp32"]), ("int8", ["--compress", "int8"]) })
        {
            var (code, _, err) = Loco([.. run, .. extra, "--out", PathOf(name)]);
            Assert.True(code == 0, err);
        }

        Assert.Equal(Rows(PathOf("plain")), Rows(PathOf("fp32")));
        static long Sent(string folder)
        {
            string[] lines = File.ReadAllLines(Path.Combine(folder, "train.csv"));
            int column = Array.IndexOf(lines[0].Split(','), "bytes_sent");
            return long.Parse(lines[^1].Split(',')[column], System.Globalization.CultureInfo.InvariantCulture);
        }

        Assert.InRange((double)Sent(PathOf("fp32")) / Sent(PathOf("int8")), 3.99, 4.0); // 1 byte a weight plus a 4-byte scale per 2048
        Assert.NotEqual(Rows(PathOf("plain")), Rows(PathOf("int8")));
    }

    [Fact]
    public void AnInterruptedCompressedRunWithErrorFeedbackResumesToTheUninterruptedResult()
    {
        string[] run = ["train", "--steps", "16", "--inner-steps", "4", "--batch", "2", "--context", "8", "--seed", "3", "--checkpoint-every", "1",
            "--compress", "int4:64", "--stochastic-rounding", "--error-feedback"];
        Assert.Equal(0, Loco([.. run, "--out", PathOf("straight")]).Code);
        using var stop = new CancellationTokenSource();
        var stdout = new StopWriter("round 2/4", stop);
        int code = LocoApp.Run([.. run, "--out", PathOf("resumed")], stdout, new StringWriter(), interactive: false, stop.Token);
        Assert.Equal(130, code);
        var (resumed, output, err) = Loco("train", "--resume", PathOf("resumed"));
        Assert.True(resumed == 0, err);
        Assert.Contains("resuming at round 2 of 4", output);
        static string[] Rows(string folder) => [.. File.ReadAllLines(Path.Combine(folder, "train.csv")).Select(l => l[..l.LastIndexOf(',')])];
        Assert.Equal(Rows(PathOf("straight")), Rows(PathOf("resumed")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(PathOf("straight"), "checkpoint", "global.safetensors")),
            File.ReadAllBytes(Path.Combine(PathOf("resumed"), "checkpoint", "global.safetensors")));
    }

    private sealed class StopWriter(string at, CancellationTokenSource stop) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (value?.StartsWith(at, StringComparison.Ordinal) == true)
            {
                stop.Cancel();
            }
        }
    }

    [Theory]
    [InlineData("simulate", "--compress", "int3")]
    [InlineData("simulate", "--compress", "int8:0")]
    [InlineData("train", "--compress", "int4:7")]
    [InlineData("simulate", "--error-feedback", null)]
    [InlineData("train", "--stochastic-rounding", null)]
    public void BadCodecFlagsAreRefusedNamingTheFlag(string command, string flag, string? value)
    {
        string[] args = value is null ? [command, flag] : [command, flag, value];
        string[] output = command == "simulate" ? ["--csv", Path.Combine(PathOf("x"), "c.csv")] : ["--out", PathOf("x")];
        AssertRefused([.. args, .. output], flag, PathOf("x"));
    }

    [Fact]
    public void TheClusterRefusesABadCodecBeforeAnyProcessStarts()
    {
        AssertRefused(["train", "--processes", "2", "--compress", "int5", "--steps", "20", "--out", PathOf("c")], "--compress", PathOf("c"));
    }
}
