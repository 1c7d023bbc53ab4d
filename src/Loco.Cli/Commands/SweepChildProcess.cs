using System.Diagnostics;
using System.Globalization;
using System.Text;
using Loco.Core.Optimizers;
using Loco.Studies.Sweep;

namespace Loco.Cli.Commands;

/// <summary>
/// Trains one sweep cell in a child <c>loco sweep --cell N</c> process, so that cells can train side by side
/// (TorchSharp trainings on two threads of one process are not safe). The child gets every setting as a flag, trains
/// the cell exactly as <see cref="SweepCellRunner"/> does in process, and prints its cells.csv row after
/// <see cref="Marker"/>; it writes no files. A child that crashes is run again, up to <see cref="Attempts"/> times, a
/// fallback for TorchSharp's unrooted scalars (see Loco.Torch's <c>CollectionPause</c>).
/// </summary>
internal static class SweepChildProcess
{
    /// <summary>Prefix of the result line a child prints.</summary>
    public const string Marker = "CELL ";

    /// <summary>A trainer for <see cref="StabilitySweep.Train"/> that runs each cell in a child process.</summary>
    public static Func<SweepCell, CancellationToken, SweepCellResult> Trainer(SweepOptions options, string? corpus, TextWriter? log = null)
    {
        IReadOnlyList<SweepCell> cells = options.Cells();
        Dictionary<string, SweepCell> byKey = cells.ToDictionary(c => c.Key);
        return (cell, token) =>
        {
            int index = IndexOf(cells, cell);
            for (int attempt = 1; ; attempt++)
            {
                (int exitCode, string output, string error) = RunChild(options, corpus, index, token);
                string line = output.Split('\n').Select(l => l.TrimEnd('\r')).LastOrDefault(l => l.StartsWith(Marker, StringComparison.Ordinal)) ?? "";
                SweepCellResult? result = exitCode == 0 && line.Length > 0 ? SweepTable.Parse(options, byKey, line[Marker.Length..]) : null;
                if (result is not null && result.Cell == cell)
                {
                    return result;
                }

                // A crash of the native library (not bad input, exit 2) is retried: the cell's result is deterministic,
                // the crash is not (see the class remarks).
                if (exitCode is 0 or ExitCodes.BadInput || attempt >= Attempts)
                {
                    throw new InvalidOperationException($"the child process for cell {cell} exited with {exitCode} without its result " +
                                                        $"(attempt {attempt} of {Attempts}): {(error.Trim().Length > 0 ? error.Trim() : output.Trim())}");
                }

                string first = error.Split('\n').FirstOrDefault(l => l.Trim().Length > 0)?.Trim() ?? "";
                log?.WriteLine($"loco sweep: the child process for cell {cell} exited with {exitCode} ({first}); running it again.");
            }
        };
    }

    /// <summary>Tries per cell before a crashing child fails the sweep.</summary>
    public const int Attempts = 3;

    private static (int ExitCode, string Output, string Error) RunChild(SweepOptions options, string? corpus, int index, CancellationToken token)
    {
        (string file, List<string> args) = LocoProcess.Command();
        args.AddRange(Arguments(options, corpus, index));
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}.");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        Task<string> stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            process.WaitForExitAsync(token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    private static int IndexOf(IReadOnlyList<SweepCell> cells, SweepCell cell)
    {
        for (int i = 0; i < cells.Count; i++)
        {
            if (cells[i] == cell)
            {
                return i;
            }
        }

        throw new ArgumentException($"{cell} is not a cell of the sweep.", nameof(cell));
    }

    /// <summary>The child's arguments: every setting of <paramref name="options"/> as a flag, and the cell's index.</summary>
    public static IEnumerable<string> Arguments(SweepOptions o, string? corpus, int cell)
    {
        static string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        static string I(long v) => v.ToString(CultureInfo.InvariantCulture);
        var args = new List<string>
        {
            "sweep",
            "--inner-steps-list", string.Join(',', o.InnerStepsList.Select(h => I(h))),
            "--outer-lrs", string.Join(',', o.OuterLrs.Select(R)),
            "--momenta", string.Join(',', o.Momenta.Select(R)),
            "--outer", o.OuterKind.Name(),
            "--outer-form", o.OuterForm.Name(),
            "--model", o.Model,
            "--workers", I(o.Workers),
            "--batch", I(o.BatchSize),
            "--context", I(o.Context),
            "--inner-lr", R(o.InnerLr),
            "--seed", o.Seed.ToString(CultureInfo.InvariantCulture),
            "--margin", R(o.Criterion.Margin),
            "--device", o.Device,
            "--validation-windows", I(o.ValidationWindows),
            "--cell", I(cell),
        };
        args.AddRange(o.RestartRule is null ? ["--restart-period", I(o.RestartPeriod)] : ["--restart", o.RestartRule.Spec]);
        args.AddRange(o.InnerStepBudget is int budget ? ["--budget", I(budget)] : ["--rounds", I(o.Rounds)]);

        if (o.MatchRestartStep > 0)
        {
            args.AddRange(["--match-restart-step", I(o.MatchRestartStep)]);
        }

        if (corpus is not null)
        {
            args.AddRange(["--corpus", Path.GetFullPath(corpus)]);
        }

        if (o.Codec.Kind != Loco.Core.Codecs.CodecKind.Fp32)
        {
            args.AddRange(["--compress", o.Codec.Name]);
            if (o.Codec.Stochastic)
            {
                args.Add("--stochastic-rounding");
            }
        }

        if (o.ErrorFeedback)
        {
            args.Add("--error-feedback");
        }

        if (o.Fragments is { } fragments)
        {
            args.AddRange(["--fragments", I(fragments.Count), "--overlap", I(fragments.Overlap), "--merge", R(fragments.Alpha)]);
        }

        if (o.Schedule.Kind != Loco.Torch.Training.ScheduleKind.Cosine)
        {
            args.AddRange(["--lr-schedule", o.Schedule.Spec]);
        }

        if (o.Precision != Loco.Torch.Training.Precision.Fp32)
        {
            args.AddRange(["--precision", Loco.Torch.Training.Precisions.Name(o.Precision)]);
        }

        return args;
    }
}
