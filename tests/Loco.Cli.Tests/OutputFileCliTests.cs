using System.Diagnostics;
using System.Text;

namespace Loco.Cli.Tests;

/// <summary>
/// Issue 12 §4: a result written by <c>loco</c> never replaces what stands at the path unless it is a regular file, an error
/// names the user's path (not a temporary), is one message with exit code 2, and leaves nothing behind.
/// </summary>
public sealed class OutputFileCliTests() : CliTestBase("output")
{
    private static readonly string[] Simulate = ["simulate", "--dim", "50", "--rounds", "3", "--runs", "2", "--threads", "1"];
    private static readonly string[] Spectrum = ["spectrum", "--dim", "50"];

    private static string FileType(string path)
    {
        using var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%F", path]) { RedirectStandardOutput = true })!;
        string type = stat.StandardOutput.ReadToEnd().Trim();
        stat.WaitForExit();
        return type;
    }

    private static void AssertOneMessage(string err, string path)
    {
        string[] lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains($"'{path}'", lines[0]);
        Assert.DoesNotContain(".tmp", err);
        Assert.DoesNotContain("   at ", err); // no stack trace
    }

    [Fact]
    public void SimulateCsvToDevFullIsOneErrorExitTwoAndTheDeviceStaysACharacterDevice()
    {
        if (!File.Exists("/dev/full"))
        {
            return; // not on this system
        }

        var (code, _, err) = Loco([.. Simulate, "--csv", "/dev/full"]);
        Assert.Equal(2, code);
        AssertOneMessage(err, "/dev/full");
        Assert.Contains("--csv", err);
        Assert.Contains("No space left on device", err);
        Assert.Equal("character special file", FileType("/dev/full"));
    }

    [Fact]
    public void SimulateCsvToAFolderIsOneErrorNamingItAndLeavesNoTemporary()
    {
        string folder = PathOf("results");
        Directory.CreateDirectory(folder);
        var (code, _, err) = Loco([.. Simulate, "--csv", folder]);
        Assert.Equal(2, code);
        AssertOneMessage(err, folder);
        Assert.False(File.Exists(folder + ".tmp"));
        Assert.Equal([folder], Directory.GetFileSystemEntries(Folder));
        Assert.Empty(Directory.GetFileSystemEntries(folder));
    }

    [Fact]
    public void CsvThroughASymbolicLinkWritesItsTargetAndKeepsTheLink()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // not on this system
        }

        string target = PathOf("modes.csv");
        File.WriteAllText(target, "stale\n");
        string link = PathOf("link.csv");
        File.CreateSymbolicLink(link, target);
        var (code, _, err) = Loco([.. Spectrum, "--csv", link]);
        Assert.True(code == 0, err);
        Assert.Equal("symbolic link", FileType(link));
        Assert.StartsWith("mode,lambda,mu,rate,restart_period,c_k", File.ReadAllText(target));
        Assert.Equal(51, File.ReadAllLines(target).Length);
    }

    [Fact]
    public void CsvIntoAFifoIsWrittenInPlaceForItsReader()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // not on this system
        }

        string fifo = PathOf("pipe");
        using (var mkfifo = Process.Start("mkfifo", [fifo]))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        string? read = null;
        var reader = new Thread(() =>
        {
            using var stream = new FileStream(fifo, FileMode.Open, FileAccess.Read);
            read = new StreamReader(stream, Encoding.UTF8).ReadToEnd();
        });
        reader.Start();
        var (code, _, err) = Loco([.. Spectrum, "--csv", fifo]);
        Assert.True(code == 0, err);
        Assert.True(reader.Join(TimeSpan.FromSeconds(30)), "the reader did not finish");
        Assert.StartsWith("mode,lambda,mu,rate", read);
        Assert.Equal(51, read!.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal("fifo", FileType(fifo));
    }

    [Fact]
    public void CsvDashGoesToStandardOutput()
    {
        var (code, output, err) = Loco([.. Spectrum, "--csv", "-", "--json"]);
        Assert.True(code == 0, err);
        Assert.StartsWith("mode,lambda,mu,rate,restart_period,c_k,restart_rate,peak_within_cycle\n", output);
        Assert.Contains("\"modes\"", output); // the JSON follows the CSV
        Assert.False(File.Exists("-"));
    }
}
