using System.Text.RegularExpressions;
using Loco.Reports.Html;
using Loco.Reports.Reproduce;

namespace Loco.Reports.Tests.Reproduce;

public sealed class ReportWriterTests
{
    private sealed class FakeClaim(string id) : IClaim
    {
        public string Id => id;
        public string Title => "title " + id;
        public string Paper => "paper";
        public string Statement => "statement <with> & markup";
        public string Criterion => "criterion " + id;
        public ClaimResult Run(ClaimContext context) => throw new NotSupportedException();
    }

    [Fact]
    public void ReportIsOneFileWithEmbeddedImagesAndEveryClaimsVerdictCriterionValueAndCommand()
    {
        using var folder = new TempFolder();
        string png = new Loco.Reports.Figures.CurveFigure("t", "x", "y").Line("a", [1.0, 2.0], [1.0, 4.0], 0).SavePng(Path.Combine(folder.Path, "a.png"));
        string csv = new CsvTable("x", "y").Add(1.0, 2.0).Save(Path.Combine(folder.Path, "a.csv"));
        ReportEntry[] entries =
        [
            new(new FakeClaim("one"), new ClaimResult(true, "value 1.5e-12", [png], [csv]), TimeSpan.FromSeconds(2), "loco reproduce one"),
            new(new FakeClaim("two"), new ClaimResult(false, "value 7 → 7", [], []), TimeSpan.FromSeconds(3), "loco reproduce two --quick"),
        ];
        string path = ReportWriter.Write(Path.Combine(folder.Path, "report.html"), entries, quick: false);
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
        Assert.Equal(3, Regex.Matches(html, "class=\"pass\">PASS").Count); // claim one: summary row, heading, measured line
        Assert.Contains("class=\"fail\">FAIL", html);
        Assert.Contains("href=\"a.csv\"", html);
        Assert.Contains("1 of 2 claims PASS", html);
    }
}
