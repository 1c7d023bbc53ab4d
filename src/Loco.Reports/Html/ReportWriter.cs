using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Loco.Reports.Tables;

namespace Loco.Reports.Html;

/// <summary>One claim's entry in the report: its verdict, what it states and measured (as labelled paragraphs), what it wrote, how long it took and the command that regenerates it.</summary>
/// <param name="Id">Lower-case identifier (an anchor in the page), e.g. <c>restart-contraction</c>.</param>
/// <param name="Title">Short title.</param>
/// <param name="Paper">The paper the claim comes from.</param>
/// <param name="Verdict">The verdict, as words (e.g. "reproduced under conditions").</param>
/// <param name="Tone">How the verdict's badge is coloured.</param>
/// <param name="Summary">The measured value(s), one line (the summary table's column).</param>
/// <param name="Sections">Labelled paragraphs, in order (the claim, its reading, criteria, measurements, why).</param>
/// <param name="Figures">PNG paths (embedded in the page).</param>
/// <param name="Tables">CSV paths (linked relative to the page).</param>
/// <param name="Elapsed">Wall time of its run.</param>
/// <param name="Command">The exact command that regenerates it.</param>
/// <param name="Quick">Whether it ran at the reduced (quick) size.</param>
public sealed record ReportEntry(
    string Id, string Title, string Paper, string Verdict, ReportTone Tone, string Summary, IReadOnlyList<ReportSection> Sections,
    IReadOnlyList<string> Figures, IReadOnlyList<string> Tables, TimeSpan Elapsed, string Command, bool Quick);

/// <summary>
/// Writes <c>report.html</c>: one self-contained page (every figure embedded as a base64 PNG data URI, no external
/// style or script) that states each claim, its verdict, its labelled paragraphs (claim, reading, criteria, measurements, why), its figures, its CSV
/// tables (linked relative to the report) and the command that regenerates it. Beside it, <c>report.json</c> lists the
/// entries, so that a later run of some claims updates their entries and keeps the others (<see cref="Update"/>).
/// </summary>
public static class ReportWriter
{
    /// <summary>The page's file name.</summary>
    public const string HtmlFile = "report.html";

    /// <summary>The file name of the entries' list beside the page.</summary>
    public const string IndexFile = "report.json";

    /// <summary>Writes the report for <paramref name="entries"/> to <paramref name="path"/> (through <see cref="OutputFile"/>) and returns the path.</summary>
    public static string Write(string path, IReadOnlyList<ReportEntry> entries, DateTimeOffset? generated = null)
    {
        string html = Render(entries, Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", generated ?? DateTimeOffset.Now);
        OutputFile.Write(path, html);
        return path;
    }

    /// <summary>
    /// Updates the report in <paramref name="folder"/>: the entries listed in its <c>report.json</c> (if any) are kept, those
    /// with the id of one of <paramref name="entries"/> are replaced by it, new ones are added; entries are ordered by
    /// their place in <paramref name="order"/> (ids not in it go last). Writes report.json and report.html; returns the
    /// page's path and every entry now in it.
    /// </summary>
    public static (string Path, IReadOnlyList<ReportEntry> Entries) Update(string folder, IReadOnlyList<ReportEntry> entries, IReadOnlyList<string> order,
        DateTimeOffset? generated = null)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var merged = Load(folder).Where(old => !entries.Any(e => e.Id == old.Id)).Concat(entries).ToList();
        int Rank(ReportEntry e)
        {
            int i = order.ToList().IndexOf(e.Id);
            return i < 0 ? int.MaxValue : i;
        }

        ReportEntry[] sorted = [.. merged.OrderBy(Rank)];
        OutputFile.Write(Path.Combine(folder, IndexFile), Json(folder, sorted));
        return (Write(Path.Combine(folder, HtmlFile), sorted, generated), sorted);
    }

    /// <summary>The entries listed in <paramref name="folder"/>'s report.json (paths made absolute); none when it is absent or unreadable.</summary>
    public static IReadOnlyList<ReportEntry> Load(string folder)
    {
        string path = Path.Combine(folder, IndexFile);
        if (!File.Exists(path))
        {
            return [];
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
            var entries = new List<ReportEntry>();
            foreach (JsonElement e in document.RootElement.GetProperty("entries").EnumerateArray())
            {
                string[] Paths(string name) => [.. e.GetProperty(name).EnumerateArray().Select(p => Path.GetFullPath(Path.Combine(folder, p.GetString() ?? "")))];
                ReportSection[] sections = [.. e.GetProperty("sections").EnumerateArray().Select(x =>
                    new ReportSection(x.GetProperty("heading").GetString() ?? "", x.GetProperty("text").GetString() ?? ""))];
                entries.Add(new ReportEntry(
                    e.GetProperty("id").GetString() ?? "", e.GetProperty("title").GetString() ?? "", e.GetProperty("paper").GetString() ?? "",
                    e.GetProperty("verdict").GetString() ?? "", Enum.Parse<ReportTone>(e.GetProperty("tone").GetString() ?? "", ignoreCase: true),
                    e.GetProperty("summary").GetString() ?? "", sections, Paths("figures"), Paths("tables"),
                    TimeSpan.FromSeconds(e.GetProperty("seconds").GetDouble()), e.GetProperty("command").GetString() ?? "", e.GetProperty("quick").GetBoolean()));
            }

            return entries;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            return []; // not a list this writer made: the report starts afresh
        }
    }

