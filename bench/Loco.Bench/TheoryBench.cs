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
    // Inner pass (unit weights): read λ and D, write D.
    private const int InnerBytes = 24;

    // Outer pass per atom and round: copy E s² to D (8 + 8), read E s², E sv, E v², D, q^H, (1/H)Σq^{2t}, a, b,
    // w λ, E[e(0)²] (80), write E s², E sv, E v², a, b (40).
    private const int OuterBytes = 136;

    public static int Run(bool quick, string? python, string root)
    {
        FamilyConfig config = new FamilySettings
        {
            InnerLr = 0.5, InnerSteps = 8, Workers = 4, BatchSize = 8,
            OuterKind = OuterKind.Nesterov, OuterLr = 0.5, OuterMomentum = 0.9,
        }.Resolve();
        string script = Path.Combine(root, "bench", "reference", "theory_numpy.py");
        double copy = CopyBandwidth(quick);
        AnsiConsole.MarkupLine($"Theory recursion throughput, {Markup.Escape(config.ToString())}, exact atoms, 1 thread");
        AnsiConsole.MarkupLine($"STREAM-like copy (1 thread, 2 × 128 MiB arrays, read + write counted): [bold]{copy / 1e9:F1} GB/s[/]");
        int h = config.InnerSteps;
        double bytesPerModeStep = InnerBytes + (double)OuterBytes / h;
        AnsiConsole.MarkupLine($"Bytes per mode·step the kernel must move: {InnerBytes} (inner pass) + {OuterBytes}/H (outer pass) = {bytesPerModeStep:F1}");

        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumns("D", "rounds", "Loco mode·steps/s", "bandwidth used", "of copy", "NumPy mode·steps/s", "ratio", "max rel. diff of risk curves");
        foreach (int dim in new[] { 100_000, 1_000_000 })
        {
            int rounds = quick ? 5 : dim == 100_000 ? 400 : 60;
            AtomSpectrum spectrum = AtomSpectrum.PowerLawModes(dim, 1.5, 1.0);
            var recursion = new RiskRecursion(spectrum, config, 0.1);
            var options = new TheoryOptions { Rounds = rounds };
            TheoryResult result = recursion.Run(options); // warm-up
            double best = double.MaxValue;
            for (int i = 0; i < (quick ? 1 : 5); i++)
            {
                var watch = Stopwatch.StartNew();
                result = recursion.Run(options);
                best = Math.Min(best, watch.Elapsed.TotalSeconds);
            }

            double rate = (double)dim * h * rounds / best;
            double bandwidth = rate * bytesPerModeStep;
            string numpyRate = "n/a", ratio = "n/a", diff = "n/a";
            if (python is not null)
            {
                JsonElement reference = RunNumPy(python, script, dim, config, rounds, quick ? 1 : 3);
                double other = reference.GetProperty("mode_steps_per_second").GetDouble();
                double[] risk = reference.GetProperty("risk").EnumerateArray().Select(x => x.GetDouble()).ToArray();
                double worst = risk.Select((r, k) => Math.Abs(r - result.Risk[k]) / Math.Abs(r)).Max();
                numpyRate = $"{other / 1e6:F1} M/s";
                ratio = $"{rate / other:F1}×";
                diff = worst.ToString("E1", CultureInfo.InvariantCulture);
            }

            table.AddRow(dim.ToString("N0", CultureInfo.InvariantCulture), rounds.ToString(CultureInfo.InvariantCulture), $"{rate / 1e6:F0} M/s",
                $"{bandwidth / 1e9:F1} GB/s", $"{bandwidth / copy:P0}", numpyRate, ratio, diff);
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("mode·steps = atoms × inner steps × rounds per second of wall time (best of the repeats); bandwidth used = that × bytes per mode·step.");
        return 0;
    }

    private static double CopyBandwidth(bool quick)
    {
        const int n = 1 << 24; // 16 Mi doubles = 128 MiB per array
        var a = new double[n];
        var b = new double[n];
        Array.Fill(a, 1.0);
        Array.Fill(b, 2.0);
        double best = double.MaxValue;
        for (int i = 0; i < (quick ? 2 : 6); i++)
        {
            var watch = Stopwatch.StartNew();
            a.AsSpan().CopyTo(b);
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
