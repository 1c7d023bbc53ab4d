using Loco.Cluster.Hosting;
using Loco.Cluster.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;

namespace Loco.Cluster.Tests;

/// <summary>An Orleans TestingHost cluster of Loco silos sharing one file store in a temporary folder (removed on dispose).</summary>
internal sealed class TestClusters : IAsyncDisposable
{
    private const string StoreKey = "LocoStoreFolder";

    private TestClusters(TestCluster cluster, string folder)
    {
        Cluster = cluster;
        Folder = folder;
        Store = new FileRunStore(folder);
    }

    public TestCluster Cluster { get; }

    public string Folder { get; }

    /// <summary>The store the silos use (the same folder).</summary>
    public FileRunStore Store { get; }

    public IClusterClient Client => Cluster.Client;

    public static Task<TestClusters> StartAsync(int silos) => StartAsync<ClientSetup>(silos);

    /// <summary>A cluster whose client is also configured by <typeparamref name="TClient"/> (a call filter, say).</summary>
    public static async Task<TestClusters> StartAsync<TClient>(int silos) where TClient : IClientBuilderConfigurator, new()
    {
        string folder = Directory.CreateTempSubdirectory("loco-cluster-test-").FullName;
        var builder = new TestClusterBuilder((short)silos);
        builder.Properties[StoreKey] = folder;
        builder.AddSiloBuilderConfigurator<SiloSetup>();
        builder.AddClientBuilderConfigurator<ClientSetup>();
        if (typeof(TClient) != typeof(ClientSetup))
        {
            builder.AddClientBuilderConfigurator<TClient>();
        }

        TestCluster cluster = builder.Build();
        await cluster.DeployAsync();
        return new TestClusters(cluster, folder);
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        Directory.Delete(Folder, recursive: true);
    }

    private sealed class SiloSetup : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            string folder = silo.Configuration[StoreKey] ?? throw new InvalidOperationException("no store folder");
            CoordinatorSilo.Configure(silo);
            silo.Services.AddSingleton<IRunStore>(new FileRunStore(folder));
        }
    }

    internal sealed class ClientSetup : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder client) => client.Configure<ClientMessagingOptions>(ClusterSettings.Messaging);
    }
}
