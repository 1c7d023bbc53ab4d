using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Loco.Cluster.Hosting;

namespace Loco.Cluster.Tests;

/// <summary>
/// <c>loco coordinator --dashboard PORT</c> with two worker processes, loaded in a real browser: Debian's headless
/// Chromium runs the page's script against the live coordinator, and the test reads the rendered DOM.
/// </summary>
public sealed partial class DashboardTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);
    private readonly string _folder = Directory.CreateTempSubdirectory("loco-dashboard-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task AHeadlessBrowserShowsTheRoundTheWorkersTheLossCurveTheBytesAndTheRestarts()
    {
        string browser = Browser();
        int port = Endpoints.FreeConsecutive(IPAddress.Loopback, 3);
        int page = Endpoints.FreePort(IPAddress.Loopback);
        string join = $"127.0.0.1:{port}";
        using var coordinator = new LocoChild("coordinator", "--listen", join, "--dashboard", $"{page}", "--workers", "2", "--steps", "4000",
            "--inner-steps", "40", "--restart-period", "2", "--out", Path.Combine(_folder, "run"));
        Assert.True(coordinator.WaitForOutput($"status page at http://127.0.0.1:{page}/", Limit), coordinator.Out + coordinator.Err);
        using var worker0 = new LocoChild("worker", "--join", join);
        using var worker1 = new LocoChild("worker", "--join", join);

        // Wait (bounded) until three rounds have committed and the coordinator has recorded them (its history, which the
        // workers' contribution counts come from, follows the run grain's commit by a validation pass), through the
        // page's own JSON.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var clock = Stopwatch.StartNew();
        long committed = 0;
        while (committed < 3)
        {
            Assert.True(clock.Elapsed < Limit, $"three rounds did not commit in {Limit}: {coordinator.Out}{coordinator.Err}");
            await Task.Delay(500);
            using JsonDocument status = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{page}/api/status"));
            committed = Math.Min(status.RootElement.GetProperty("committed_round").GetInt64(),
                status.RootElement.GetProperty("history").EnumerateArray().Count(h => h.GetProperty("round").GetInt64() > 0));
        }

        string html = await http.GetStringAsync($"http://127.0.0.1:{page}/");
        Assert.DoesNotMatch(ExternalResource(), html); // no CDN, no external script or style

        string dom = RenderedDom(browser, $"http://127.0.0.1:{page}/");
        Match summary = Summary().Match(dom);
        Assert.True(summary.Success, dom);
        Assert.True(long.Parse(summary.Groups[1].Value) >= committed, summary.Value);
        Assert.Equal("100", summary.Groups[2].Value);
        Assert.Contains("2 of 2 workers connected", dom);
        foreach (int m in new[] { 0, 1 })
        {
            Match row = Regex.Match(dom, $@"<tr><td>{m}</td><td>[^<]+</td><td>[\d.]+ s ago</td><td>(\d+)</td><td>[\d.]+</td><td>[\d.]+ MB</td><td class=""yes"">connected</td></tr>");
            Assert.True(row.Success, $"no row for worker {m} in {dom}");
            Assert.True(int.Parse(row.Groups[1].Value) >= 3);
        }

        Match curve = Regex.Match(dom, @"<polyline points=""([^""]+)"" class=""train"">");
        Assert.True(curve.Success, dom);
        Assert.True(curve.Groups[1].Value.Split(' ').Length >= 3);
        Assert.True(Regex.Matches(dom, @"<circle [^>]*class=""val""").Count >= 4); // round 0 and three rounds
        Assert.True(Regex.Matches(dom, @"<rect [^>]*class=""bar""").Count >= 3);
        Assert.True(Regex.Matches(dom, @"class=""restart""").Count >= 1);
        Assert.Contains("worker 0 joined", dom);
        Assert.Contains("the outer momentum was reset (restart 1)", dom);
        Assert.Contains("<div id=\"error\"></div>", dom); // the last poll succeeded
    }

    // Debian's chromium (test.sh installs it), or a clear failure.
    private static string Browser()
    {
        foreach (string path in new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" })
        {
            if (File.Exists(path))
            {
                return path;
            }
        }

        Assert.Fail("no headless browser: install Debian's chromium (./test.sh does: apt-get install chromium).");
        return "";
    }

    // Loads the page in headless Chromium, lets its script run (virtual time), and returns the DOM it rendered.
    private string RenderedDom(string browser, string url)
    {
        string profile = Path.Combine(_folder, "chromium-profile");
        var start = new ProcessStartInfo(browser) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", $"--user-data-dir={profile}",
                     "--virtual-time-budget=5000", "--dump-dom", url })
        {
            start.ArgumentList.Add(a);
        }

        using Process chromium = Process.Start(start)!;
        Task<string> output = chromium.StandardOutput.ReadToEndAsync();
        Task<string> errors = chromium.StandardError.ReadToEndAsync();
        if (!chromium.WaitForExit(TimeSpan.FromSeconds(90)))
        {
            chromium.Kill(entireProcessTree: true);
            Assert.Fail($"chromium did not finish within 90 s: {errors.Result}");
        }

        Assert.True(chromium.ExitCode == 0, errors.Result);
        return output.Result;
    }

    [GeneratedRegex(@"(?:src|href)\s*=\s*[""']?(?:https?:)?//", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalResource();

    [GeneratedRegex(@"round (\d+) of (\d+) · model tiny")]
    private static partial Regex Summary();
}
