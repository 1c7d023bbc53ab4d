using System.Diagnostics;
using System.Text;

namespace Loco.Cli.Tests;

/// <summary>
/// <c>loco train</c> as a real child process: Ctrl-C (SIGINT sent with kill(1)) and a disk that fills up mid-run.
/// Each test bounds its time and kills only its own child, by pid.
/// </summary>
public sealed class TrainProcessTests() : CliTestBase("train-process")
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    private static void Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in args) start.ArgumentList.Add(a);
        using Process p = Process.Start(start)!;
        Assert.True(p.WaitForExit(30_000), $"{file} hung");
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)}: {p.StandardError.ReadToEnd()}");
    }

    private static bool TryMount(string folder, string size)
    {
        var start = new ProcessStartInfo("mount") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in new[] { "-t", "tmpfs", "-o", $"size={size}", "tmpfs", folder }) start.ArgumentList.Add(a);
        try
        {
            using Process p = Process.Start(start)!;
            return p.WaitForExit(30_000) && p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private string[] Args(string outFolder, params string[] more) => Args(outFolder, 60, more);

    private string[] Args(string outFolder, int steps, params string[] more) =>
        ["train", "--steps", $"{steps}", "--inner-steps", "6", "--batch", "8", "--context", "16", "--checkpoint-every", "1", "--out", outFolder, .. more];

    [Fact]
    public void CtrlCStopsAtTheEndOfTheRoundWithACheckpointAndResumeFinishesTheRun()
    {
        // A test process started as a background job of a non-interactive shell inherits SIGINT ignored, and so would
        // the child: say so rather than fail on "exit 0".
        string? ignored = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        Assert.False(ignored is not null && (Convert.ToUInt64(ignored[7..].Trim(), 16) & 0b10) != 0,
            "SIGINT is ignored in this test process (a background job of a non-interactive shell?), so its children cannot be stopped by it: run the tests in the foreground.");
        const int Steps = 60;
        string straight = PathOf("straight");
        using (var whole = new LocoChild(Args(straight, Steps)))
        {
            Assert.True(whole.WaitForExit(Limit) == 0, whole.Err);
        }

        string outFolder = PathOf("run");
        using (var child = new LocoChild(Args(outFolder, Steps)))
        {
            Assert.True(child.WaitForOutput("round 1/10 ", Limit), child.Out + child.Err);
            // Rows are appended as rounds finish: a crash now would leave rounds 0 and 1.
            Assert.True(File.ReadAllLines(Path.Combine(outFolder, "train.csv")).Length >= 3);
            Run("kill", "-INT", child.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
            int code = child.WaitForExit(Limit);
            Assert.True(code == 130, $"exit {code}: {child.Err}");
            Assert.Contains("stopping after the current round", child.Err);
            Assert.Matches(@"stopped after round \d+ of 10; checkpoint in ", child.Err);
            Assert.Contains($"Continue with: loco train --resume {outFolder}", child.Err);
        }

        string state = File.ReadAllText(Path.Combine(outFolder, "checkpoint", "state.json"));
        int rows = File.ReadAllLines(Path.Combine(outFolder, "train.csv")).Length;
        Assert.Contains($"\"Round\": {rows - 2},", state); // the checkpoint is of the last row's round
        Assert.True(rows - 2 < 10, "the run stopped before its end");

        using (var resumed = new LocoChild("train", "--resume", outFolder))
        {
            Assert.True(resumed.WaitForExit(Limit) == 0, resumed.Err);
            Assert.Contains($"resuming at round {rows - 2} of 10", resumed.Out);
        }

        static string[] WithoutSeconds(string folder) => [.. File.ReadAllLines(Path.Combine(folder, "train.csv")).Select(l => l[..l.LastIndexOf(',')])];
        Assert.Equal(WithoutSeconds(straight), WithoutSeconds(outFolder));
    }

    [Fact]
    public void ADiskThatFillsUpMidRunIsAClearErrorThatKeepsTheLastCheckpointAndLeavesNoPartial()
    {
        string disk = PathOf("disk");
        Directory.CreateDirectory(disk);
        if (!TryMount(disk, "128m"))
        {
            return; // needs root (as on this project's machines); there is no small disk to fill otherwise
        }

        try
        {
            string outFolder = Path.Combine(disk, "run");
            using var child = new LocoChild(Args(outFolder));
            Assert.True(child.WaitForOutput("round 1/10 ", Limit), child.Out + child.Err);
            // Something else fills the disk: write until no byte is left.
            using (var filler = new FileStream(Path.Combine(disk, "filler"), FileMode.CreateNew))
            {
                byte[] block = new byte[1 << 16];
                try
                {
                    while (true) filler.Write(block);
                }
                catch (IOException)
                {
                }
            }

            int code = child.WaitForExit(Limit);
            Assert.True(code == 1, $"exit {code}: {child.Err}");
            string err = child.Err;
            Assert.Contains("No space left on device", err);
            Assert.Matches(@"the last good checkpoint \(round \d+\) is kept in ", err);
            Assert.DoesNotContain("   at ", err); // no stack trace
            Assert.False(Directory.Exists(Path.Combine(outFolder, "checkpoint.partial")));
            Assert.True(File.Exists(Path.Combine(outFolder, "checkpoint", "state.json")));

            // Once there is room again, the run resumes from that checkpoint.
            File.Delete(Path.Combine(disk, "filler"));
            using var resumed = new LocoChild("train", "--resume", outFolder);
            Assert.True(resumed.WaitForExit(Limit) == 0, resumed.Err);
            Assert.Contains("resuming at round ", resumed.Out);
        }
        finally
        {
            Run("umount", disk);
        }
    }

    [Fact]
    public void ADiskWithoutRoomForACheckpointIsRefusedUpFront()
    {
        string disk = PathOf("small-disk");
        Directory.CreateDirectory(disk);
        if (!TryMount(disk, "4m"))
        {
            return;
        }

        try
        {
            var (code, output, err) = Loco(Args(Path.Combine(disk, "run")));
            Assert.Equal(2, code);
            Assert.StartsWith("loco: --out: the disk holding", err);
            Assert.Contains("free", err);
            Assert.DoesNotContain("round 1/", output);
            Assert.False(Directory.Exists(Path.Combine(disk, "run")));
        }
        finally
        {
            Run("umount", disk);
        }
    }

    [Fact]
    public void LogFormatJsonWritesOneJsonObjectPerRoundThroughTheConsoleLogger()
    {
        // A child process: the console logger writes to the real standard output.
        var (code, output, err) = LocoChild.Run(Limit, "train", "--steps", "12", "--inner-steps", "4", "--batch", "2", "--context", "8",
            "--log-format", "json", "--json", "--out", PathOf("log"));
        Assert.True(code == 0, err);
        string[] lines = [.. err.Split('\n').Where(l => l.StartsWith('{'))];
        Assert.Equal(3, lines.Length);
        for (int k = 0; k < 3; k++)
        {
            using var line = System.Text.Json.JsonDocument.Parse(lines[k]);
            System.Text.Json.JsonElement state = line.RootElement.GetProperty("State");
            Assert.Equal(k + 1, state.GetProperty("Round").GetInt32());
            Assert.True(state.GetProperty("BytesSent").GetInt64() > 0);
            Assert.True(state.GetProperty("OuterStepNorm").GetDouble() > 0);
        }

        using var summary = System.Text.Json.JsonDocument.Parse(output); // standard output holds the --json summary alone
        Assert.Equal(3, summary.RootElement.GetProperty("rounds").GetInt32());
        Assert.Equal(2, LocoChild.Run(Limit, "train", "--log-format", "xml", "--out", PathOf("bad")).Code);
    }
}
