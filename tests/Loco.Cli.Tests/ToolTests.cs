namespace Loco.Cli.Tests;

/// <summary>
/// <c>loco</c> as a dotnet tool: packed from this checkout into a folder feed, installed into a temporary tool path with
/// <c>dotnet tool install --add-source</c>, it runs <c>loco demo</c>; <c>loco train</c>, which needs the libtorch the tool
/// leaves out, says so in one line (exit 1) instead of a stack trace.
/// </summary>
[Collection(HeavyBuilds.Name)]
public sealed class ToolTests() : CliTestBase("tool")
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(6);
    private readonly string _version = "0.1.0-test." + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public void TheDotnetToolInstallsFromAFolderFeedAndRunsTheDemo()
    {
        string root = ChildProcess.RepositoryRoot();
        string feed = PathOf("feed"), tools = PathOf("tools");
        try
        {
            // Its own artifacts path: the pack's builds and restores do not touch this checkout's bin and obj folders.
            var (code, output) = Run("dotnet", root, "pack", Path.Combine(root, "src", "Loco.Cli", "Loco.Cli.csproj"), "-c", "Release", "-p:LocoTool=true",
                $"-p:Version={_version}", "--artifacts-path", PathOf("artifacts"), "-o", feed, "-nologo", "-v", "q");
            Assert.True(code == 0, output);
            (code, output) = Run("dotnet", Folder, "tool", "install", "--tool-path", tools, "--add-source", feed, "loco", "--version", _version);
            Assert.True(code == 0, output);

            string loco = Path.Combine(tools, "loco");
            (code, output) = Run(loco, Folder, "demo", "--out", PathOf("demo"));
            Assert.True(code == 0, output);
            Assert.True(File.Exists(Path.Combine(PathOf("demo"), "demo.csv")), output);
            Assert.Contains("SLA Nesterov", output);

            (code, output) = Run(loco, Folder, "train", "--steps", "20", "--out", PathOf("train"));
            Assert.Equal(1, code);
            Assert.Contains("loco: this loco has no libtorch", output);
            Assert.DoesNotContain("   at ", output);
        }
        finally
        {
            // The install cached this one-off version (some 500 MB unpacked) in the global packages folder: remove it.
            string cached = Path.Combine(Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"), "loco", _version);
            if (Directory.Exists(cached))
            {
                Directory.Delete(cached, recursive: true);
            }
        }
    }

    private static (int Code, string Output) Run(string file, string workingDirectory, params string[] args)
    {
        var (code, output, error) = ChildProcess.Run(file, workingDirectory, Limit, args);
        return (code, output + error);
    }
}

/// <summary>Tests that build and pack the whole CLI run alone, so that their load does not slow the timed process tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeavyBuilds
{
    public const string Name = "heavy builds";
}
