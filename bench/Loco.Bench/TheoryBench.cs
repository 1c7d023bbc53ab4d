// Races the exact risk recursion (Loco.Theory.Dynamics.RiskRecursion) against bench/reference/theory_numpy.py
// (the same recursion vectorised in NumPy) and against a STREAM-like copy, in the same run:
//
//   dotnet run -c Release --project bench/Loco.Bench -- --theory            (D = 10^5 and 10^6)
//   dotnet run -c Release --project bench/Loco.Bench -- --theory --quick
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Theory.Dynamics;
using Loco.Theory.Spectra;
using Spectre.Console;

internal static class TheoryBench
{
    // Stepwise kernel (the reference): H inner passes (read λ and D, write D: 24 bytes) and an outer pass per round
    // (copy E s² to D: 16; read E s², E sv, E v², D, q^H, (1/H)Σq^{2t}, a, b, w λ, E[e(0)²]: 80; write 5 arrays: 40).
    private const int StepwiseInnerBytes = 24;
    private const int StepwiseOuterBytes = 136;

    // One-pass kernel, per atom and round (unit weights, w λ = λ; no per-step inner curve, so the shared moment is
    // folded): read λ, E[e(0)²], G = Σ_t q^{2t}, E s², E sv, E v², a, b (64) and write E s², E sv, E v², a, b (40).
    private const int OnePassBytes = 104;

    // One-pass kernel, per vector of atoms and round at H = 8 (no restart, folded shared moment): 71 vector multiplies,
    // adds and FMAs (7 for Horner's rule, 15 for the H moments M_t and their powers A^t, 1 for the folded Σ_t P_t, 6 for
    // the two powers q^H and A^H, 36 for the rest of the outer step with the signal's moment, 6 for q, A, x and its sum),
    // counted in the JIT's AVX2 disassembly (DOTNET_JitDisasm=Pass) before the fold (85, with 15 more for the H moments
    // P_t and their powers q^{2t}); the same per lane on every width: 71 / 8 per mode·step.
    private const double OnePassOperationsPerModeStep = 71.0 / 8;

