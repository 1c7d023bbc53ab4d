using System.Diagnostics;
using System.Runtime.InteropServices;
using Loco.Cluster.Grains;
using Loco.Cluster.Protocol;
using Loco.Core.Optimizers;
using Loco.Core.Rounds.Reducers;

namespace Loco.Cluster;

/// <summary>
/// A worker process's side of the cluster, to Loco.Core a reducer whose outer step is taken elsewhere
/// (<see cref="IRemoteOuterStep{T}"/>): <see cref="Add"/> cuts the worker's Δ_m into chunks and uploads them to the
/// shards (fp32 bytes, checksummed, keyed by round, worker, incarnation and chunk); <see cref="Commit"/> tells the
/// coordinator, waits for the round's commit and downloads the new global weights. Nothing in Loco.Core or Loco.Torch
/// knows Orleans: the round and the training loop are the in-process ones.
/// </summary>
public sealed class ClusterReducer : IRemoteOuterStep<float>, ICountsBytes
{
    private readonly IGrainFactory _grains;
    private readonly DataPlane.DataPlaneClient? _data;
    private byte[] _staging = [];
    private byte[] _landing = [];
    private readonly IRunGrain _run;
    private readonly Func<int, (double RoundMeanLoss, double LastLoss)> _losses;
    private readonly Stopwatch _sinceCommit = Stopwatch.StartNew();
    private long _round;
    private int _added = -1;
    private double _uploadSeconds;
    private long _bytes;
    private double _computeSeconds;

    /// <summary>The reducer of the process's workers <paramref name="ticket"/>.Workers (incarnation <paramref name="incarnation"/>).</summary>
    /// <param name="grains">The connection's grain factory.</param>
    /// <param name="ticket">What the coordinator assigned.</param>
    /// <param name="incarnation">This process's incarnation.</param>
    /// <param name="losses">The round-mean and last losses of the local worker with the given position (0 = the first of
    /// <see cref="JoinTicket.Workers"/>), read when the round is submitted.</param>
    /// <param name="data">The coordinator's data plane, which carries the chunks; null: they travel as grain calls.</param>
    public ClusterReducer(IGrainFactory grains, JoinTicket ticket, Guid incarnation, Func<int, (double RoundMeanLoss, double LastLoss)> losses,
        DataPlane.DataPlaneClient? data = null)
    {
        _data = data;
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(ticket);
        ArgumentNullException.ThrowIfNull(losses);
        _grains = grains;
        _run = grains.GetGrain<IRunGrain>(IRunGrain.Key);
        Ticket = ticket;
        Incarnation = incarnation;
        _losses = losses;
        _round = ticket.CommittedRound;
    }

    /// <summary>The worker's ticket (renewed when it rejoins a coordinator that restarted).</summary>
    public JoinTicket Ticket { get; private set; }

    /// <summary>
    /// The local workers' states by round, for redoing a round after the coordinator restarted; null: such a restart
    /// ends the worker.
    /// </summary>
    public WorkerSnapshots? Snapshots { get; init; }