    /// <summary>The entries as JSON (the report's <c>report.json</c>; paths relative to <paramref name="folder"/>).</summary>
    public static string Json(string folder, IReadOnlyList<ReportEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, JsonText.Options))
        {
            string Relative(string p) => Path.GetRelativePath(Path.GetFullPath(folder), Path.GetFullPath(p)).Replace('\\', '/');
            w.WriteStartObject();
            w.WriteStartArray("entries");
            foreach (ReportEntry e in entries)
            {
                w.WriteStartObject();
                w.WriteString("id", e.Id);
                w.WriteString("title", e.Title);
                w.WriteString("paper", e.Paper);
                w.WriteString("verdict", e.Verdict);
                w.WriteString("tone", e.Tone.ToString().ToLowerInvariant());
                w.WriteString("summary", e.Summary);
                w.WriteStartArray("sections");
                foreach (ReportSection section in e.Sections)
                {
                    w.WriteStartObject();
                    w.WriteString("heading", section.Heading);
                    w.WriteString("text", section.Text);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteStartArray("figures");
                foreach (string f in e.Figures)
                {
                    w.WriteStringValue(Relative(f));
                }

                w.WriteEndArray();
                w.WriteStartArray("tables");
                foreach (string t in e.Tables)
                {
                    w.WriteStringValue(Relative(t));
                }

                w.WriteEndArray();

                w.WriteNumber("seconds", e.Elapsed.TotalSeconds);
                w.WriteString("command", e.Command);
                w.WriteBoolean("quick", e.Quick);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The report as HTML text; CSV links are made relative to <paramref name="reportFolder"/>.</summary>
    public static string Render(IReadOnlyList<ReportEntry> entries, string reportFolder, DateTimeOffset generated)
    {
        ArgumentNullException.ThrowIfNull(entries);
        string counts = string.Join(", ", entries.GroupBy(e => e.Verdict).Select(g => $"{g.Count()} {g.Key}"));
        string size = entries.All(e => e.Quick) ? "quick (reduced) size" : entries.All(e => !e.Quick) ? "full size" : "mixed sizes: " +
            string.Join(", ", entries.Select(e => $"{e.Id} {(e.Quick ? "quick" : "full")}"));
        var html = new StringBuilder();
        html.AppendLine("<!DOCTYPE html>");
        html.AppendLine("<html lang=\"en\"><head><meta charset=\"utf-8\">");
        html.AppendLine("<title>Loco: reproduced claims</title>");
        html.AppendLine("<style>");
        html.AppendLine("body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}");
        html.AppendLine("table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}");
        html.AppendLine(".good,.partial,.bad,.neutral{color:#fff;padding:.1em .5em;border-radius:3px;font-weight:bold}");
        html.AppendLine(".good{background:#2a7d2a}.partial{background:#b07a00}.bad{background:#b22}.neutral{background:#667}");
        html.AppendLine("code,pre{background:#f4f4f4;padding:.1em .3em}section{border-top:2px solid #ddd;margin-top:2em}img{max-width:100%;border:1px solid #eee;margin:.5em 0}");
        html.AppendLine("</style></head><body>");
        html.AppendLine("<h1>Loco: reproduced claims</h1>");
        html.AppendLine(CultureInfo.InvariantCulture,
            $"<p>{entries.Count} claims: {E(counts)} ({E(size)}). Generated {E(generated.ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture))}. Each criterion was written before the runs that judge it; the measured values are what this run gave.</p>");
        html.AppendLine("<table><tr><th>claim</th><th>verdict</th><th>measured</th><th>time</th></tr>");
        foreach (ReportEntry e in entries)
        {
            html.AppendLine(CultureInfo.InvariantCulture,
                $"<tr><td><a href=\"#{E(e.Id)}\">{E(e.Id.ToUpperInvariant())}</a></td><td>{Badge(e)}</td><td>{E(e.Summary)}</td><td>{e.Elapsed.TotalSeconds:F1} s</td></tr>");
        }

        html.AppendLine("</table>");
        foreach (ReportEntry e in entries)
        {
            html.AppendLine(CultureInfo.InvariantCulture, $"<section id=\"{E(e.Id)}\">");
            html.AppendLine(CultureInfo.InvariantCulture, $"<h2>{E(e.Id.ToUpperInvariant())}: {E(e.Title)} {Badge(e)}</h2>");
            html.AppendLine(CultureInfo.InvariantCulture, $"<p><em>{E(e.Paper)}</em></p>");
            foreach (ReportSection section in e.Sections)
            {
                html.AppendLine(CultureInfo.InvariantCulture, $"<p><strong>{E(section.Heading)}.</strong> {E(section.Text)}</p>");
            }

            html.AppendLine(CultureInfo.InvariantCulture, $"<p><strong>Regenerate:</strong> <code>{E(e.Command)}</code> ({e.Elapsed.TotalSeconds:F1} s this run)</p>");
            foreach (string png in e.Figures)
            {
                if (!File.Exists(png))
                {
                    html.AppendLine(CultureInfo.InvariantCulture, $"<p><em>figure {E(Path.GetFileName(png))} is missing (rerun the claim).</em></p>");
                    continue;
                }

                string data = Convert.ToBase64String(File.ReadAllBytes(png));
                html.AppendLine(CultureInfo.InvariantCulture, $"<figure><img alt=\"{E(Path.GetFileName(png))}\" src=\"data:image/png;base64,{data}\"><figcaption>{E(Path.GetFileName(png))}</figcaption></figure>");
            }

            if (e.Tables.Count > 0)
            {
                html.Append("<p><strong>Data (CSV):</strong> ");
                html.AppendJoin(", ", e.Tables.Select(t =>
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

    private static string Badge(ReportEntry e) => $"<span class=\"{e.Tone.ToString().ToLowerInvariant()}\">{E(e.Verdict)}</span>";

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
