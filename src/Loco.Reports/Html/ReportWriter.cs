using System.Globalization;
using System.Net;
using System.Text;
using Loco.Reports.Reproduce;

namespace Loco.Reports.Html;

/// <summary>One claim's entry in the report: the claim, what it gave, how long it took and the command that regenerates it.</summary>
/// <param name="Claim">The claim.</param>
/// <param name="Result">Its result.</param>
/// <param name="Elapsed">Wall time of its run.</param>
/// <param name="Command">The exact command that regenerates it.</param>
public sealed record ReportEntry(IClaim Claim, ClaimResult Result, TimeSpan Elapsed, string Command);

/// <summary>
/// Writes <c>report.html</c>: one self-contained page (every figure embedded as a base64 PNG data URI, no external
/// style or script) that states each claim, its criterion, the measured value, PASS or FAIL, its figures, its CSV
/// tables (linked relative to the report) and the command that regenerates it.
/// </summary>
public static class ReportWriter
{
    /// <summary>Writes the report for <paramref name="entries"/> to <paramref name="path"/> (atomically) and returns the path.</summary>
    public static string Write(string path, IReadOnlyList<ReportEntry> entries, bool quick, DateTimeOffset? generated = null)
    {
        string html = Render(entries, quick, Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", generated ?? DateTimeOffset.Now);
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, html, new UTF8Encoding(false));
        File.Move(temporary, path, overwrite: true);
        return path;
    }

    /// <summary>The report as HTML text; CSV links are made relative to <paramref name="reportFolder"/>.</summary>
    public static string Render(IReadOnlyList<ReportEntry> entries, bool quick, string reportFolder, DateTimeOffset generated)
    {
        ArgumentNullException.ThrowIfNull(entries);
        int passed = entries.Count(e => e.Result.Passed);
        var html = new StringBuilder();
        html.AppendLine("<!DOCTYPE html>");
        html.AppendLine("<html lang=\"en\"><head><meta charset=\"utf-8\">");
        html.AppendLine("<title>Loco: reproduced claims</title>");
        html.AppendLine("<style>");
        html.AppendLine("body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}");
        html.AppendLine("table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}");
        html.AppendLine(".pass{color:#fff;background:#2a7d2a;padding:.1em .5em;border-radius:3px;font-weight:bold}");
        html.AppendLine(".fail{color:#fff;background:#b22;padding:.1em .5em;border-radius:3px;font-weight:bold}");
        html.AppendLine("code,pre{background:#f4f4f4;padding:.1em .3em}section{border-top:2px solid #ddd;margin-top:2em}img{max-width:100%;border:1px solid #eee;margin:.5em 0}");
        html.AppendLine("</style></head><body>");
        html.AppendLine("<h1>Loco: reproduced claims</h1>");
        html.AppendLine(CultureInfo.InvariantCulture,
            $"<p>{passed} of {entries.Count} claims PASS ({(quick ? "quick (reduced) size" : "full size")}). Generated {E(generated.ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture))}. Each criterion was written before the run; the measured value is what this run gave.</p>");
        html.AppendLine("<table><tr><th>claim</th><th>result</th><th>measured</th><th>time</th></tr>");
        foreach (ReportEntry e in entries)
        {
            html.AppendLine(CultureInfo.InvariantCulture,
                $"<tr><td><a href=\"#{E(e.Claim.Id)}\">{E(e.Claim.Id.ToUpperInvariant())}</a></td><td>{Badge(e.Result.Passed)}</td><td>{E(e.Result.Measured)}</td><td>{e.Elapsed.TotalSeconds:F1} s</td></tr>");
        }

        html.AppendLine("</table>");
        foreach (ReportEntry e in entries)
        {
            html.AppendLine(CultureInfo.InvariantCulture, $"<section id=\"{E(e.Claim.Id)}\">");
            html.AppendLine(CultureInfo.InvariantCulture, $"<h2>{E(e.Claim.Id.ToUpperInvariant())}: {E(e.Claim.Title)} {Badge(e.Result.Passed)}</h2>");
            html.AppendLine(CultureInfo.InvariantCulture, $"<p><em>{E(e.Claim.Paper)}</em></p>");
            html.AppendLine(CultureInfo.InvariantCulture, $"<p><strong>Claim.</strong> {E(e.Claim.Statement)}</p>");
            html.AppendLine(CultureInfo.InvariantCulture, $"<p><strong>Criterion.</strong> {E(e.Claim.Criterion)}</p>");
            html.AppendLine(CultureInfo.InvariantCulture, $"<p><strong>Measured.</strong> {E(e.Result.Measured)} → {Badge(e.Result.Passed)}</p>");
            if (!string.IsNullOrWhiteSpace(e.Result.Notes))
            {
                html.AppendLine(CultureInfo.InvariantCulture, $"<p><strong>Notes.</strong> {E(e.Result.Notes)}</p>");
            }

            html.AppendLine(CultureInfo.InvariantCulture, $"<p><strong>Regenerate:</strong> <code>{E(e.Command)}</code> ({e.Elapsed.TotalSeconds:F1} s this run)</p>");
            foreach (string png in e.Result.Figures)
            {
                string data = Convert.ToBase64String(File.ReadAllBytes(png));
                html.AppendLine(CultureInfo.InvariantCulture, $"<figure><img alt=\"{E(Path.GetFileName(png))}\" src=\"data:image/png;base64,{data}\"><figcaption>{E(Path.GetFileName(png))}</figcaption></figure>");
            }

            if (e.Result.Tables.Count > 0)
            {
                html.Append("<p><strong>Data (CSV):</strong> ");
                html.AppendJoin(", ", e.Result.Tables.Select(t =>
                {
                    string relative = Path.GetRelativePath(reportFolder, Path.GetFullPath(t)).Replace('\\', '/');
                    return $"<a href=\"{E(relative)}\">{E(relative)}</a>";
                }));
                html.AppendLine("</p>");
            }

            html.AppendLine("</section>");
        }

        html.AppendLine("</body></html>");
        return html.ToString();
    }

    private static string Badge(bool passed) => passed ? "<span class=\"pass\">PASS</span>" : "<span class=\"fail\">FAIL</span>";

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