    /// <summary>How long to keep trying to reach a coordinator that went away.</summary>
    public TimeSpan ReconnectWait { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The host name given when rejoining.</summary>
    public string Host { get; init; } = Environment.MachineName;

    private bool _lost;

    /// <summary>This process's incarnation.</summary>
    public Guid Incarnation { get; }

    /// <summary>The last commit this worker saw.</summary>
    public RoundCommit? LastCommit { get; private set; }

    /// <summary>
    /// Where to write each round's pseudo-gradients (<c>delta-r{round}-w{worker}.bin</c>) and committed global weights
    /// (<c>global-r{round}-w{worker}.bin</c>, by the process's first worker), raw fp32; null: nowhere. For checking a run from outside (<c>loco worker --dump</c>).
    /// </summary>
    public string? DumpFolder { get; init; }

    /// <summary>
    /// Fault injection for tests (<c>LOCO_FAULT_STALL_UPLOAD=R</c> in the environment of <c>loco worker</c>): in round
    /// R the worker sends its first chunk, says so on <see cref="FaultLog"/>, and stalls (heartbeats go on) until it is
    /// killed, so that a test can kill a worker in the middle of its upload. 0: never.
    /// </summary>
    public long StallUploadInRound { get; init; }

    /// <summary>Where the fault injection says what it does.</summary>
    public TextWriter? FaultLog { get; init; }

    /// <summary>The run's seed, which stochastic rounding's draws are keyed by (with the round and the worker), as in process.</summary>
    public ulong CodecSeed { get; init; } = 1;

    private Loco.Core.Codecs.ICodec? _codec;
    private byte[] _encoded = [];
    private int[][] _chunkBytes = [];
    private float[] _values = [];
    private float[] _decoded = [];
    private float[][]? _residuals;
    private readonly SortedDictionary<long, float[][]> _residualsByRound = [];

    /// <summary>
    /// Error feedback (with a lossy codec): each local worker keeps what the codec lost and adds it to its next Δ, as
    /// <see cref="Loco.Core.Codecs.CompressingReducer{T}"/> does in process; the residuals roll back with the rest of the
    /// worker's state when the coordinator resumes at an earlier round.
    /// </summary>
    public bool ErrorFeedback { get; init; }

    /// <summary>Payload bytes uploaded over the run.</summary>
    public long BytesSent { get; private set; }

    /// <summary>Where the time of the last round went: compute (inner steps), upload, waiting for the commit (the others and the reduce), download.</summary>
    public (double Compute, double Upload, double Wait, double Download) LastRoundSeconds { get; private set; }

    private ShardLayout Layout => Ticket.Spec.Layout;

    /// <inheritdoc />
    public void Begin(int dimension, int localWorkers)
    {
        if (Layout.Fragments > 1)
        {
            throw new InvalidOperationException($"this run streams {Layout.Fragments} fragments: the round reduces each with BeginSlice.");
        }

        Open(-1, dimension, localWorkers);
    }

    /// <inheritdoc />
    /// <remarks>A slice must be one of the run's fragments (<see cref="ShardLayout.FragmentStart"/>); its chunks go to that fragment's shards.</remarks>
    public void BeginSlice(int start, int length, int dimension, int localWorkers)
    {
        int p = FragmentAt(start);
        if (Layout.FragmentStart(p + 1) - start != length)
        {
            throw new InvalidOperationException($"the slice [{start}, {start + length}) is not fragment {p} of the run's {Layout.Fragments}.");
        }

        Open(p, dimension, localWorkers);
    }

    // The fragment that starts at `start`.
    private int FragmentAt(int start)
    {
        for (int p = 0; p < Layout.Fragments; p++)
        {
            if (Layout.FragmentStart(p) == start)
            {
                return p;
            }
        }

        throw new InvalidOperationException($"no fragment of the run's {Layout.Fragments} starts at weight {start}.");
    }

    private void Open(int fragment, int dimension, int localWorkers)
    {
        if (dimension != Layout.Dimension)
        {
            throw new InvalidOperationException($"this worker's model has {dimension} weights; the run's has {Layout.Dimension}.");
        }

        if (localWorkers != Ticket.Workers.Length)
        {
            throw new InvalidOperationException($"this process holds workers [{string.Join(", ", Ticket.Workers)}] of the run; the round has {localWorkers}.");
        }

        _fragment = fragment;
        _added = 0;
        _uploadSeconds = 0;
        _bytes = 0;
        _computeSeconds = _sinceCommit.Elapsed.TotalSeconds;
    }

    private int _fragment = -1;

    // The fragments in the order they synchronise within a round (one fragment: [0]).
    private int[] Order => _order ??= new Loco.Core.Rounds.FragmentSchedule(Layout.Fragments).SyncOrder(Ticket.Spec.InnerSteps);

    private int[]? _order;

    /// <inheritdoc />
    public void Add(int worker, ReadOnlySpan<float> pseudoGradient)
    {
        if (_added != worker || worker >= Ticket.Workers.Length)
        {
            throw new InvalidOperationException($"Add each local worker once per round, in order, after Begin (expected local worker {_added}, got {worker}).");
        }

        if (_lost)
        {
            // A synchronisation of this round already failed: nothing more is sent until the round's end rejoins (a
            // coordinator that came back meanwhile would otherwise keep these chunks, and a chunk counts once, for the redone round).
            _added++;
            return;
        }

        var clock = Stopwatch.StartNew();
        long round = _round + 1;
        int m = Ticket.Workers[worker];
        // The whole vector, or one fragment of it: its first weight and its shards.
        int at = _fragment < 0 ? 0 : Layout.FragmentStart(_fragment), n = pseudoGradient.Length;
        (int firstShard, int shards) = _fragment < 0 ? (0, Layout.Shards) : Layout.ShardsOf(_fragment);
        if ((_fragment >= 0 && Layout.FragmentStart(_fragment + 1) - at != n) || (_fragment < 0 && n != Layout.Dimension))
        {
            throw new ArgumentException($"a pseudo-gradient of {n} entries for {(_fragment < 0 ? "the round" : $"fragment {_fragment}")}.", nameof(pseudoGradient));
        }

        // Copy the Δ_m's bytes once (the span is only valid during this call) into a buffer of the whole vector kept across
        // rounds, at the slice's place, then send the shards' chunks, slices of it, in parallel.
        if (_staging.Length != 4 * Layout.Dimension)
        {
            _staging = GC.AllocateUninitializedArray<byte>(4 * Layout.Dimension);
        }

        MemoryMarshal.AsBytes(pseudoGradient).CopyTo(_staging.AsSpan(4 * at));
        if (DumpFolder is string dump)
        {
            string name = _fragment < 0 ? $"delta-r{round}-w{m}.bin" : $"delta-r{round}-f{_fragment}-w{m}.bin";
            File.WriteAllBytes(Path.Combine(dump, name), _staging.AsSpan(4 * at, 4 * n).ToArray());
        }

        if (StallUploadInRound == round && _fragment < 0)
        {
            (int first, int length) = Layout.Chunk(0, 0);
            SendAsync(0, round, m, [(0, _staging.AsMemory(4 * first, 4 * length))]).GetAwaiter().GetResult();
            FaultLog?.WriteLine($"loco worker {m}: stalling in the upload of round {round} after its first chunk (LOCO_FAULT_STALL_UPLOAD)");
            FaultLog?.Flush();
            Thread.Sleep(TimeSpan.FromMinutes(10));
        }

        var uploads = new List<Task>();
        long bytes = 0;
        bool compressed = Ticket.Spec.Codec != "fp32";
        if (compressed)
        {
            // Stochastic rounding's draws are keyed as in process: by the reducer's count of synchronisations (one per
            // round, or one per fragment), the worker and the weight's index.
            long sync = _fragment < 0 ? round : (round - 1) * Order.Length + Array.IndexOf(Order, _fragment) + 1;
            ulong seed = Loco.Core.Codecs.UnitNoise.Seed(CodecSeed, sync, m);
            if (!ErrorFeedback)
            {
                EncodeChunks(MemoryMarshal.Cast<byte, float>(_staging.AsSpan()), seed, firstShard, shards);
            }
            else
            {
                // v = Δ + e (in fp32, as in process); send v; e ← v − decode(encode(v)), chunk by chunk.
                int d = Layout.Dimension;
                _residuals ??= [.. Enumerable.Range(0, Ticket.Workers.Length).Select(_ => new float[d])];
                Span<float> residual = _residuals[worker].AsSpan(at, n);
                if (_values.Length != d)
                {
                    _values = new float[d];
                    _decoded = new float[d];
                }

                Span<float> values = _values.AsSpan(at, n), decoded = _decoded.AsSpan(at, n);
                for (int i = 0; i < n; i++)
                {
                    values[i] = pseudoGradient[i] + residual[i];
                }

                EncodeChunks(_values, seed, firstShard, shards);
                DecodeChunks(_decoded, firstShard, shards);
                for (int i = 0; i < n; i++)
                {
                    residual[i] = pseudoGradient[i] + residual[i] - decoded[i];
                }
            }
        }

        for (int k = firstShard; k < firstShard + shards; k++)
        {
            (int sliceOffset, _) = Layout.Slice(k);
            var chunks = new List<(int Chunk, ReadOnlyMemory<byte> Payload)>();
            for (int c = 0; c < Layout.ChunkCount(k); c++)
            {
                (int offset, int length) = Layout.Chunk(k, c);
                ReadOnlyMemory<byte> payload = compressed
                    ? _encoded.AsMemory(_chunkBytes[k][c], _codec!.EncodedBytes(length))
                    : _staging.AsMemory(4 * (sliceOffset + offset), 4 * length);
                chunks.Add((c, payload));
                bytes += payload.Length;
            }

            uploads.Add(SendAsync(k, round, m, chunks));
        }

        try
        {
            Task.WhenAll(uploads).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (Snapshots is not null && Transient(ex))
        {
            // The coordinator went away (or came back at another round): Commit (or EndRound) rejoins and redoes the round.
            FaultLog?.WriteLine($"loco worker {m}: the upload of round {round} failed ({ex.GetType().Name}: {First(ex.Message)}); rejoining.");
            _lost = true;
        }

        _uploadSeconds += clock.Elapsed.TotalSeconds;
        _bytes += bytes;
        BytesSent += bytes;
        LastRoundSeconds = (_computeSeconds, _uploadSeconds, 0, 0);
        _added++;
    }

    // Encodes the chunks of shards [first, first + count) of `delta` (the whole vector, indexed by weight) with the run's
    // codec into one buffer kept across rounds: each chunk on its own, keyed by its first weight's index in the whole
    // vector, so that (the layout aligning chunks to the codec's blocks, from the start of the vector or of the fragment)
    // the bytes decode to what the in-process codec gives.
    private void EncodeChunks(ReadOnlySpan<float> delta, ulong seed, int firstShard, int shards)
    {
        if (_codec is null)
        {
            _codec = Ticket.Spec.CodecSpec.Create();
            _chunkBytes = new int[Layout.Shards][];
            int total = 0;
            for (int k = 0; k < Layout.Shards; k++)
            {
                _chunkBytes[k] = new int[Layout.ChunkCount(k)];
                for (int c = 0; c < Layout.ChunkCount(k); c++)
                {
                    _chunkBytes[k][c] = total;
                    total += _codec.EncodedBytes(Layout.Chunk(k, c).Length);
                }
            }

            _encoded = GC.AllocateUninitializedArray<byte>(total);
        }

        for (int k = firstShard; k < firstShard + shards; k++)
        {
            (int sliceOffset, _) = Layout.Slice(k);
            for (int c = 0; c < Layout.ChunkCount(k); c++)
            {
                (int offset, int length) = Layout.Chunk(k, c);
                int first = sliceOffset + offset;
                _codec.Encode(delta.Slice(first, length), _encoded.AsSpan(_chunkBytes[k][c], _codec.EncodedBytes(length)), seed, first);
            }
        }
    }

    // Decodes what EncodeChunks wrote for shards [first, first + count), as the shards will.
    private void DecodeChunks(Span<float> destination, int firstShard, int shards)
    {
        for (int k = firstShard; k < firstShard + shards; k++)
        {
            (int sliceOffset, _) = Layout.Slice(k);
            for (int c = 0; c < Layout.ChunkCount(k); c++)
            {
                (int offset, int length) = Layout.Chunk(k, c);
                _codec!.Decode(_encoded.AsSpan(_chunkBytes[k][c], _codec.EncodedBytes(length)), destination.Slice(sliceOffset + offset, length));
            }
        }
    }

    // Chunks go out with up to InFlight calls outstanding over all shards (measured: several calls in flight move 1–4 MB
    // chunks 30–70% faster on loopback than one at a time).
    private async Task SendAsync(int shard, long round, int worker, List<(int Chunk, ReadOnlyMemory<byte> Payload)> chunks)
    {
        IShardGrain grain = _grains.GetGrain<IShardGrain>(shard);
        await Task.WhenAll(chunks.Select(async c =>
        {
            await _inFlight.WaitAsync();
            try
            {
                ulong checksum = Checksum.Of(c.Payload.Span);
                if (_data is null)
                {
                    // A call lost on the way, or whose answer was, is sent again (chunks are idempotent), as on the data plane.
                    byte[] payload = c.Payload.ToArray();
                    for (int attempt = 1; ; attempt++)
                    {
                        try
                        {
                            await grain.Upload(round, worker, Incarnation, c.Chunk, payload, checksum);
                            break;
                        }
                        catch (TimeoutException) when (attempt < DataPlane.DataPlaneClient.Attempts)
                        {
                            await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt));
                        }
                    }
                }
                else
                {
                    await _data.UploadAsync(new DataPlane.DataFrame(DataPlane.DataKind.Upload, shard, c.Chunk, worker, round, Incarnation, c.Payload.Length, checksum), c.Payload);
                }
            }
            finally
            {
                _inFlight.Release();
            }
        }));
    }

