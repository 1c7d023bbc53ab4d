using System.Net;
using Loco.Cluster.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using StackExchange.Redis;

namespace Loco.Cluster.Hosting;

/// <summary>
/// The coordinator's silo: it hosts the run grain and the shard grains, listens for workers (Orleans clients) on the
/// gateway endpoint, and keeps membership either in process (one silo, the embedded default) or in Redis (Orleans'
/// Redis clustering, so that more silos can join).
/// </summary>
public sealed class CoordinatorSilo : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly DataPlane.DataPlaneServer? _data;

    private CoordinatorSilo(IHost host, IPEndPoint gateway, DataPlane.DataPlaneServer? data)
    {
        _host = host;
        Gateway = gateway;
        _data = data;
    }

    /// <summary>Where workers join.</summary>
    public IPEndPoint Gateway { get; }

    /// <summary>The port of the data plane (0: none).</summary>
    public int DataPort => _data?.Endpoint.Port ?? 0;

    /// <summary>Calls grains from inside the silo.</summary>
    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    /// <summary>
    /// Starts a silo whose gateway listens on <paramref name="gateway"/> and whose silo-to-silo port is
    /// <paramref name="siloPort"/> (0: the gateway's port + 1), with membership in Redis when <paramref name="redis"/>
    /// is given; grains keep their state through <paramref name="store"/>. The data plane listens on the gateway's
    /// address and <paramref name="dataPort"/> (0: the gateway's port + 2; -1: no data plane, chunks as grain calls).
    /// With a <paramref name="certificate"/>, every connection (gateway, silo to silo, data plane) is mutual TLS with it.
    /// </summary>
    public static async Task<CoordinatorSilo> StartAsync(IPEndPoint gateway, IRunStore store, string? redis = null, int siloPort = 0,
        LogLevel logLevel = LogLevel.Warning, CancellationToken cancellationToken = default, int dataPort = 0,
        Security.ClusterCertificate? certificate = null)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        ArgumentNullException.ThrowIfNull(store);
        int silo = siloPort > 0 ? siloPort : gateway.Port + 1;
        IPAddress advertised = gateway.Address.Equals(IPAddress.Any) ? IPAddress.Loopback : gateway.Address;
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton<IHostLifetime, SignallessLifetime>();
        Logs.Configure(builder.Logging, logLevel);
        builder.UseOrleans(s =>
        {
            s.Configure<ClusterOptions>(ClusterSettings.Ids);
            s.Configure<EndpointOptions>(o =>
            {
                o.AdvertisedIPAddress = advertised;
                o.SiloPort = silo;
                o.GatewayPort = gateway.Port;
                o.SiloListeningEndpoint = new IPEndPoint(gateway.Address, silo);
                o.GatewayListeningEndpoint = gateway;
            });
            if (redis is null)
            {
                s.UseDevelopmentClustering(new IPEndPoint(advertised, silo));
            }
            else
            {
                s.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(redis));
            }

            s.Services.AddSingleton(store);
            if (certificate is not null)
            {
                s.UseTls(certificate.Configure);
            }

            Configure(s);
        });
        IHost host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            host.Dispose();
            throw new ClusterUnavailableException($"the coordinator could not start on {gateway} (silo port {silo}): {ex.Message}", ex);
        }

        DataPlane.DataPlaneServer? data = null;
        if (dataPort >= 0)
        {
            var endpoint = new IPEndPoint(gateway.Address, dataPort > 0 ? dataPort : gateway.Port + 2);
            try
            {
                data = new DataPlane.DataPlaneServer(endpoint, host.Services.GetRequiredService<IGrainFactory>(),
                    host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Loco.Cluster.DataPlane"), ClusterSettings.MaxMessageBodySize, certificate);
            }
            catch (System.Net.Sockets.SocketException ex)
            {
                await host.StopAsync(CancellationToken.None);
                host.Dispose();
                throw new ClusterUnavailableException($"the coordinator's data plane could not listen on {endpoint}: {ex.Message}", ex);
            }
        }

        return new CoordinatorSilo(host, gateway, data);
    }

    /// <summary>What every silo of a Loco cluster needs besides its endpoints, clustering and store (also used by tests on Orleans' TestingHost).</summary>
    public static void Configure(ISiloBuilder silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Configure<SiloMessagingOptions>(ClusterSettings.Messaging);
        // The shards hold the weights in memory between rounds that may be far apart: never collect them when idle.
        silo.Configure<GrainCollectionOptions>(o => o.CollectionAge = TimeSpan.FromDays(365));
        silo.Services.AddPlacementDirector<Placement.SpreadShardsPlacement, Placement.SpreadShardsPlacementDirector>();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_data is not null)
        {
            await _data.DisposeAsync();
        }

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _host.StopAsync(stop.Token);
        }
        catch (OperationCanceledException)
        {
            // A stop that overruns ends with the process.
        }

        _host.Dispose();
    }
}
