using System.Runtime.InteropServices;
using Loco.Cluster.Grains;
using Loco.Cluster.Hosting;
using Loco.Cluster.Protocol;
using Loco.Core.Optimizers;
using Loco.Core.Rounds.Reducers;

namespace Loco.Cluster.Tests;

/// <summary>
/// The run and shard grains on one TestingHost silo, driven through the worker's <see cref="ClusterReducer"/> with
/// synthetic pseudo-gradients, against Loco.Core's in-process reducer and outer step as the reference.
/// </summary>
public sealed class ShardProtocolTests
{
    private const int D = 1000;

    private static RunSpec Spec(int workers, string runId = "test") => new()
    {
        RunId = runId,
        Flags = new Dictionary<string, string>(),
        ConfigHash = "none",
        Settings = "{}",
        Layout = ShardLayout.Of(D, 3, 128),
        Workers = workers,
        Rounds = 3,
        InnerSteps = 4,
        ItemsPerWorkerRound = 64,
        OuterKind = nameof(OuterKind.Nesterov),
        OuterForm = nameof(OuterForm.PyTorch),
        OuterLr = 0.7,
        OuterMomentum = 0.9,
        Restart = "every:2",
    };

    private static float[] Vector(int seed)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, D).Select(_ => (float)(rng.NextDouble() * 2 - 1))];
    }

    private static async Task<(IRunGrain Run, BlobRef[] Blobs, float[] Initial)> StartAsync(TestClusters c, RunSpec spec)
    {
        float[] initial = Vector(99);
        BlobRef[] blobs = await RunBootstrap.WriteRoundZeroAsync(c.Store, spec, initial);
        IRunGrain run = c.Client.GetGrain<IRunGrain>(IRunGrain.Key);
        await run.Start(spec, 0, 0, 0, blobs);
        return (run, blobs, initial);
    }

    [Fact]
    public async Task HostileAndRepeatedUploadsNeverReachTheWeightsAndEveryRoundEqualsTheInProcessStep()
    {
        await using TestClusters c = await TestClusters.StartAsync(1);
        string runId = $"metrics-{Guid.NewGuid():N}";
        RunSpec spec = Spec(2, runId);
        // The coordinator's metrics, as any System.Diagnostics.Metrics listener sees them (only this run's: tag "run").
        var measured = new System.Collections.Concurrent.ConcurrentDictionary<string, double>();
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == ClusterMetrics.MeterName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        void Record(System.Diagnostics.Metrics.Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == "run" && (string?)tag.Value == runId)
                {
                    measured.AddOrUpdate(instrument.Name, value, (_, sum) => sum + value);
                }
            }
        }

        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        listener.Start();
        (IRunGrain run, _, float[] initial) = await StartAsync(c, spec);
        Guid incarnation = Guid.NewGuid();
        JoinTicket ticket = await run.Join(incarnation, "test", 2);
        Assert.Equal([0, 1], ticket.Workers);
        var reducer = new ClusterReducer(c.Client, ticket, incarnation, i => (1.0 + i, 2.0 + i));

        OuterOptimizer outer = Outer.Nesterov(0.7, 0.9).WithRestart(2);
        OuterState<float> reference = outer.Init<float>(D), remote = outer.Init<float>(D);
        float[] expected = [.. initial], global = [.. initial];
        IShardGrain shard0 = c.Client.GetGrain<IShardGrain>(0);
        for (int round = 1; round <= 3; round++)
        {
            float[] d0 = Vector(10 * round), d1 = Vector(10 * round + 1);
            byte[] good = MemoryMarshal.AsBytes(d0.AsSpan(0, 128)).ToArray();
            ulong sum = Checksum.Of(good);
            // Hostile or broken chunks: each refused, none counted.
            await Assert.ThrowsAsync<UploadRefusedException>(() => shard0.Upload(round + 1, 0, Guid.NewGuid(), 0, good, sum));
            await Assert.ThrowsAsync<UploadRefusedException>(() => shard0.Upload(round, 0, Guid.NewGuid(), 0, good, sum ^ 1));
            await Assert.ThrowsAsync<UploadRefusedException>(() => shard0.Upload(round, 0, Guid.NewGuid(), 0, good[..^4], Checksum.Of(good[..^4])));
            await Assert.ThrowsAsync<UploadRefusedException>(() => shard0.Upload(round, 7, Guid.NewGuid(), 0, good, sum));
            await Assert.ThrowsAsync<UploadRefusedException>(() => shard0.Upload(round, 0, Guid.NewGuid(), 99, good, sum));
            float[] nan = [.. d0.AsSpan(0, 128)];
            nan[3] = float.NaN;
            byte[] bad = MemoryMarshal.AsBytes(nan.AsSpan()).ToArray();
            await Assert.ThrowsAsync<UploadRefusedException>(() => shard0.Upload(round, 0, Guid.NewGuid(), 0, bad, Checksum.Of(bad)));
            // A stale incarnation's chunk (other values) is replaced by the live incarnation's upload.
            byte[] stale = MemoryMarshal.AsBytes(Vector(-round).AsSpan(0, 128)).ToArray();
            await shard0.Upload(round, 1, Guid.NewGuid(), 0, stale, Checksum.Of(stale));

            // The reference: Loco.Core's in-process reducer and outer step.
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
            // A chunk sent again (a retry) counts once.
            await c.Client.GetGrain<IShardGrain>(2).Upload(round, 1, reducer.Incarnation, 0, Chunk(spec, d1, 2, 0), Checksum.Of(Chunk(spec, d1, 2, 0)));
            reducer.Commit(global, remote);

            Assert.Equal(expected, global);
            Assert.Equal(reference.CompletedRounds, remote.CompletedRounds);
            Assert.Equal(reference.Restarts, remote.Restarts);
            Assert.Equal(reducer.LastCommit!.Restarted, round == 2);
            Assert.Equal((1.0 + 2.0) / 2, reducer.LastCommit.TrainLoss);
        }

        // The momentum never left the shards; the store holds it, equal to the reference's.
        var manifest = (await c.Store.ReadManifestAsync())!;
        Assert.Equal(3, manifest.Round);
        float[] momentum = new float[D];
        foreach (BlobRef blob in manifest.Blobs)
        {
            (int offset, int length) = spec.Layout.Slice(blob.Shard);
            (_, float[] v) = await c.Store.ReadBlobAsync(blob, length);
            v.CopyTo(momentum, offset);
        }

        Assert.Equal(reference.Momentum, momentum);
        Assert.Equal([0, 1], manifest.Contributors);
        Assert.Equal([12L, 12L], manifest.DataPositions);
        Assert.Equal(3, measured["loco.cluster.rounds"]);
        Assert.Equal(3.0 * 2 * 4 * D, measured["loco.cluster.bytes"]);     // 3 rounds, 2 workers, D fp32 values each
        Assert.Equal(2, measured["loco.cluster.workers"]);
        Assert.Equal(1, measured["loco.cluster.momentum_restarts"]);       // every:2 over 3 rounds
        Assert.Equal(3 * 1.5, measured["loco.cluster.train_loss"]);         // the mean of 1 and 2, each round
    }

    private static byte[] Chunk(RunSpec spec, float[] delta, int shard, int chunk)
    {
        (int slice, _) = spec.Layout.Slice(shard);
        (int offset, int length) = spec.Layout.Chunk(shard, chunk);
        return MemoryMarshal.AsBytes(delta.AsSpan(slice + offset, length)).ToArray();
    }

    [Fact]
    public async Task WorkersJoinOnlyIntoFreeSlotsAndNotIntoAFinishedRun()
    {
        await using TestClusters c = await TestClusters.StartAsync(1);
        (IRunGrain run, _, _) = await StartAsync(c, Spec(3));
        Guid a = Guid.NewGuid();
        Assert.Equal(new[] { 0, 1 }, (await run.Join(a, "a", 2)).Workers);
        Assert.Equal(new[] { 0, 1 }, (await run.Join(a, "a", 2)).Workers); // the same incarnation asking again gets the same slots
        Assert.False(await run.AwaitStart(TimeSpan.FromMilliseconds(50)));
        RunRefusedException full = await Assert.ThrowsAsync<RunRefusedException>(() => run.Join(Guid.NewGuid(), "b", 2));
        Assert.Contains("1 free worker slots of 3", full.Message);
        Assert.Equal(new[] { 2 }, (await run.Join(Guid.NewGuid(), "c", 1)).Workers);
        Assert.True(await run.AwaitStart(TimeSpan.FromSeconds(5)));
        Assert.Equal(Membership.Member, await run.Heartbeat(a));
        Assert.Equal(Membership.Unknown, await run.Heartbeat(Guid.NewGuid()));
        await Assert.ThrowsAsync<RunRefusedException>(() => run.Submit(0, Guid.NewGuid(), 1, new WorkerRoundReport(1, 1, 0, 0, 0)));
        await Assert.ThrowsAsync<RunRefusedException>(() => run.Submit(0, a, 2, new WorkerRoundReport(1, 1, 0, 0, 0)));
        await run.Finish();
        RunRefusedException finished = await Assert.ThrowsAsync<RunRefusedException>(() => run.Join(Guid.NewGuid(), "d", 1));
        Assert.Contains("has finished", finished.Message);
        RunStatus status = await run.Status();
        Assert.Equal(3, status.Slots.Length);
        Assert.True(status.Finished);
    }
}
