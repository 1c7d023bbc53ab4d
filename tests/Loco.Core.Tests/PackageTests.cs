using System.Text.RegularExpressions;
using Loco.Core.Optimizers;
using Loco.Core.Rounds;

namespace Loco.Core.Tests;

/// <summary>
/// Loco.Core as a NuGet package: <c>dotnet pack</c> it into a folder feed, build a throwaway console project that
/// references the package (and nothing of this checkout) with the README's library example in it, run it, and compare
/// what it prints with the same code run here against the project. The package carries the README, the licence, the
/// XML docs and a symbols package.
/// </summary>
[Collection(PackageBuild.Name)]
public sealed partial class PackageTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);
    private readonly string _folder = Directory.CreateTempSubdirectory("loco-package-").FullName;
    private readonly string _version = "0.1.0-test." + Guid.NewGuid().ToString("N")[..12];

    public void Dispose()
    {
        Directory.Delete(_folder, recursive: true);
        // The restore cached this one-off version in the global packages folder: remove it.
        string cached = Path.Combine(Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"), "loco.core", _version);
        if (Directory.Exists(cached))
        {
            Directory.Delete(cached, recursive: true);
        }
    }

    [GeneratedRegex(@"### As a library\s+```csharp\s+(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex LibraryExample();

    [Fact]
    public void APackedLocoCoreRunsTheReadmesLibraryExampleInAProjectOfItsOwn()
    {
        string root = ChildProcess.RepositoryRoot();
        string feed = Path.Combine(_folder, "feed");
        // Its own artifacts path: the pack's build does not touch this checkout's bin and obj folders (which tests may be using).
        var (code, output) = Dotnet(root, "pack", Path.Combine(root, "src", "Loco.Core", "Loco.Core.csproj"), "-c", "Release", "-o", feed,
            $"-p:Version={_version}", "--artifacts-path", Path.Combine(_folder, "artifacts"), "-nologo", "-v", "q");
        Assert.True(code == 0, output);
        string package = Path.Combine(feed, $"Loco.Core.{_version}.nupkg");
        Assert.True(File.Exists(package), output);
        Assert.True(File.Exists(Path.ChangeExtension(package, ".snupkg")));
        using (var zip = System.IO.Compression.ZipFile.OpenRead(package))
        {
            string[] names = [.. zip.Entries.Select(e => e.FullName)];
            Assert.Contains("README.md", names);
            Assert.Contains("lib/net10.0/Loco.Core.dll", names);
            Assert.Contains("lib/net10.0/Loco.Core.xml", names);
            using var nuspec = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
            string spec = nuspec.ReadToEnd();
            Assert.Contains("<license type=\"expression\">MIT</license>", spec);
            Assert.Contains("<readme>README.md</readme>", spec);
        }

        // A console project of its own, outside this checkout (no Directory.Build.props, no central versions).
        string example = LibraryExample().Match(File.ReadAllText(Path.Combine(root, "README.md"))).Groups["code"].Value;
        Assert.Contains("new TwoPhaseRound<float>(workers, outer, innerSteps: 50)", example);
        string app = Path.Combine(_folder, "app");
        Directory.CreateDirectory(app);
        File.WriteAllText(Path.Combine(app, "App.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <RestoreAdditionalProjectSources>{feed}</RestoreAdditionalProjectSources>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Loco.Core" Version="{_version}" />
              </ItemGroup>
            </Project>
            """);
        // The example's using directives go first, then the variables it expects, its code, and a line that prints.
        string[] lines = example.Split('\n');
        string usings = string.Join('\n', lines.Where(l => l.StartsWith("using ", StringComparison.Ordinal)));
        string body = string.Join('\n', lines.Where(l => !l.StartsWith("using ", StringComparison.Ordinal)));
        File.WriteAllText(Path.Combine(app, "Program.cs"), usings + "\n" + Prelude + body + Epilogue + WorkerSource);
        (code, output) = Dotnet(app, "run", "-c", "Release", "-nologo");
        Assert.True(code == 0, output);

        // The same example here, against the project: the package's build prints the same numbers.
        const int dimension = 4, rounds = 30;
        IWorker<float>[] workers = [new Shrink(dimension, 0.99f), new Shrink(dimension, 0.97f)];
        float[] globalWeights = [1, -2, 3, -4];
        OuterOptimizer outer = Outer.Nesterov(0.7, 0.9).WithRestart(every: 3);
        var round = new TwoPhaseRound<float>(workers, outer, innerSteps: 50);
        OuterState<float> state = outer.Init<float>(dimension);
        for (int k = 0; k < rounds; k++)
        {
            round.Run(globalWeights, state);
        }

        string expected = string.Join(' ', globalWeights.Select(x => x.ToString("R", System.Globalization.CultureInfo.InvariantCulture))) + $" rounds {state.CompletedRounds} restarts {state.Restarts}";
        Assert.Equal("rounds 30 restarts 10", expected[(expected.IndexOf("rounds", StringComparison.Ordinal))..]);
        Assert.Contains(expected, output);
    }

    private const string Prelude = """
        const int dimension = 4, rounds = 30;
        IWorker<float>[] workers = [new Shrink(dimension, 0.99f), new Shrink(dimension, 0.97f)];
        float[] globalWeights = [1, -2, 3, -4];

        """;

    private const string Epilogue = """

        Console.WriteLine(string.Join(' ', globalWeights.Select(x => x.ToString("R", System.Globalization.CultureInfo.InvariantCulture))) + $" rounds {state.CompletedRounds} restarts {state.Restarts}");

        """;

    // The worker of the example: each inner step shrinks f by a factor (gradient descent on ½·(1 − factor)·‖f‖²/η).
    private const string WorkerSource = """
        sealed class Shrink(int dimension, float factor) : IWorker<float>
        {
            private readonly float[] _f = new float[dimension];
            public int Dimension => dimension;
            public void BeginRound(ReadOnlySpan<float> global) => global.CopyTo(_f);
            public void InnerStep() { for (int i = 0; i < _f.Length; i++) _f[i] *= factor; }
            public void CopyWeights(Span<float> destination) => _f.CopyTo(destination);
        }

        """;

    private sealed class Shrink(int dimension, float factor) : IWorker<float>
    {
        private readonly float[] _f = new float[dimension];

        public int Dimension => dimension;

        public void BeginRound(ReadOnlySpan<float> global) => global.CopyTo(_f);

        public void InnerStep()
        {
            for (int i = 0; i < _f.Length; i++)
            {
                _f[i] *= factor;
            }
        }

        public void CopyWeights(Span<float> destination) => _f.CopyTo(destination);
    }

    private static (int Code, string Output) Dotnet(string workingDirectory, params string[] args)
    {
        var (code, output, error) = ChildProcess.Run("dotnet", workingDirectory, Limit, args);
        return (code, output + error);
    }
}

/// <summary>The pack-and-build test runs alone in its assembly.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PackageBuild
{
    public const string Name = "package build";
}
