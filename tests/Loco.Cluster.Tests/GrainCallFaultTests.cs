using Loco.Cluster.Grains;
using Loco.Cluster.Protocol;
using Loco.Core.Optimizers;
using Loco.Core.Rounds.Reducers;
using Microsoft.Extensions.Configuration;
using Orleans.TestingHost;

namespace Loco.Cluster.Tests;

/// <summary>
/// Uploads on the grain path through a client-side grain call filter that duplicates 10% of them, loses 10% (half
/// before the call reaches the shard, half after, so that only the answer is lost), and delays every one 0–200 ms: three
/// rounds through the worker's <see cref="ClusterReducer"/> give the bits of Loco.Core's in-process reducer and outer step.
/// </summary>
public sealed class GrainCallFaultTests
{
    private const int D = 3000;

    [Fact]
    public async Task DuplicatedLostAndDelayedUploadCallsGiveTheCleanResult()
    {
        FaultyUploads.Reset(seed: 17);
        await using TestClusters c = await TestClusters.StartAsync<FaultyUploads>(1);
        var spec = new RunSpec
        {
            RunId = "faults", Flags = new Dictionary<string, string>(), ConfigHash = "none", Settings = "{}", Layout = ShardLayout.Of(D, 2, 100),
            Workers = 2, Rounds = 3, InnerSteps = 4, ItemsPerWorkerRound = 64, OuterKind = nameof(OuterKind.Nesterov), OuterForm = nameof(OuterForm.PyTorch),
            OuterLr = 0.7, OuterMomentum = 0.9, Restart = "every:2",
        };
        var rng = new Random(3);
        float[] Vector() => [.. Enumerable.Range(0, D).Select(_ => (float)(rng.NextDouble() * 2 - 1))];
        float[] initial = Vector();
        IRunGrain run = c.Client.GetGrain<IRunGrain>(IRunGrain.Key);
        await run.Start(spec, 0, 0, 0, await Hosting.RunBootstrap.WriteRoundZeroAsync(c.Store, spec, initial));
        Guid incarnation = Guid.NewGuid();
        JoinTicket ticket = await run.Join(incarnation, "test", 2);
        var reducer = new ClusterReducer(c.Client, ticket, incarnation, i => (1.0, 1.0));

        OuterOptimizer outer = Outer.Nesterov(0.7, 0.9).WithRestart(2);
        OuterState<float> reference = outer.Init<float>(D), remote = outer.Init<float>(D);
        float[] expected = [.. initial], global = [.. initial];
        for (int round = 1; round <= 3; round++)
        {
            float[] d0 = Vector(), d1 = Vector();
            var inProcess = new InProcessReducer<float>();
            inProcess.Begin(D, 2);
            inProcess.Add(0, d0);
            inProcess.Add(1, d1);
            float[] mean = new float[D];
            inProcess.Mean(mean);
            outer.Step<float>(expected, mean, reference);

            reducer.Begin(D, 2);
            reducer.Add(0, d0);
            reducer.Add(1, d1);
            reducer.Commit(global, remote);
            Assert.Equal(expected, global);
        }

        // 2 workers × 30 chunks × 3 rounds uploads went through the filter; each kind of fault happened.
        Assert.True(FaultyUploads.Duplicated > 0 && FaultyUploads.LostBefore > 0 && FaultyUploads.LostAfter > 0,
            $"duplicated {FaultyUploads.Duplicated}, lost before {FaultyUploads.LostBefore}, lost after {FaultyUploads.LostAfter}");
        Assert.Equal(reference.Momentum, (await ReadMomentumAsync(c, spec)));
    }

    private static async Task<float[]> ReadMomentumAsync(TestClusters c, RunSpec spec)
    {
        Storage.RunManifest manifest = (await c.Store.ReadManifestAsync())!;
        float[] momentum = new float[D];
        foreach (BlobRef blob in manifest.Blobs)
        {
            (int offset, int length) = spec.Layout.Slice(blob.Shard);
            (_, float[] v) = await c.Store.ReadBlobAsync(blob, length);
            v.CopyTo(momentum, offset);
        }

        return momentum;
    }

    /// <summary>The client's outgoing call filter: faults on <see cref="IShardGrain.Upload"/> only, from a seeded generator.</summary>
    internal sealed class FaultyUploads : IClientBuilderConfigurator, IOutgoingGrainCallFilter
    {
        private static readonly Lock Gate = new();
        private static Random _random = new(0);

        public static int Duplicated { get; private set; }

        public static int LostBefore { get; private set; }

        public static int LostAfter { get; private set; }

        public static void Reset(int seed)
        {
            lock (Gate)
            {
                _random = new Random(seed);
                Duplicated = LostBefore = LostAfter = 0;
            }
        }

        public void Configure(IConfiguration configuration, IClientBuilder client) => client.AddOutgoingGrainCallFilter(this);

        public async Task Invoke(IOutgoingGrainCallContext context)
        {
            if (context.InterfaceMethod?.Name != nameof(IShardGrain.Upload))
            {
                await context.Invoke();
                return;
            }

            double draw, delay;
            lock (Gate)
            {
                draw = _random.NextDouble();
                delay = _random.NextDouble() * 200;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(delay));
            if (draw < 0.05)
            {
                lock (Gate) LostBefore++;
                throw new TimeoutException("injected: the request was lost");
            }

            await context.Invoke();
            if (draw < 0.10)
            {
                lock (Gate) LostAfter++;
                throw new TimeoutException("injected: the answer was lost");
            }

            if (draw < 0.20)
            {
                lock (Gate) Duplicated++;
                await context.Invoke(); // the same request, sent again
            }
        }
    }
}
