using System.Diagnostics;
using System.Text;
using Loco.Reports.Tables;

namespace Loco.Reports.Tests.Tables;

/// <summary>The guarded write: what stands at the path is never replaced unless it is a regular file (issue 12 §4).</summary>
public sealed class OutputFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("loco-output-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>The file type as stat(1) names it ("regular file", "symbolic link", "character special file", "fifo"), asked of the system, not of the code under test.</summary>
    internal static string FileType(string path)
    {
        using var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%F", path]) { RedirectStandardOutput = true })!;
        string type = stat.StandardOutput.ReadToEnd().Trim();
        stat.WaitForExit();
        return type;
    }

    private static void Run(string file, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args))!;
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }

    [Fact]
    public void ANewFileGetsTheContentInAFolderCreatedForItAndNoTemporaryIsLeft()
    {
        string path = Path.Combine(_folder, "sub", "a.csv");
        OutputFile.Write(path, "x,y\n1,2\n");
        Assert.Equal("x,y\n1,2\n", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFileSystemEntries(Path.Combine(_folder, "sub")));
    }

    [Fact]
    public void ARegularFileIsReplacedWholeAndAFailedWriteKeepsTheOldOneAndLeavesNothingBehind()
    {
        string path = Path.Combine(_folder, "a.csv");
        File.WriteAllText(path, "old content that is longer than the new\n");
        OutputFile.Write(path, "new\n");
        Assert.Equal("new\n", File.ReadAllText(path));

        var error = Assert.Throws<OutputFileException>(() => OutputFile.Write(path, stream =>
        {
            stream.Write("half"u8);
            throw new IOException("disk went away");
        }));
        Assert.Contains(path, error.Message);
        Assert.Equal("new\n", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFileSystemEntries(_folder));
    }

    [Fact]
    public void DevFullGivesOneClearErrorNamingItAndStaysACharacterDevice()
    {
        if (!(File.Exists("/dev/full")))
        {
            return; // not on this system
        }

        var error = Assert.Throws<OutputFileException>(() => OutputFile.Write("/dev/full", new string('x', 100_000)));
        Assert.Contains("'/dev/full'", error.Message);
        Assert.Contains("No space left on device", error.Message);
        Assert.DoesNotContain(".tmp", error.Message);
        Assert.Equal("character special file", FileType("/dev/full"));
    }

    [Fact]
    public void DevNullIsWrittenInPlaceAndStaysACharacterDevice()
    {
        if (!(File.Exists("/dev/null")))
        {
            return; // not on this system
        }

        OutputFile.Write("/dev/null", "anything\n");
        Assert.Equal("character special file", FileType("/dev/null"));
    }

    [Fact]
    public void ASymbolicLinkStaysALinkAndItsTargetGetsTheContent()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // not on this system
        }

        string target = Path.Combine(_folder, "target.csv");
        File.WriteAllText(target, "old old old old\n");
        string link = Path.Combine(_folder, "link.csv");
        File.CreateSymbolicLink(link, target);
        OutputFile.Write(link, "new\n");
        Assert.Equal("symbolic link", FileType(link));
        Assert.Equal(target, new FileInfo(link).LinkTarget);
        Assert.Equal("new\n", File.ReadAllText(target));
        Assert.Equal(2, Directory.GetFileSystemEntries(_folder).Length); // no temporary beside them
    }

    [Fact]
    public void AFifoIsWrittenInPlaceForItsReader()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // not on this system
        }

        string fifo = Path.Combine(_folder, "pipe");
        Run("mkfifo", fifo);
        string text = string.Concat(Enumerable.Range(0, 20_000).Select(i => $"{i}\n")); // more than a pipe buffer holds
        string? read = null;
        var reader = new Thread(() =>
        {
            using var stream = new FileStream(fifo, FileMode.Open, FileAccess.Read);
            read = new StreamReader(stream, Encoding.UTF8).ReadToEnd();
        });
        reader.Start();
        OutputFile.Write(fifo, text);
        Assert.True(reader.Join(TimeSpan.FromSeconds(30)), "the reader did not finish");
        Assert.Equal(text, read);
        Assert.Equal("fifo", FileType(fifo));
    }

    [Fact]
    public void ProcSelfFdIsWrittenThroughNotReplaced()
    {
        if (!(Directory.Exists("/proc/self/fd")))
        {
            return; // not on this system
        }

        string path = Path.Combine(_folder, "out.txt");
        using var file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.ReadWrite);
        string fd = $"/proc/self/fd/{file.SafeFileHandle.DangerousGetHandle()}";
        OutputFile.Write(fd, "through the descriptor\n");
        Assert.Equal("through the descriptor\n", File.ReadAllText(path));
        Assert.Single(Directory.GetFileSystemEntries(_folder));
    }

    [Fact]
    public void DashIsStandardOutput()
    {
        var stdout = new StringWriter();
        string cwd = Environment.CurrentDirectory;
        OutputFile.Write("-", "a,b\n1,2\n", stdout);
        Assert.Equal("a,b\n1,2\n", stdout.ToString());
        Assert.False(File.Exists(Path.Combine(cwd, "-")));
    }

    [Fact]
    public void AFolderIsAnErrorNamingThePathAndNoTemporaryIsLeft()
    {
        string folder = Path.Combine(_folder, "results");
        Directory.CreateDirectory(folder);
        var error = Assert.Throws<OutputFileException>(() => OutputFile.Write(folder, "x\n"));
        Assert.Contains($"'{folder}'", error.Message);
        Assert.Contains("folder", error.Message);
        Assert.Equal([folder], Directory.GetFileSystemEntries(_folder));
        Assert.Empty(Directory.GetFileSystemEntries(folder));
    }

    [Fact]
    public void AParentThatIsAFileIsAnErrorNamingThePath()
    {
        string file = Path.Combine(_folder, "plain");
        File.WriteAllText(file, "x");
        string path = Path.Combine(file, "a.csv");
        var error = Assert.Throws<OutputFileException>(() => OutputFile.Write(path, "x\n"));
        Assert.Contains($"'{path}'", error.Message);
        Assert.Equal([file], Directory.GetFileSystemEntries(_folder));
    }
}