    /// <summary>Upload calls outstanding at once.</summary>
    public const int InFlight = 4;

    private readonly SemaphoreSlim _inFlight = new(InFlight, InFlight);

    /// <inheritdoc />
    public void Mean(Span<float> destination) =>
        throw new InvalidOperationException("The cluster takes the outer step on its shards: the round calls Commit, not Mean.");

    /// <inheritdoc />
    public void Commit(Span<float> global, OuterState<float> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (_added != Ticket.Workers.Length)
        {
            throw new InvalidOperationException("Commit after every local worker's Add.");
        }

        long round = _round + 1;
        var clock = Stopwatch.StartNew();
        int local = Ticket.Workers.Length;
        Snapshots?.Take(round);
        KeepResiduals(round);

        RoundCommit? commit = null;
        try
        {
            if (_lost)
            {
                throw new RunRefusedException("the upload did not reach the shards.");
            }

            for (int i = 0; i < local; i++)
            {
                (double mean, double last) = _losses(i);
                _run.Submit(Ticket.Workers[i], Incarnation, round, new WorkerRoundReport(mean, last, _bytes / local, _computeSeconds / local, _uploadSeconds / local))
                    .GetAwaiter().GetResult();
            }

            while (commit is null)
            {
                commit = _run.AwaitCommit(round, TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
            }

            clock.Restart();
            Download(round, global);
        }
        catch (Exception ex) when (Snapshots is not null && Transient(ex))
        {
            FaultLog?.WriteLine($"loco worker {string.Join(",", Ticket.Workers)}: round {round} did not commit ({ex.GetType().Name}: {First(ex.Message)}); rejoining.");
            Rejoin(global, state);
            return;
        }

        double wait = clock.Elapsed.TotalSeconds;
        clock.Restart();
        Accept(round, commit, global, state);
        LastRoundSeconds = LastRoundSeconds with { Wait = wait, Download = clock.Elapsed.TotalSeconds };
        _sinceCommit.Restart();
    }

    private async Task Fetch(IShardGrain shard, int k, int chunk, long round, Memory<byte> destination)
    {
        await _inFlight.WaitAsync();
        try
        {
            if (_data is null)
            {
                byte[] bytes = (await shard.Download(round, chunk)).Value;
                if (bytes.Length != destination.Length)
                {
                    throw new InvalidDataException($"shard {k} sent {bytes.Length} bytes for chunk {chunk} of {destination.Length}.");
                }

                bytes.CopyTo(destination);
            }
            else
            {
                await _data.DownloadAsync(new DataPlane.DataFrame(DataPlane.DataKind.Download, k, chunk, 0, round, Incarnation, 0, 0), destination);
            }
        }
        finally
        {
            _inFlight.Release();
        }
    }

    // What a restarted or vanished coordinator looks like from here: a broken connection or call, or a coordinator that
    // does not know this process (it resumed from its manifest). Refusals that are final (dropped, finished) are not.
    private static bool Transient(Exception ex) => ex switch
    {
        RunRefusedException r => !r.Message.Contains("was dropped", StringComparison.Ordinal) && !r.Message.Contains("has finished", StringComparison.Ordinal)
                                 && !r.Message.Contains("has stopped", StringComparison.Ordinal),
        UploadRefusedException u => u.Message.Contains("is open", StringComparison.Ordinal),
        AggregateException a => a.InnerExceptions.All(Transient),
        _ => ex is not (ArgumentException or InvalidDataException),
    };

    private static string First(string message) => message.Split('\n')[0];

    // The coordinator restarted (or the connection broke): join again, into the same slots, until it answers; roll the
    // local workers back to the state at the round it resumed from, take that round's weights, and let the training
    // loop redo the rounds after it.
    private void Rejoin(Span<float> global, OuterState<float> state)
    {
        var clock = Stopwatch.StartNew();
        Exception? last = null;
        while (clock.Elapsed < ReconnectWait)
        {
            try
            {
                JoinTicket ticket = _run.Join(Incarnation, Host, Ticket.Workers.Length, Ticket.Workers).GetAwaiter().GetResult();
                if (!ticket.Workers.SequenceEqual(Ticket.Workers))
                {
                    throw new RunRefusedException($"rejoined as workers [{string.Join(", ", ticket.Workers)}], not [{string.Join(", ", Ticket.Workers)}].");
                }

                long round = ticket.CommittedRound;
                if (!Snapshots!.TryRestore(round))
                {
                    throw new InvalidOperationException(
                        $"the coordinator resumed at round {round}, but this worker can go back only to rounds {string.Join(", ", Snapshots.Rounds)}; start it again.");
                }

                if (_residuals is not null)
                {
                    // The residuals as they stood after that round's upload (none kept: the worker had not sent one yet).
                    _residuals = _residualsByRound.TryGetValue(round, out float[][]? kept)
                        ? [.. kept.Select(r => (float[])r.Clone())]
                        : [.. _residuals.Select(r => new float[r.Length])];
                    foreach (long later in _residualsByRound.Keys.Where(r => r > round).ToArray())
                    {
                        _residualsByRound.Remove(later);
                    }
                }

                Download(round, global);
                state.Restore(round, ticket.RoundsSinceRestart, ticket.Restarts);
                Ticket = ticket;
                _round = round;
                _added = -1;
                _lost = false;
                FaultLog?.WriteLine($"loco worker {string.Join(",", Ticket.Workers)}: rejoined; the coordinator resumed at round {round}, redoing round {round + 1}.");
                return;
            }
            catch (Exception ex) when (Transient(ex) && ex is not InvalidOperationException)
            {
                last = ex;
                Thread.Sleep(TimeSpan.FromSeconds(1));
            }
        }

        throw new RunRefusedException($"the coordinator did not come back within {ReconnectWait.TotalSeconds:F0} s ({last?.GetType().Name}: {First(last?.Message ?? "")}).");
    }

    /// <summary>Downloads the global weights after committed round <paramref name="round"/> into <paramref name="global"/>.</summary>
    public void Download(long round, Span<float> global)
    {
        if (global.Length != Layout.Dimension)
        {
            throw new ArgumentException($"The weights have {global.Length} entries; the run has {Layout.Dimension}.", nameof(global));
        }

        DownloadShards(round, 0, Layout.Shards, global);
    }

    // Downloads shards [first, first + count) (contiguous weights from the first's slice on) after committed round `round`
    // into `destination`, which holds exactly those weights.
    private void DownloadShards(long round, int firstShard, int shards, Span<float> destination)
    {
        // Every chunk lands in a byte buffer of the whole vector kept across rounds (at its place in the flat weights),
        // then one copy.
        if (_landing.Length != 4 * Layout.Dimension)
        {
            _landing = GC.AllocateUninitializedArray<byte>(4 * Layout.Dimension);
        }

        int from = Layout.Slice(firstShard).Offset;
        var parts = new List<Task>();
        for (int k = firstShard; k < firstShard + shards; k++)
        {
            (int sliceOffset, _) = Layout.Slice(k);
            IShardGrain shard = _grains.GetGrain<IShardGrain>(k);
            for (int c = 0; c < Layout.ChunkCount(k); c++)
            {
                (int offset, int length) = Layout.Chunk(k, c);
                parts.Add(Fetch(shard, k, c, round, _landing.AsMemory(4 * (sliceOffset + offset), 4 * length)));
            }
        }

        Task.WhenAll(parts).GetAwaiter().GetResult();
        MemoryMarshal.Cast<byte, float>(_landing.AsSpan()).Slice(from, destination.Length).CopyTo(destination);
        _sinceCommit.Restart();
    }

    // Streaming fragments: which synchronisation of which round each fragment has submitted and not yet fetched.
    private readonly Dictionary<int, (long Round, int Sync)> _pending = [];

    /// <inheritdoc />
    /// <remarks>Tells the coordinator that every local worker's chunks of the open fragment are with its shards; the
    /// fragment commits once every live participant's are.</remarks>
    public void SubmitSlice()
    {
        if (_fragment < 0 || _added != Ticket.Workers.Length)
        {
            throw new InvalidOperationException("SubmitSlice after BeginSlice and every local worker's Add.");
        }

        long round = _round + 1;
        int sync = Array.IndexOf(Order, _fragment), local = Ticket.Workers.Length;
        if (!_lost)
        {
            try
            {
                for (int i = 0; i < local; i++)
                {
                    (double mean, double last) = _losses(i);
                    _run.SubmitFragment(Ticket.Workers[i], Incarnation, round, sync,
                        new WorkerRoundReport(mean, last, _bytes / local, _computeSeconds / local, _uploadSeconds / local)).GetAwaiter().GetResult();
                }
            }
            catch (Exception ex) when (Snapshots is not null && Transient(ex))
            {
                FaultLog?.WriteLine($"loco worker {string.Join(",", Ticket.Workers)}: fragment {_fragment} of round {round} was not taken ({ex.GetType().Name}: {First(ex.Message)}); rejoining at the round's end.");
                _lost = true;
            }
        }

        _pending[_fragment] = (round, sync);
        _added = -1;
    }

    /// <inheritdoc />
    public void FetchSlice(int start, Span<float> global)
    {
        int p = FragmentAt(start);
        if (!_pending.Remove(p, out (long Round, int Sync) at) || _lost)
        {
            return;
        }

        var clock = Stopwatch.StartNew();
        try
        {
            while (!_run.AwaitFragment(at.Round, at.Sync, TimeSpan.FromSeconds(5)).GetAwaiter().GetResult())
            {
            }

            double wait = clock.Elapsed.TotalSeconds;
            clock.Restart();
            (int first, int count) = Layout.ShardsOf(p);
            DownloadShards(at.Round, first, count, global);
            LastRoundSeconds = LastRoundSeconds with { Wait = LastRoundSeconds.Wait + wait, Download = LastRoundSeconds.Download + clock.Elapsed.TotalSeconds };
        }
        catch (Exception ex) when (Snapshots is not null && Transient(ex))
        {
            FaultLog?.WriteLine($"loco worker {string.Join(",", Ticket.Workers)}: fragment {p} of round {at.Round} did not commit ({ex.GetType().Name}: {First(ex.Message)}); rejoining at the round's end.");
            _lost = true;
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Keeps the workers' state (with their fast weights, which fragments carry from round to round) and the error
    /// feedback's residuals as the state the next round starts from, then waits for the round's commit. When a
    /// synchronisation failed (the coordinator went away), it rejoins and puts back the round the coordinator resumed at.
    /// </remarks>
    public void EndRound(Span<float> global, OuterState<float> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        long round = _round + 1;
        RoundCommit? commit = null;
        if (!_lost)
        {
            Snapshots?.Take(round);
            KeepResiduals(round);
            try
            {
                while (commit is null)
                {
                    commit = _run.AwaitCommit(round, TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
                }

                // The fragments not yet fetched (those synchronised at the round's end, whose merge comes after this call
                // or, with τ > 0, in the next round) committed with the round: their weights come now, so that the global
                // weights after the round are the committed ones.
                foreach ((int p, (long Round, int Sync) at) in _pending)
                {
                    (int first, int count) = Layout.ShardsOf(p);
                    int start = Layout.FragmentStart(p);
                    DownloadShards(at.Round, first, count, global.Slice(start, Layout.FragmentStart(p + 1) - start));
                }
            }
            catch (Exception ex) when (Snapshots is not null && Transient(ex))
            {
                FaultLog?.WriteLine($"loco worker {string.Join(",", Ticket.Workers)}: round {round} did not commit ({ex.GetType().Name}: {First(ex.Message)}); rejoining.");
                _lost = true;
            }
        }

        _pending.Clear();
        if (_lost || commit is null)
        {
            Rejoin(global, state);
            return;
        }

        Accept(round, commit, global, state);
    }

    // The round committed and its weights are in `global`: the counters follow the commit, and the next round opens.
    private void Accept(long round, RoundCommit commit, ReadOnlySpan<float> global, OuterState<float> state)
    {
        state.Restore(round, commit.RoundsSinceRestart, commit.Restarts);
        if (DumpFolder is string dump)
        {
            File.WriteAllBytes(Path.Combine(dump, $"global-r{round}-w{Ticket.Workers[0]}.bin"), MemoryMarshal.AsBytes(global).ToArray());
        }

        _round = round;
        _added = -1;
        LastCommit = commit;
    }

    // The residuals after round `round`'s uploads, for putting back when the coordinator resumes at that round.
    private void KeepResiduals(long round)
    {
        if (_residuals is not null)
        {
            _residualsByRound[round] = [.. _residuals.Select(r => (float[])r.Clone())];
            while (_residualsByRound.Count > 3)
            {
                _residualsByRound.Remove(_residualsByRound.Keys.First());
            }
        }
    }
}
