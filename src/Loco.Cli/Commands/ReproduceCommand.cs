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

    public Command Build(Terminal terminal)
    {
        var command = new Command("reproduce",
            "Reproduce the claims of the two papers (Agarwala 2026, two-phase optimizers; Topollai et al. 2026, outer-momentum restarts): " +
            "each claim writes its figures (PNG) and data (CSV) and is checked against a criterion written before the run. " +
            "Prints a PASS/FAIL table and writes report.html. Exit code 0 only when every claim run passes, 1 when any fails, 2 for bad input.");
        command.Arguments.Add(_claim);
        command.Options.Add(_out);
        command.Options.Add(_quick);
        command.Options.Add(_json);
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

        bool quick = r.GetValue(_quick);
        bool json = r.GetValue(_json);
        TextWriter lines = json ? terminal.Error : terminal.Out;
        string outText = r.GetValue(_out) is null ? "" : $" --out {Quote(outFolder)}";
        var entries = new List<ReportEntry>();
        foreach (IClaim claim in selected)
        {
            string folder = Path.Combine(outFolder, claim.Id);
            Files.Write("--out", () => Directory.CreateDirectory(folder));
            string regenerate = $"loco reproduce {claim.Id}{outText}{(quick ? " --quick" : "")}";
            var clock = Stopwatch.StartNew();
            ClaimResult result = RunOne(claim, folder, quick, terminal);
            clock.Stop();
            entries.Add(new ReportEntry(claim.Id, claim.Title, claim.Paper, claim.Statement, claim.Criterion, result.Passed, result.Measured,
                result.Figures, result.Tables, result.Notes, clock.Elapsed, regenerate, quick));
            if (!terminal.Interactive)
            {
                lines.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{claim.Id}: {(result.Passed ? "PASS" : "FAIL")} ({clock.Elapsed.TotalSeconds:F1} s): {result.Measured}"));
            }
        }

        (string report, IReadOnlyList<ReportEntry> all) = Files.Write("--out", () => ReportWriter.Update(outFolder, entries, ClaimRegistry.Ids));
        if (json)
        {
            terminal.Out.WriteLine(ReportWriter.Json(outFolder, entries));
            return entries.All(e => e.Passed) ? ExitCodes.Ok : ExitCodes.Failure;
        }

        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]reproduced claims[/] ({(quick ? "quick" : "full")} size)");
        table.AddColumns("claim", "result", "measured", "time");
        foreach (ReportEntry e in entries)
        {
            table.AddRow(
                Markup.Escape(e.Id),
                e.Passed ? "[green]PASS[/]" : "[red]FAIL[/]",
                Markup.Escape(e.Measured),
                string.Create(CultureInfo.InvariantCulture, $"{e.Elapsed.TotalSeconds:F1} s"));
        }

        terminal.Console.Write(table);
        int passed = entries.Count(e => e.Passed);
        string others = all.Count > entries.Count ? $" (it also keeps {all.Count - entries.Count} earlier claim{(all.Count - entries.Count == 1 ? "" : "s")}: {string.Join(", ", all.Select(e => e.Id).Except(entries.Select(e => e.Id)))})" : "";
        terminal.Out.WriteLine($"{passed} of {entries.Count} claims PASS; report written to {report}{others}");
        return passed == entries.Count ? ExitCodes.Ok : ExitCodes.Failure;
    }

    private static ClaimResult RunOne(IClaim claim, string folder, bool quick, Terminal terminal)
    {
        try
        {
            if (!terminal.Interactive)
            {
                return claim.Run(new ClaimContext(folder, quick, null, CancellationToken.None));
            }

            ClaimResult? result = null;
            terminal.Console.Status().Start($"{claim.Id}: starting", ctx =>
            {
                var progress = new SynchronousProgress(message => ctx.Status(Markup.Escape(message)));
                result = claim.Run(new ClaimContext(folder, quick, progress, CancellationToken.None));
            });
            return result!;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A file that cannot be written is the output folder's fault, not the claim's: bad input, never a failed claim.
            throw new InvalidInputException("--out", ex is Loco.Reports.Tables.OutputFileException ? ex.Message : $"cannot write into '{folder}' ({ex.Message}).");
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not InvalidInputException)
        {
            // A claim that crashes has not shown its criterion: it fails, and the report says why.
            return new ClaimResult(false, $"error: {ex.GetType().Name}: {ex.Message}", [], [], ex.ToString());
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
