using System.Net;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Loco.Cluster.Dashboard;

/// <summary>
/// <c>loco coordinator --dashboard PORT</c>: a small status page served by ASP.NET Core (Kestrel) from the coordinator's
/// process: <c>/</c> is one self-contained HTML page (its script and styles inline, no external file or CDN) that polls
/// <c>/api/status</c> every second and draws the round, the workers with their last contact and contributions, the loss
/// curve, the bytes per round and the run's events. Read-only.
/// </summary>
public sealed class DashboardServer : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private readonly WebApplication _app;

    private DashboardServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>Where the page is.</summary>
    public Uri Address { get; }

    /// <summary>Serves the page on <paramref name="endpoint"/> with what <paramref name="snapshot"/> returns at each poll.</summary>
    public static async Task<DashboardServer> StartAsync(IPEndPoint endpoint, Func<Task<DashboardSnapshot>> snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(snapshot);
        string page = Page();
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "Loco.Dashboard" });
        builder.Logging.ClearProviders();
        // Not the console lifetime, which would take SIGINT and SIGTERM for itself and stop only this page.
        builder.Services.AddSingleton<IHostLifetime, Hosting.SignallessLifetime>();
        builder.WebHost.UseKestrel(o => o.Listen(endpoint));
        WebApplication app = builder.Build();
        app.MapGet("/", () => Results.Content(page, "text/html; charset=utf-8"));
        app.MapGet("/api/status", async (HttpContext http) =>
        {
            http.Response.Headers.CacheControl = "no-store";
            DashboardSnapshot now;
            try
            {
                now = await snapshot();
            }
            catch (Exception ex) when (ex is TimeoutException or InvalidOperationException or OrleansException)
            {
                return Results.Problem($"the run grain did not answer: {ex.Message}", statusCode: StatusCodes.Status503ServiceUnavailable);
            }

            return Results.Json(now, Json);
        });
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException ex)
        {
            await app.DisposeAsync();
            throw new ClusterUnavailableException($"the dashboard cannot listen on {endpoint}: {ex.Message}", ex);
        }

        IPAddress host = endpoint.Address.Equals(IPAddress.Any) ? IPAddress.Loopback : endpoint.Address;
        return new DashboardServer(app, new Uri($"http://{new IPEndPoint(host, endpoint.Port)}/"));
    }

    private static string Page()
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Loco.Cluster.Dashboard.dashboard.html")
                              ?? throw new InvalidOperationException("the dashboard page is missing from the assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(stop.Token);
        }
        catch (OperationCanceledException)
        {
        }

        await _app.DisposeAsync();
    }
}
