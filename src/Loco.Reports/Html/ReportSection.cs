namespace Loco.Reports.Html;

/// <summary>A labelled paragraph of a report entry, e.g. ("Criterion", "…").</summary>
public sealed record ReportSection(string Heading, string Text);
