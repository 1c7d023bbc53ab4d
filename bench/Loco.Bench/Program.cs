// Races the Loco Monte Carlo simulator against bench/reference/simulate_numpy.py on the same problem and
// settings, in the same run on the same machine, and reports sample·dimensions per second and their ratio.
//
//   dotnet run -c Release --project bench/Loco.Bench            (full: D = 1000 and 10000)
//   dotnet run -c Release --project bench/Loco.Bench -- --quick
//   dotnet run -c Release --project bench/Loco.Bench -- --theory [--quick]   (the exact recursion: see TheoryBench.cs)
//   dotnet run -c Release --project bench/Loco.Bench -- --codecs [--quick]   (codec encode + decode against a copy: CodecBench.cs)
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Core.Problems;
using Loco.Simulation;
using Spectre.Console;

bool quick = args.Contains("--quick");
if (Console.IsOutputRedirected)
{
    AnsiConsole.Profile.Width = 200; // no wrapping when piped to a file
}

string root = FindRoot();
string script = Path.Combine(root, "bench", "reference", "simulate_numpy.py");
string? python = FindNumPyPython();
if (python is null)
{
    AnsiConsole.MarkupLine("[yellow]NumPy not found: install it with 'apt-get install python3-numpy' to race the reference.[/]");
}

if (args.Contains("--codecs"))
{
    return CodecBench.Run(quick, Simd());
}

if (args.Contains("--theory"))
{
    return TheoryBench.Run(quick, python, root, Simd());
}

FamilyConfig config = new FamilySettings
{
    InnerLr = 0.5, InnerSteps = 8, Workers = 4, BatchSize = 8,
    OuterKind = OuterKind.Nesterov, OuterLr = 0.5, OuterMomentum = 0.6,
}.Resolve();
AnsiConsole.MarkupLine($"Simulator throughput, {Markup.Escape(config.ToString())}, {Environment.ProcessorCount} cores, {Simd()}");

var table = new Table().Border(TableBorder.Rounded);
table.AddColumns("D", "rounds × runs", "Loco 1 thread", "Loco all cores", "NumPy", "ratio (1 thread)", "ratio (all cores)", "final risk Loco", "final risk NumPy");
foreach (int dim in new[] { 1000, 10000 })
{
    int rounds = quick ? 4 : dim == 1000 ? 40 : 8;
    int runs = quick ? 2 : 8;
    var problem = LinearRegressionProblem.PowerLaw(dim, 1.5, 1.0, 0.1, targetSeed: 42);
    long sampleDims = (long)rounds * runs * config.SamplesPerRound * dim;

    double Time(int threads, out SimulationResult result)
    {
        var options = new SimulationOptions { Rounds = rounds, Runs = runs, Seed = 1, Threads = threads };
        // Warm-up: at least a second of runs (at most 50), so that tiered compilation and its PGO have finished; one run
        // at D = 1000 takes under 0.1 s, and fewer warm-ups left the timed runs in instrumented code (half the speed).
        var warm = Stopwatch.StartNew();
        result = MonteCarloSimulator.Run(problem, config, options);
        for (int i = 1; i < 50 && warm.Elapsed.TotalSeconds < 1; i++)
        {
            result = MonteCarloSimulator.Run(problem, config, options);
        }

        double best = double.MaxValue;
        for (int i = 0; i < (quick ? 1 : 5); i++)
        {
            var watch = Stopwatch.StartNew();
            result = MonteCarloSimulator.Run(problem, config, options);
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }

        return sampleDims / best;
    }

    double one = Time(1, out _);
    double all = Time(Environment.ProcessorCount, out SimulationResult loco);
    string numpyRate = "n/a", ratioOne = "n/a", ratioAll = "n/a", numpyRisk = "n/a";
    if (python is not null)
    {
        string spectrum = Path.Combine(Path.GetTempPath(), $"loco-bench-spectrum-{dim}.csv");
        File.WriteAllLines(spectrum, new[] { SpectrumFile.Header }.Concat(problem.Lambda.Zip(problem.ThetaStar,
            (l, t) => $"{l.ToString("R", CultureInfo.InvariantCulture)},{t.ToString("R", CultureInfo.InvariantCulture)}")));
        JsonElement reference = RunNumPy(python, script, spectrum, config, rounds, runs, quick ? 1 : 5);
        double rate = reference.GetProperty("sample_dims_per_second").GetDouble();
        numpyRate = Rate(rate);
        ratioOne = $"{one / rate:F1}×";
        ratioAll = $"{all / rate:F1}×";
        numpyRisk = $"{reference.GetProperty("final_risk_mean").GetDouble():G4} ± {reference.GetProperty("final_risk_stderr").GetDouble():G2}";
    }

    table.AddRow(dim.ToString(), $"{rounds} × {runs}", Rate(one), Rate(all), numpyRate, ratioOne, ratioAll,
        $"{loco.FinalRisk:G4} ± {loco.FinalStdErr:G2}", numpyRisk);
}

AnsiConsole.Write(table);
AnsiConsole.MarkupLine("Rates are sample·dimensions per second (samples drawn × D / wall time, best of the repeats). " +
    "Both sides simulate the same θ*; their final risks should agree within a few standard errors.");
return 0;

static string Rate(double x) => $"{x / 1e6:F0} M/s";

// The vector width the kernels take (the widest accelerated one; see Loco.Core.Numerics.LaneDispatch).
static string Simd() => System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "Vector512 (AVX-512)"
    : System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Fma.IsSupported ? "Vector256 (AVX2 + FMA)"
    : System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated ? "Vector128 (FMA kernels scalar unless the CPU has FMA)" : "scalar";

static JsonElement RunNumPy(string python, string script, string spectrum, FamilyConfig c, int rounds, int runs, int repeats)
{
    string I(double x) => x.ToString("R", CultureInfo.InvariantCulture);
    var start = new ProcessStartInfo(python)
    {
        RedirectStandardOutput = true,
        RedirectStandardError = true,
        ArgumentList =
        {
            script, "--spectrum-file", spectrum, "--batch", $"{c.BatchSize}", "--inner-steps", $"{c.InnerSteps}",
            "--workers", $"{c.Workers}", "--rounds", $"{rounds}", "--runs", $"{runs}", "--inner-lr", I(c.InnerLr),
            "--outer-lr", I(c.OuterLr), "--outer-momentum", I(c.OuterMomentum), "--noise", "0.1", "--repeats", $"{repeats}",
        },
    };
    using Process process = Process.Start(start)!;
    string output = process.StandardOutput.ReadToEnd();
    string error = process.StandardError.ReadToEnd();
    process.WaitForExit();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"NumPy reference failed: {error}");
    }

    return JsonDocument.Parse(output).RootElement.Clone();
}

static string? FindNumPyPython()
{
    foreach (string candidate in new[] { "/usr/bin/python3", "python3", "python" })
    {
        try
        {
            using Process? p = Process.Start(new ProcessStartInfo(candidate, ["-c", "import numpy"]) { RedirectStandardError = true, RedirectStandardOutput = true });
            p?.WaitForExit();
            if (p?.ExitCode == 0)
            {
                return candidate;
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
    }

    return null;
}

static string FindRoot()
{
    for (string? dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
    {
        if (File.Exists(Path.Combine(dir, "Loco.sln")))
        {
            return dir;
        }
    }

    throw new InvalidOperationException("Run the benchmark from inside the Loco checkout.");
}
