using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Loco.Cli.Output;
using Loco.Core.Family;
using Loco.Reports.Html;
using Loco.Studies.Claims;
using Spectre.Console;

namespace Loco.Cli.Commands;

/// <summary><c>loco reproduce</c>: runs the papers' claims, writes their figures, tables and one self-contained report.</summary>
internal sealed class ReproduceCommand
{
    /// <summary>Default output folder.</summary>
    public const string DefaultOut = "loco-out/reproduce";

    private readonly Argument<string> _claim = new("claim")
    {
        Description = "The claim to reproduce, or 'all'. Claims: " + string.Join(", ", ClaimRegistry.Ids) + ".",
    };

    private readonly Option<string?> _out = Options.Text("--out",
        $"Output folder: DIR/<claim>/*.png and *.csv, and DIR/report.html (one self-contained page, figures embedded; running one claim updates its entry and keeps the others). Default: {DefaultOut}.");

    private readonly Option<bool> _json = Options.Flag("--json", "Print the verdicts as JSON on standard output (progress lines go to standard error).");

    private readonly Option<bool> _quick = Options.Flag("--quick",
        "Reduced size (fewer modes, runs and grid cells), as the tests use: seconds per claim instead of minutes.");

    private readonly Option<double?> _spectrumExp = Options.Double("--spectrum-exp",
        "Run on one problem of your choosing instead of the two default ones: a in λ_i = i^(−a) (0 < a ≤ 8). Default with any problem flag: 1.5.");

    private readonly Option<double?> _targetExp = Options.Double("--target-exp", "b in E[θ*_i²] = i^(−b) (0 ≤ b ≤ 8). Default with any problem flag: 1.");

    private readonly Option<int?> _dim = Options.Int("--dim", "D, the number of modes (4 to 100000). Default: each claim's own (1000 full, 100–200 quick).");

    private readonly Option<double?> _noise = Options.Double("--noise", "σ, the label noise, in place of each claim's own (restart-contraction is noiseless and ignores it).");

    private readonly Option<long?> _budget = new("--budget")
    {
        Description = "N, samples per run in place of each claim's own (≥ 1024). mw-noise: R = N/128 rounds of its base setting (M = 4, H = 8, B = 4); " +
            "restart-stability: N inner steps (B = 1); restart-contraction has no budget.",
    };

    public Command Build(Terminal terminal)
    {
        var command = new Command("reproduce",
            "Reproduce the claims of the two papers (Agarwala 2026, two-phase optimizers; Topollai et al. 2026, outer-momentum restarts): " +
            "each claim quotes the paper, says how we read it, runs on two problems (λ_i = i^-1.5, E[θ*²] = i^-1, and λ_i = i^-2, E[θ*²] = i^-0.5) or on " +
            "the one the problem flags give, writes its figures (PNG) and data (CSV), and is judged against a criterion registered before the run: " +
            "reproduced, reproduced under conditions, not reproduced, or not testable in this model. Writes report.html. Exit code 0 when every " +
            "verdict is reproduced (possibly under conditions), 1 otherwise, 2 for bad input.");
        command.Arguments.Add(_claim);
        command.Options.Add(_out);
        command.Options.Add(_quick);
        command.Options.Add(_json);
        command.Options.Add(_spectrumExp);
        command.Options.Add(_targetExp);
        command.Options.Add(_dim);
        command.Options.Add(_noise);
        command.Options.Add(_budget);
        command.SetAction(r => Execute(r, terminal));
        return command;
    }

    private int Execute(ParseResult r, Terminal terminal)
    {
        string name = r.GetValue(_claim) ?? "";
        IReadOnlyList<IClaim> selected;
        if (string.Equals(name, "all", StringComparison.OrdinalIgnoreCase))
        {
            selected = ClaimRegistry.All;
        }
        else
        {
            IClaim? claim = ClaimRegistry.Find(name);
            if (claim is null)
            {
                throw new InvalidInputException("claim", $"unknown claim '{name}'; choose one of: all, {string.Join(", ", ClaimRegistry.Ids)}.");
            }

            selected = [claim];
        }

        string outFolder = r.GetValue(_out) ?? DefaultOut;
        CheckOutFolder(outFolder);

        IReadOnlyList<ClaimProblem> problems = Problems(r);
        bool quick = r.GetValue(_quick);
        bool json = r.GetValue(_json);
        TextWriter lines = json ? terminal.Error : terminal.Out;
        string outText = r.GetValue(_out) is null ? "" : $" --out {Quote(outFolder)}";
        string problemText = problems.Count == 1 ? " " + problems[0].Flags : "";
        var entries = new List<ReportEntry>();
        var good = new List<bool>();
        foreach (IClaim claim in selected)
        {
            string folder = Path.Combine(outFolder, claim.Id);
            Files.Write("--out", () => Directory.CreateDirectory(folder));
            string regenerate = $"loco reproduce {claim.Id}{outText}{(quick ? " --quick" : "")}{problemText}";
            var clock = Stopwatch.StartNew();
            ReportEntry entry = RunOne(claim, problems, folder, quick, terminal) with { Command = regenerate };
            clock.Stop();
            entry = entry with { Elapsed = clock.Elapsed };
            entries.Add(entry);
            good.Add(entry.Tone is ReportTone.Good or ReportTone.Partial);
            if (!terminal.Interactive)
            {
                lines.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{claim.Id}: {entry.Verdict} ({clock.Elapsed.TotalSeconds:F1} s): {entry.Summary}"));
            }
        }

        (string report, IReadOnlyList<ReportEntry> all) = Files.Write("--out", () => ReportWriter.Update(outFolder, entries, ClaimRegistry.Ids));
        int code = good.All(g => g) ? ExitCodes.Ok : ExitCodes.Failure;
        if (json)
        {
            terminal.Out.WriteLine(ReportWriter.Json(outFolder, entries));
            return code;
        }

        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]reproduced claims[/] ({(quick ? "quick" : "full")} size)");
        table.AddColumns("claim", "verdict", "registered criterion, per problem", "time");
        foreach (ReportEntry e in entries)
        {
            string colour = e.Tone switch { ReportTone.Good => "green", ReportTone.Partial => "yellow", ReportTone.Bad => "red", _ => "grey" };
            table.AddRow(
                Markup.Escape(e.Id),
                $"[{colour}]{Markup.Escape(e.Verdict)}[/]",
                Markup.Escape(e.Summary),
                string.Create(CultureInfo.InvariantCulture, $"{e.Elapsed.TotalSeconds:F1} s"));
        }

