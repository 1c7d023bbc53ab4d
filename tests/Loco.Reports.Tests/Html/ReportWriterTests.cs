using System.Text.RegularExpressions;
using Loco.Reports.Html;
using Loco.Reports.Tables;

namespace Loco.Reports.Tests.Html;

public sealed class ReportWriterTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("loco-report-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static ReportEntry Entry(string id, bool passed, string measured, string[] figures, string[] tables, string command, bool quick = false) =>
        new(id, "title " + id, "paper", passed ? "reproduced" : "not reproduced", passed ? ReportTone.Good : ReportTone.Bad, measured,
            [new("Claim", "statement <with> & markup"), new("Criterion", "criterion " + id)], figures, tables, TimeSpan.FromSeconds(2), command, quick);

    [Fact]
    public void ReportIsOneFileWithEmbeddedImagesAndEveryClaimsVerdictCriterionValueAndCommand()
    {
        string png = new Loco.Reports.Figures.CurveFigure("t", "x", "y").Line("a", [1.0, 2.0], [1.0, 4.0], 0).SavePng(Path.Combine(_folder, "a.png"));
        string csv = new CsvTable("x", "y").Add(1.0, 2.0).Save(Path.Combine(_folder, "a.csv"));
        ReportEntry[] entries =
        [
            Entry("one", true, "value 1.5e-12", [png], [csv], "loco reproduce one"),
            Entry("two", false, "value 7 → 7", [], [], "loco reproduce two --quick"),
        ];
        string path = ReportWriter.Write(Path.Combine(_folder, "report.html"), entries);
        string html = File.ReadAllText(path);

        Match image = Regex.Match(html, "src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"");
        Assert.True(image.Success);
        Assert.Equal(File.ReadAllBytes(png), Convert.FromBase64String(image.Groups[1].Value));
        Assert.DoesNotContain("src=\"a.png\"", html);
        Assert.Contains("criterion one", html);
        Assert.Contains("criterion two", html);
        Assert.Contains("value 1.5e-12", html);
        Assert.Contains("loco reproduce two --quick", html);
        Assert.Contains("statement &lt;with&gt; &amp; markup", html);
        Assert.Equal(2, Regex.Matches(html, "class=\"good\">reproduced").Count); // claim one: summary row, heading
        Assert.Equal(2, Regex.Matches(html, "class=\"bad\">not reproduced").Count);
        Assert.Contains("<strong>Criterion.</strong> criterion two", html);
        Assert.Contains("href=\"a.csv\"", html);
        Assert.Contains("2 claims: 1 reproduced, 1 not reproduced", html);
        Assert.Contains("full size", html);
    }

    [Fact]
    public void UpdateReplacesTheEntriesRunAgainKeepsTheOthersAndOrdersThemAsAsked()
    {
        string png = new Loco.Reports.Figures.CurveFigure("t", "x", "y").Line("a", [1.0, 2.0], [1.0, 4.0], 0)
            .SavePng(Path.Combine(_folder, "b", "b.png"));
        string[] order = ["a", "b", "c"];
        ReportWriter.Update(_folder, [Entry("b", false, "first b", [png], [], "loco reproduce b", quick: true)], order);
        ReportWriter.Update(_folder, [Entry("c", true, "only c", [], [], "loco reproduce c", quick: true)], order);
        (string path, IReadOnlyList<ReportEntry> all) = ReportWriter.Update(_folder, [Entry("a", true, "only a", [], [], "loco reproduce a", quick: true)], order);
        Assert.Equal(["a", "b", "c"], all.Select(e => e.Id));
        (_, all) = ReportWriter.Update(_folder, [Entry("b", true, "second b", [png], [], "loco reproduce b", quick: true)], order);
        Assert.Equal(["a", "b", "c"], all.Select(e => e.Id));

        string html = File.ReadAllText(path);
        Assert.Contains("only a", html);
        Assert.Contains("only c", html);
        Assert.Contains("second b", html);
        Assert.DoesNotContain("first b", html);
        Assert.Contains("3 claims: 3 reproduced", html);
        Assert.Equal(["reproduced", "reproduced", "reproduced"], ReportWriter.Load(_folder).Select(e => e.Verdict));
        Assert.Equal("statement <with> & markup", ReportWriter.Load(_folder)[0].Sections[0].Text);
        Assert.True(html.IndexOf("id=\"a\"", StringComparison.Ordinal) < html.IndexOf("id=\"b\"", StringComparison.Ordinal));
        Assert.True(html.IndexOf("id=\"b\"", StringComparison.Ordinal) < html.IndexOf("id=\"c\"", StringComparison.Ordinal));
        // b's figure, kept by path relative to the folder, is still embedded.
        Assert.Equal(File.ReadAllBytes(png), Convert.FromBase64String(Regex.Match(html, "base64,([A-Za-z0-9+/=]+)\"").Groups[1].Value));
        Assert.Contains("quick (reduced) size", html);
    }
}
