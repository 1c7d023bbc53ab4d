using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Loco.Core.Family;
using Loco.Reports.Html;
using Loco.Reports.Reproduce;
using Spectre.Console;

namespace Loco.Cli.Commands;

/// <summary><c>loco reproduce</c>: runs the papers' claims, writes their figures, tables and one self-contained report.</summary>
internal sealed class ReproduceCommand
{
    /// <summary>Default output folder.</summary>
    public const string DefaultOut = "loco-out/reproduce";

    private readonly Argument<string> _claim = new("claim")
    {
        Description = "The claim to reproduce, or 'all'. Claims: " + string.Join(", ", Claims.Ids) + ".",
    };

    private readonly Option<string?> _out = Options.Text("--out",
        $"Output folder: DIR/<claim>/*.png and *.csv, and DIR/report.html (one self-contained page, figures embedded). Default: {DefaultOut}.");

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
        command.SetAction(r => Execute(r, terminal));
        return command;
    }

    private int Execute(ParseResult r, Terminal terminal)
    {
        string name = r.GetValue(_claim) ?? "";
        IReadOnlyList<IClaim> selected;
        if (string.Equals(name, "all", StringComparison.OrdinalIgnoreCase))
        {
            selected = Claims.All;
        }
        else
        {
            IClaim? claim = Claims.Find(name);
            if (claim is null)
            {
                throw new InvalidInputException("claim", $"unknown claim '{name}'; choose one of: all, {string.Join(", ", Claims.Ids)}.");
            }

            selected = [claim];
        }

        string outFolder = r.GetValue(_out) ?? DefaultOut;
        if (string.IsNullOrWhiteSpace(outFolder))
        {
            throw new InvalidInputException("--out", "the output folder must not be empty.");
        }

        if (File.Exists(outFolder))
        {
            throw new InvalidInputException("--out", $"'{outFolder}' is a file, not a folder.");
        }

        bool quick = r.GetValue(_quick);
        string outText = r.GetValue(_out) is null ? "" : $" --out {Quote(outFolder)}";
        var entries = new List<ReportEntry>();
        foreach (IClaim claim in selected)
        {
            string folder = Path.Combine(outFolder, claim.Id);
            Directory.CreateDirectory(folder);
            string regenerate = $"loco reproduce {claim.Id}{outText}{(quick ? " --quick" : "")}";
            var clock = Stopwatch.StartNew();
            ClaimResult result = RunOne(claim, folder, quick, terminal);
            clock.Stop();
            entries.Add(new ReportEntry(claim, result, clock.Elapsed, regenerate));
            if (!terminal.Interactive)
            {
                terminal.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{claim.Id}: {(result.Passed ? "PASS" : "FAIL")} ({clock.Elapsed.TotalSeconds:F1} s): {result.Measured}"));
            }
        }

        string report = ReportWriter.Write(Path.Combine(outFolder, "report.html"), entries, quick);
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]reproduced claims[/] ({(quick ? "quick" : "full")} size)");
        table.AddColumns("claim", "result", "measured", "time");
        foreach (ReportEntry e in entries)
        {
            table.AddRow(
                Markup.Escape(e.Claim.Id),
                e.Result.Passed ? "[green]PASS[/]" : "[red]FAIL[/]",
                Markup.Escape(e.Result.Measured),
                string.Create(CultureInfo.InvariantCulture, $"{e.Elapsed.TotalSeconds:F1} s"));
        }

        terminal.Console.Write(table);
        int passed = entries.Count(e => e.Result.Passed);
        terminal.Out.WriteLine($"{passed} of {entries.Count} claims PASS; report written to {report}");
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
        catch (Exception ex) when (ex is not OperationCanceledException and not InvalidInputException)
        {
            // A claim that crashes has not shown its criterion: it fails, and the report says why.
            return new ClaimResult(false, $"error: {ex.GetType().Name}: {ex.Message}", [], [], ex.ToString());
        }
    }

    private static string Quote(string path) => path.Contains(' ') ? $"\"{path}\"" : path;

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to a thread pool).</summary>
    private sealed class SynchronousProgress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }
}