    public static int Run(bool quick, string? python, string root, string simd)
    {
        FamilyConfig config = new FamilySettings
        {
            InnerLr = 0.5, InnerSteps = 8, Workers = 4, BatchSize = 8,
            OuterKind = OuterKind.Nesterov, OuterLr = 0.5, OuterMomentum = 0.9,
        }.Resolve();
        string script = Path.Combine(root, "bench", "reference", "theory_numpy.py");
        double copy = CopyBandwidth(quick, threads: 1);
        double copyAll = CopyBandwidth(quick, threads: Environment.ProcessorCount);
        double fma = FmaPeak.PerSecond(quick);
        int h = config.InnerSteps;
        double onePassBytes = (double)OnePassBytes / h;
        double stepwiseBytes = StepwiseInnerBytes + (double)StepwiseOuterBytes / h;
        AnsiConsole.MarkupLine($"Theory recursion throughput, {Markup.Escape(config.ToString())}, exact atoms, {Environment.ProcessorCount} cores, {simd}");
        AnsiConsole.MarkupLine($"STREAM-like copy (2 × 128 MiB arrays, read + write counted): [bold]{copy / 1e9:F1} GB/s[/] on 1 thread, " +
            $"[bold]{copyAll / 1e9:F1} GB/s[/] on {Environment.ProcessorCount} threads (the machine's limit; the share columns use it too)");
        AnsiConsole.MarkupLine($"FMA peak (ten independent chains on the kernel's vector width): [bold]{fma / 1e9:F1}·10⁹[/] double FMAs/s on 1 thread; at about " +
            $"{OnePassOperationsPerModeStep:F1} operations per mode·step the one-pass kernel cannot pass [bold]{fma / OnePassOperationsPerModeStep / 1e6:F0} M mode·steps/s[/] on 1 thread (the 'of FMA ceiling' column)");
        AnsiConsole.MarkupLine($"Bytes per mode·step: one-pass {OnePassBytes}/H = {onePassBytes:F1}; stepwise {StepwiseInnerBytes} + {StepwiseOuterBytes}/H = {stepwiseBytes:F1}");

        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumns("D", "rounds", "kernel", "threads", "mode·steps/s", "bandwidth used", "of 1-thread copy", "of all-core copy", "of FMA ceiling", "× NumPy", "× stepwise", "max rel. diff of risk vs NumPy");
        foreach (int dim in new[] { 100_000, 1_000_000 })
        {
            int rounds = quick ? 5 : dim == 100_000 ? 400 : 60;
            AtomSpectrum spectrum = AtomSpectrum.PowerLawModes(dim, 1.5, 1.0);
            var recursion = new RiskRecursion(spectrum, config, 0.1);
            double modeSteps = (double)dim * h * rounds;
            (double stepwise, TheoryResult stepwiseResult) = Time(recursion, new TheoryOptions { Rounds = rounds, Kernel = TheoryKernel.Stepwise }, quick);
            (double one, TheoryResult oneResult) = Time(recursion, new TheoryOptions { Rounds = rounds }, quick);
            (double two, TheoryResult twoResult) = Time(recursion, new TheoryOptions { Rounds = rounds, Threads = 2 }, quick);
            double numpy = double.NaN;
            double[]? reference = null;
            if (python is not null)
            {
                JsonElement json = RunNumPy(python, script, dim, config, rounds, quick ? 1 : 3);
                numpy = json.GetProperty("mode_steps_per_second").GetDouble();
                reference = json.GetProperty("risk").EnumerateArray().Select(x => x.GetDouble()).ToArray();
            }

            string D = dim.ToString("N0", CultureInfo.InvariantCulture), R = rounds.ToString(CultureInfo.InvariantCulture);
            void Row(string kernel, int threads, double seconds, double bytes, TheoryResult result)
            {
                double rate = modeSteps / seconds;
                string ceiling = kernel == "one-pass" ? $"{rate * OnePassOperationsPerModeStep / (fma * threads):P0}" : "n/a";
                string diff = reference is null ? "n/a"
                    : reference.Select((r, k) => Math.Abs(r - result.Risk[k]) / Math.Abs(r)).Max().ToString("E1", CultureInfo.InvariantCulture);
                table.AddRow(D, R, kernel, threads.ToString(CultureInfo.InvariantCulture), $"{rate / 1e6:F0} M/s", $"{rate * bytes / 1e9:F1} GB/s",
                    $"{rate * bytes / copy:P0}", $"{rate * bytes / copyAll:P0}", ceiling, double.IsNaN(numpy) ? "n/a" : $"{rate / numpy:F1}×", $"{stepwise / seconds:F1}×", diff);
            }

            Row("one-pass", 1, one, onePassBytes, oneResult);
            Row("one-pass", 2, two, onePassBytes, twoResult);
            Row("stepwise", 1, stepwise, stepwiseBytes, stepwiseResult);
            if (!double.IsNaN(numpy))
            {
                table.AddRow(D, R, "NumPy (stepwise)", "1", $"{numpy / 1e6:F0} M/s", $"{numpy * stepwiseBytes / 1e9:F1} GB/s", $"{numpy * stepwiseBytes / copy:P0}", $"{numpy * stepwiseBytes / copyAll:P0}", "n/a", "1.0×", $"{numpy * stepwise / modeSteps:F2}×", "0");
            }
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("mode·steps/s = atoms × inner steps × rounds per second of wall time (best of the repeats); bandwidth used = that × the kernel's bytes per mode·step (the minimum traffic of its passes).");
        return 0;
    }

    private static (double Seconds, TheoryResult Result) Time(RiskRecursion recursion, TheoryOptions options, bool quick)
    {
        TheoryResult result = recursion.Run(options); // warm-up (JIT, tiering)
        double best = double.MaxValue;
        for (int i = 0; i < (quick ? 1 : 5); i++)
        {
            var watch = Stopwatch.StartNew();
            result = recursion.Run(options);
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }

        return (best, result);
    }
    private static double CopyBandwidth(bool quick, int threads)
    {
        const int n = 1 << 24; // 16 Mi doubles = 128 MiB per array
        var a = new double[n];
        var b = new double[n];
        Array.Fill(a, 1.0);
        Array.Fill(b, 2.0);
        int chunk = n / threads;
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads };
        double best = double.MaxValue;
        for (int i = 0; i < (quick ? 2 : 6); i++)
        {
            var watch = Stopwatch.StartNew();
            if (threads == 1)
            {
                a.AsSpan().CopyTo(b);
            }
            else
            {
                Parallel.For(0, threads, options, t => a.AsSpan(t * chunk, t == threads - 1 ? n - t * chunk : chunk).CopyTo(b.AsSpan(t * chunk)));
            }

            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }

        return 2.0 * n * sizeof(double) / best;
    }

    private static JsonElement RunNumPy(string python, string script, int dim, FamilyConfig c, int rounds, int repeats)
    {
        string I(double x) => x.ToString("R", CultureInfo.InvariantCulture);
        var start = new ProcessStartInfo(python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList =
            {
                script, "--dim", $"{dim}", "--spectrum-exp", "1.5", "--target-exp", "1.0", "--inner-lr", I(c.InnerLr),
                "--inner-steps", $"{c.InnerSteps}", "--workers", $"{c.Workers}", "--batch", $"{c.BatchSize}",
                "--outer-lr", I(c.OuterLr), "--outer-momentum", I(c.OuterMomentum), "--noise", "0.1",
                "--rounds", $"{rounds}", "--repeats", $"{repeats}",
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
}
