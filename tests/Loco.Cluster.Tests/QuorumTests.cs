using System.Runtime.InteropServices;
using Loco.Cluster.Grains;
using Loco.Cluster.Hosting;
using Loco.Cluster.Protocol;
using Loco.Cluster.Storage;
using Loco.Core.Optimizers;
using Loco.Core.Rounds.Reducers;

namespace Loco.Cluster.Tests;

/// <summary>
/// The run grain's quorum rules with real lease expiry (a 1.5 s lease, checked every half second), on one TestingHost
/// silo: a silent worker is dropped; the round commits over the workers that submitted when they are at least
/// <c>--min-workers</c>, and waits otherwise; a dead incarnation's chunks never count, and it cannot submit or come back.
/// The committed weights are checked against Loco.Core's in-process reducer and outer step on exactly the contributors'
/// pseudo-gradients.
/// </summary>
public sealed class QuorumTests
{
    private const int D = 900;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static RunSpec Spec(int minWorkers) => new()
    {
        RunId = $"quorum-{Guid.NewGuid():N}",
        Flags = new Dictionary<string, string>(),
        ConfigHash = "none",
        Settings = "{}",
        Layout = ShardLayout.Of(D, 2, 200),
        Workers = 3,
        Rounds = 2,
        InnerSteps = 4,
        ItemsPerWorkerRound = 64,
        OuterKind = nameof(OuterKind.Nesterov),
        OuterForm = nameof(OuterForm.PyTorch),
        OuterLr = 0.7,
        OuterMomentum = 0.9,
        Restart = "never",
        MinWorkers = minWorkers,
        LeaseSeconds = 1.5,
    };