        terminal.Console.Write(table);
        string counts = string.Join(", ", entries.GroupBy(e => e.Verdict).Select(g => $"{g.Count()} {g.Key}"));
        string others = all.Count > entries.Count ? $" (it also keeps {all.Count - entries.Count} earlier claim{(all.Count - entries.Count == 1 ? "" : "s")}: {string.Join(", ", all.Select(e => e.Id).Except(entries.Select(e => e.Id)))})" : "";
        terminal.Out.WriteLine($"{entries.Count} claim{(entries.Count == 1 ? "" : "s")}: {counts}; report written to {report}{others}");
        return code;
    }

    // The problems to run: the one the flags give, or (no problem flag) the two default ones.
    private IReadOnlyList<ClaimProblem> Problems(ParseResult r)
    {
        double? a = r.GetValue(_spectrumExp), b = r.GetValue(_targetExp), noise = r.GetValue(_noise);
        int? dim = r.GetValue(_dim);
        long? budget = r.GetValue(_budget);
        if (a is null && b is null && noise is null && dim is null && budget is null)
        {
            return ClaimProblem.Default;
        }

        var problem = new ClaimProblem(a ?? ClaimProblem.Explored.SpectrumExponent, b ?? ClaimProblem.Explored.TargetExponent, dim, noise, budget);
        if (problem.Problem() is string why)
        {
            string flag = why[..why.IndexOf(' ', StringComparison.Ordinal)];
            throw new InvalidInputException(flag, why);
        }

        return [problem];
    }

    private static ReportEntry RunOne(IClaim claim, IReadOnlyList<ClaimProblem> problems, string folder, bool quick, Terminal terminal)
    {
        try
        {
            ClaimReport? report = null;
            if (!terminal.Interactive)
            {
                report = ClaimRunner.Run(claim, problems, folder, quick, null, CancellationToken.None);
            }
            else
            {
                terminal.Console.Status().Start($"{claim.Id}: starting", ctx =>
                {
                    var progress = new SynchronousProgress(message => ctx.Status(Markup.Escape(message)));
                    report = ClaimRunner.Run(claim, problems, folder, quick, progress, CancellationToken.None);
                });
            }

            return ClaimEntry.Of(report!, quick);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A file that cannot be written is the output folder's fault, not the claim's: bad input, never a failed claim.
            throw new InvalidInputException("--out", ex is Loco.Reports.Tables.OutputFileException ? ex.Message : $"cannot write into '{folder}' ({ex.Message}).");
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not InvalidInputException)
        {
            // A claim that crashes has shown nothing: no verdict, and the report says why.
            return ClaimEntry.Failed(claim, ex, quick);
        }
    }

    /// <summary>
    /// Checks, before any work, that <paramref name="outFolder"/> is (or can be made) a folder that takes files: not empty,
    /// not a file or device, under a parent that can be created and written, with room for a file.
    /// </summary>
    private static void CheckOutFolder(string outFolder)
    {
        if (string.IsNullOrWhiteSpace(outFolder))
        {
            throw new InvalidInputException("--out", "the output folder must not be empty.");
        }

        if (File.Exists(outFolder) || (!Directory.Exists(outFolder) && new FileInfo(outFolder).LinkTarget is not null))
        {
            throw new InvalidInputException("--out", $"'{outFolder}' exists and is not a folder.");
        }

        string probe = Path.Combine(outFolder, $".loco-write-check-{Environment.ProcessId}");
        try
        {
            Directory.CreateDirectory(outFolder);
            using (var stream = new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
                stream.Write(new byte[4096]);
                stream.Flush(flushToDisk: false);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new InvalidInputException("--out", $"cannot write into the folder '{outFolder}' ({ex.Message.Replace(probe, outFolder, StringComparison.Ordinal)}).");
        }
        finally
        {
            try
            {
                File.Delete(probe);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }
    }

    private static string Quote(string path) => path.Contains(' ') ? $"\"{path}\"" : path;

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to a thread pool).</summary>
    private sealed class SynchronousProgress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }
}
