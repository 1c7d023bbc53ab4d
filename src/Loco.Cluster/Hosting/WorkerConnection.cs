using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Loco.Cluster.Hosting;

/// <summary>An Orleans client connected to a coordinator's gateway (a worker, or <c>loco status</c>).</summary>
public sealed class WorkerConnection : IAsyncDisposable
{
    private readonly IHost _host;

    private WorkerConnection(IHost host, IPEndPoint gateway)
    {
        _host = host;
        Gateway = gateway;
    }

    /// <summary>The coordinator's gateway.</summary>
    public IPEndPoint Gateway { get; }

    /// <summary>Calls the cluster's grains.</summary>
    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();

    /// <summary>
    /// Connects to <paramref name="gateway"/>, retrying for up to <paramref name="wait"/>; a
    /// <see cref="ClusterUnavailableException"/> with a clear message when nothing answers by then. With the cluster's
    /// <paramref name="certificate"/>, the connection is mutual TLS: the gateway must present it, and does not let in a
    /// client that does not.
    /// </summary>
    public static async Task<WorkerConnection> ConnectAsync(IPEndPoint gateway, TimeSpan wait, LogLevel logLevel = LogLevel.Critical,
        CancellationToken cancellationToken = default, Security.ClusterCertificate? certificate = null)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton<IHostLifetime, SignallessLifetime>();
        Logs.Configure(builder.Logging, logLevel);
        builder.UseOrleansClient(c =>
        {
            c.Configure<ClusterOptions>(ClusterSettings.Ids);
            c.UseStaticClustering(gateway);
            c.Configure<ClientMessagingOptions>(ClusterSettings.Messaging);
            if (certificate is not null)
            {
                c.UseTls(certificate.Configure);
            }

            c.UseConnectionRetryFilter(async (_, token) =>
            {
                if (clock.Elapsed >= wait)
                {
                    return false;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(250), token);
                return true;
            });
        });
        IHost host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            host.Dispose();
            throw new ClusterUnavailableException(
                $"no coordinator answered at {gateway} within {wait.TotalSeconds:F0} s ({ex.GetType().Name}). Is `loco coordinator` running there, is the port the one it listens on, " +
                (certificate is null ? "and does it run without --cert (a coordinator with a cluster certificate lets in only processes that present it)?" : $"and does it use the same cluster certificate (--cert; this one's fingerprint is {certificate.Fingerprint[..16]}…)?"), ex);
        }

        return new WorkerConnection(host, gateway);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _host.StopAsync(stop.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            // The coordinator may already be gone.
        }

        _host.Dispose();
    }
}