    private static float[] Vector(int seed)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, D).Select(_ => (float)(rng.NextDouble() * 2 - 1))];
    }

    // Uploads every chunk of worker m's Δ for round r (as the incarnation), then submits; or only the first chunk.
    private static async Task UploadAsync(TestClusters c, RunSpec spec, int m, Guid incarnation, long round, float[] delta, bool submit = true)
    {
        for (int shard = 0; shard < spec.Layout.Shards; shard++)
        {
            (int slice, _) = spec.Layout.Slice(shard);
            for (int chunk = 0; chunk < spec.Layout.ChunkCount(shard); chunk++)
            {
                (int offset, int length) = spec.Layout.Chunk(shard, chunk);
                byte[] bytes = MemoryMarshal.AsBytes(delta.AsSpan(slice + offset, length)).ToArray();
                await c.Client.GetGrain<IShardGrain>(shard).Upload(round, m, incarnation, chunk, bytes, Checksum.Of(bytes));
                if (!submit)
                {
                    return;
                }
            }
        }

        await c.Client.GetGrain<IRunGrain>(IRunGrain.Key).Submit(m, incarnation, round, new WorkerRoundReport(1, 1, 4L * D, 0, 0));
    }

    // The reference: the initial weights after one Nesterov step on the mean of the given Δs (Loco.Core).
    private static float[] Expected(float[] initial, params float[][] deltas) => Expected(initial, [deltas]);

    // The reference over several rounds: a Nesterov step on the mean of each round's Δs, in order.
    private static float[] Expected(float[] initial, float[][][] rounds)
    {
        OuterOptimizer outer = Outer.Nesterov(0.7, 0.9);
        OuterState<float> state = outer.Init<float>(D);
        float[] expected = [.. initial];
        foreach (float[][] deltas in rounds)
        {
            var reducer = new InProcessReducer<float>();
            reducer.Begin(D, deltas.Length);
            for (int m = 0; m < deltas.Length; m++)
            {
                reducer.Add(m, deltas[m]);
            }

            float[] mean = new float[D];
            reducer.Mean(mean);
            outer.Step<float>(expected, mean, state);
        }

        return expected;
    }

    private static async Task<float[]> CommittedAsync(TestClusters c, RunSpec spec)
    {
        RunManifest manifest = (await c.Store.ReadManifestAsync())!;
        float[] global = new float[D];
        foreach (BlobRef blob in manifest.Blobs)
        {
            (int offset, int length) = spec.Layout.Slice(blob.Shard);
            (float[] w, _) = await c.Store.ReadBlobAsync(blob, length);
            w.CopyTo(global, offset);
        }

        return global;
    }

    // Heartbeats for the given incarnations every 300 ms until stopped (the workers that stay alive).
    private static async Task KeepAliveAsync(IRunGrain run, Guid[] alive, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            foreach (Guid g in alive)
            {
                await run.Heartbeat(g);
            }

            await Task.Delay(300, CancellationToken.None);
        }
    }

    [Fact]
    public async Task ASilentWorkerIsDroppedAndTheRoundCommitsOverTheOthersWhenTheyMakeTheQuorum()
    {
        await using TestClusters c = await TestClusters.StartAsync(1);
        RunSpec spec = Spec(minWorkers: 2);
        float[] initial = Vector(99);
        IRunGrain run = c.Client.GetGrain<IRunGrain>(IRunGrain.Key);
        await run.Start(spec, 0, 0, 0, await RunBootstrap.WriteRoundZeroAsync(c.Store, spec, initial));
        Guid a = Guid.NewGuid(), b = Guid.NewGuid(), dead = Guid.NewGuid();
        Assert.Equal(new[] { 0 }, (await run.Join(a, "a", 1)).Workers);
        Assert.Equal(new[] { 1 }, (await run.Join(b, "b", 1)).Workers);
        Assert.Equal(new[] { 2 }, (await run.Join(dead, "c", 1)).Workers);
        using var stop = new CancellationTokenSource();
        Task alive = KeepAliveAsync(run, [a, b], stop.Token);

        float[] d0 = Vector(1), d1 = Vector(2), d2 = Vector(3);
        await UploadAsync(c, spec, 2, dead, 1, d2, submit: false); // the third worker sends one chunk, then dies
        await UploadAsync(c, spec, 0, a, 1, d0);
        await UploadAsync(c, spec, 1, b, 1, d1);
        Assert.Null(await run.AwaitCommit(1, TimeSpan.FromMilliseconds(300))); // worker 2 still holds a lease: the round waits for it

        RoundCommit? commit = await run.AwaitCommit(1, Wait);
        Assert.NotNull(commit);
        Assert.Equal([0, 1], commit.Contributors);
        Assert.Equal(Expected(initial, d0, d1), await CommittedAsync(c, spec));
        RunStatus status = await run.Status();
        Assert.Contains(status.Events, e => e.Contains("worker 2 lost at round 1", StringComparison.Ordinal));
        Assert.False(status.Slots.Single(s => s.Worker == 2).Connected);

        // The dead incarnation is out for good: its heartbeat says so, its submit is refused, it cannot rejoin, and the
        // chunks it still sends (the shards keep uploads per incarnation) do not count in the next round.
        Assert.Equal(Membership.Dropped, await run.Heartbeat(dead));
        await Assert.ThrowsAsync<RunRefusedException>(() => run.Submit(2, dead, 2, new WorkerRoundReport(1, 1, 0, 0, 0)));
        await Assert.ThrowsAsync<RunRefusedException>(() => run.Join(dead, "c", 1));
        float[] e0 = Vector(4), e1 = Vector(5);
        await UploadAsync(c, spec, 2, dead, 2, d2, submit: false);
        await UploadAsync(c, spec, 0, a, 2, e0);
        await UploadAsync(c, spec, 1, b, 2, e1);
        commit = await run.AwaitCommit(2, Wait);
        Assert.NotNull(commit);
        Assert.Equal([0, 1], commit.Contributors);
        Assert.Equal(Expected(initial, [[d0, d1], [e0, e1]]), await CommittedAsync(c, spec));
        stop.Cancel();
        await alive;
    }

    [Fact]
    public async Task BelowTheQuorumTheRoundWaitsAndARejoinedWorkerCompletesItWithoutTheDeadIncarnationsChunks()
    {
        await using TestClusters c = await TestClusters.StartAsync(1);
        RunSpec spec = Spec(minWorkers: 0); // all three
        float[] initial = Vector(98);
        IRunGrain run = c.Client.GetGrain<IRunGrain>(IRunGrain.Key);
        await run.Start(spec, 0, 0, 0, await RunBootstrap.WriteRoundZeroAsync(c.Store, spec, initial));
        Guid a = Guid.NewGuid(), b = Guid.NewGuid(), dead = Guid.NewGuid();
        await run.Join(a, "a", 1);
        await run.Join(b, "b", 1);
        await run.Join(dead, "c", 1);
        using var stop = new CancellationTokenSource();
        Task alive = KeepAliveAsync(run, [a, b], stop.Token);

        float[] d0 = Vector(11), d1 = Vector(12), stale = Vector(13), fresh = Vector(14);
        await UploadAsync(c, spec, 2, dead, 1, stale, submit: false);
        await UploadAsync(c, spec, 0, a, 1, d0);
        await UploadAsync(c, spec, 1, b, 1, d1);

        // The lease runs out; two of three submitted, below the quorum of three: no commit.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!(await run.Status()).Events.Any(e => e.Contains("worker 2 lost", StringComparison.Ordinal)))
        {
            Assert.True(clock.Elapsed < Wait, "worker 2's lease did not expire");
            await Task.Delay(100);
        }

        Assert.Null(await run.AwaitCommit(1, TimeSpan.FromSeconds(2)));

        // A new process takes the free slot (worker 2) and sends its own Δ for the open round: the round commits over
        // all three, with the new Δ and nothing of the dead incarnation's chunk.
        Guid rejoined = Guid.NewGuid();
        JoinTicket ticket = await run.Join(rejoined, "c2", 1);
        Assert.Equal([2], ticket.Workers);
        Assert.Equal(0, ticket.CommittedRound);
        await UploadAsync(c, spec, 2, rejoined, 1, fresh);
        RoundCommit? commit = await run.AwaitCommit(1, Wait);
        Assert.NotNull(commit);
        Assert.Equal([0, 1, 2], commit.Contributors);
        Assert.Equal(Expected(initial, d0, d1, fresh), await CommittedAsync(c, spec));
        stop.Cancel();
        await alive;
    }

    // Uploads every chunk of worker m's Δ in fragment p's shards for round r, then submits that fragment's synchronisation.
    private static async Task UploadFragmentAsync(TestClusters c, RunSpec spec, int p, int sync, int m, Guid incarnation, long round, float[] delta)
    {
        (int first, int count) = spec.Layout.ShardsOf(p);
        for (int shard = first; shard < first + count; shard++)
        {
            (int slice, _) = spec.Layout.Slice(shard);
            for (int chunk = 0; chunk < spec.Layout.ChunkCount(shard); chunk++)
            {
                (int offset, int length) = spec.Layout.Chunk(shard, chunk);
                byte[] bytes = MemoryMarshal.AsBytes(delta.AsSpan(slice + offset, length)).ToArray();
                await c.Client.GetGrain<IShardGrain>(shard).Upload(round, m, incarnation, chunk, bytes, Checksum.Of(bytes));
            }
        }

        await c.Client.GetGrain<IRunGrain>(IRunGrain.Key).SubmitFragment(m, incarnation, round, sync, new WorkerRoundReport(1, 1, 4L * D, 0, 0));
    }

    /// <summary>
    /// Streaming fragments (P = 2, H = 4: fragment 1 synchronises at step 2, fragment 0 at the round's end): the first
    /// fragment commits over all three workers without closing the round; a worker then dies, and the second fragment
    /// commits over the two left (the quorum) when its lease runs out, which closes the round. Each fragment's weights are
    /// Loco.Core's step on the mean of exactly its contributors. A process that asks to join in the middle of the round
    /// enters at its end, into the dead worker's slot.
    /// </summary>
    [Fact]
    public async Task EachFragmentCommitsOverItsOwnContributorsAndAJoinWaitsForTheRoundsEnd()
    {
        await using TestClusters c = await TestClusters.StartAsync(1);
        RunSpec spec = Spec(minWorkers: 2) with { Layout = ShardLayout.Of(D, 3, 200, 1, fragments: 2) };
        Assert.Equal(4, spec.Layout.Shards); // ⌈3/2⌉ = 2 shards in each fragment
        float[] initial = Vector(97);
        IRunGrain run = c.Client.GetGrain<IRunGrain>(IRunGrain.Key);
        await run.Start(spec, 0, 0, 0, await RunBootstrap.WriteRoundZeroAsync(c.Store, spec, initial));
        Guid a = Guid.NewGuid(), b = Guid.NewGuid(), dead = Guid.NewGuid();
        await run.Join(a, "a", 1);
        await run.Join(b, "b", 1);
        await run.Join(dead, "c", 1);
        using var stop = new CancellationTokenSource();
        Task alive = KeepAliveAsync(run, [a, b, dead], stop.Token);

        // A fragmented run takes fragments, not whole rounds; and only the open fragment.
        await Assert.ThrowsAsync<RunRefusedException>(() => run.Submit(0, a, 1, new WorkerRoundReport(1, 1, 0, 0, 0)));
        await Assert.ThrowsAsync<RunRefusedException>(() => run.SubmitFragment(0, a, 1, 1, new WorkerRoundReport(1, 1, 0, 0, 0)));

        float[] d0 = Vector(21), d1 = Vector(22), d2 = Vector(23);
        foreach ((int m, Guid g, float[] d) in new[] { (0, a, d0), (1, b, d1), (2, dead, d2) })
        {
            await UploadFragmentAsync(c, spec, 1, 0, m, g, 1, d);
        }

        Assert.True(await run.AwaitFragment(1, 0, Wait));
        Assert.Null(await run.AwaitCommit(1, TimeSpan.FromMilliseconds(300))); // fragment 0 has not synchronised: the round is open

        // Worker 2 dies (no more heartbeats); a new process asks to join now, in the middle of the round.
        stop.Cancel();
        await alive;
        using var stop2 = new CancellationTokenSource();
        alive = KeepAliveAsync(run, [a, b], stop2.Token);
        Guid fresh = Guid.NewGuid();
        Task<JoinTicket> join = run.Join(fresh, "d", 1);
        await UploadFragmentAsync(c, spec, 0, 1, 0, a, 1, d0);
        await UploadFragmentAsync(c, spec, 0, 1, 1, b, 1, d1);
        Assert.False(join.IsCompleted);

        RoundCommit? commit = await run.AwaitCommit(1, Wait);
        Assert.NotNull(commit);
        Assert.Equal([0, 1], commit.Contributors);
        float[] all = Expected(initial, d0, d1, d2), two = Expected(initial, d0, d1), committed = await CommittedAsync(c, spec);
        int split = spec.Layout.FragmentStart(1);
        Assert.Equal(two[..split], committed[..split]);
        Assert.Equal(all[split..], committed[split..]);
        Assert.NotEqual(two[split..], committed[split..]);

        JoinTicket ticket = await join.WaitAsync(Wait);
        Assert.Equal([2], ticket.Workers);
        Assert.Equal(1, ticket.CommittedRound);
        stop2.Cancel();
        await alive;
    }
}
