using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Loco.Cluster.Protocol;
using Loco.Cluster.Storage;
using Loco.Core.Optimizers;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace Loco.Cluster.Grains;

/// <summary>See <see cref="IShardGrain"/>. Shard k lives on silo k mod S (<see cref="Placement.SpreadShardsPlacement"/>).</summary>
[Placement.SpreadShards]
public sealed class ShardGrain(IRunStore store, ILogger<ShardGrain> log) : Grain, IShardGrain
{
    private RunSpec? _spec;
    private OuterOptimizer? _outer;
    private int _shard;
    private float[] _weights = [];
    private float[] _momentum = [];
    private long _round = -1;
    private long _bytesReceived;
    private readonly Dictionary<(int Worker, Guid Incarnation), WorkerUpload> _uploads = [];
    private Loco.Core.Codecs.ICodec? _codec;
    private byte[]?[] _published = []; // the committed round's chunks, made on their first download

    /// <inheritdoc />
    public async Task Load(RunSpec spec, BlobRef blob, long round)
    {
        ArgumentNullException.ThrowIfNull(spec);
        _shard = (int)this.GetPrimaryKeyLong();
        (_, int length) = spec.Layout.Slice(_shard);
        (_weights, _momentum) = await store.ReadBlobAsync(blob, length);
        _spec = spec;
        _codec = null;
        _outer = Outer.Create(Enum.Parse<OuterKind>(spec.OuterKind), Enum.Parse<OuterForm>(spec.OuterForm), spec.OuterLr, spec.OuterMomentum);
        _round = round;
        _uploads.Clear();
        _published = [];
    }

    /// <inheritdoc />
    public Task Upload(long round, int worker, Guid incarnation, int chunk, byte[] payload, ulong checksum)
    {
        RunSpec spec = Spec();
        ArgumentNullException.ThrowIfNull(payload);
        if (round != _round + 1)
        {
            throw Refused($"worker {worker} uploaded for round {round}, but round {_round + 1} is open.");
        }

        if (worker < 0 || worker >= spec.Workers)
        {
            throw Refused($"worker {worker} is not a worker of this run (0..{spec.Workers - 1}).");
        }

        if (chunk < 0 || chunk >= spec.Layout.ChunkCount(_shard))
        {
            throw Refused($"worker {worker} sent chunk {chunk}; shard {_shard} has {spec.Layout.ChunkCount(_shard)}.");
        }

        (int offset, int length) = spec.Layout.Chunk(_shard, chunk);
        _codec ??= spec.CodecSpec.Create();
        int expected = _codec.EncodedBytes(length);
        if (payload.Length != expected)
        {
            throw Refused($"worker {worker}'s chunk {chunk} has {payload.Length} bytes; it should have {expected} ({length} values in {spec.Codec}).");
        }

        if (Checksum.Of(payload) != checksum)
        {
            throw Refused($"worker {worker}'s chunk {chunk} of round {round} fails its checksum.");
        }

        // A compressed chunk is decoded here, once; the commit sums decoded values in worker-index order as before.
        ReadOnlySpan<float> values;
        if (spec.Codec == "fp32")
        {
            values = MemoryMarshal.Cast<byte, float>(payload);
        }
        else
        {
            float[] decoded = new float[length];
            _codec.Decode(payload, decoded);
            values = decoded;
        }

        if (!TensorPrimitives.IsFiniteAll(values))
        {
            throw Refused($"worker {worker}'s chunk {chunk} of round {round} holds NaN or infinite values.");
        }

        if (!_uploads.TryGetValue((worker, incarnation), out WorkerUpload? upload))
        {
            // Kept per incarnation: the commit takes the one the coordinator names, so a dead or stale incarnation's
            // chunks never count.
            upload = new WorkerUpload(_weights.Length, spec.Layout.ChunkCount(_shard));
            _uploads[(worker, incarnation)] = upload;
        }

        if (!upload.Received[chunk])
        {
            values.CopyTo(upload.Delta.AsSpan(offset, length));
            upload.Received[chunk] = true;
            upload.Count++;
            _bytesReceived += payload.Length;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<BlobRef> Commit(long round, int[] contributors, Guid[] incarnations, bool restart)
    {
        Spec();
        ArgumentNullException.ThrowIfNull(contributors);
        ArgumentNullException.ThrowIfNull(incarnations);
        if (incarnations.Length != contributors.Length)
        {
            throw new ArgumentException($"{contributors.Length} contributors and {incarnations.Length} incarnations.", nameof(incarnations));
        }

        if (round != _round + 1)
        {
            throw new InvalidOperationException($"shard {_shard}: asked to commit round {round}, but round {_round + 1} is open.");
        }

        if (contributors.Length == 0 || contributors.Zip(contributors.Skip(1)).Any(p => p.First >= p.Second))
        {
            throw new InvalidOperationException($"shard {_shard}: the contributors [{string.Join(", ", contributors)}] must be distinct and in increasing index order.");
        }

        var uploads = new WorkerUpload[contributors.Length];
        for (int i = 0; i < contributors.Length; i++)
        {
            if (!_uploads.TryGetValue((contributors[i], incarnations[i]), out WorkerUpload? upload) || upload.Count != upload.Received.Length)
            {
                throw new InvalidOperationException($"shard {_shard}: worker {contributors[i]}'s upload of round {round} is incomplete.");
            }

            uploads[i] = upload;
        }

        // The in-process reducer's arithmetic on this slice: 0 + Δ_first + … in index order, divided by the count; then
        // Loco.Core's outer step (element by element, so a slice gives the bits of the whole).
        float[] mean = new float[_weights.Length];
        foreach (WorkerUpload upload in uploads)
        {
            TensorPrimitives.Add(mean, upload.Delta, mean);
        }

        TensorPrimitives.Divide(mean, (float)contributors.Length, mean);
        _outer!.Apply<float>(_weights, mean, _momentum);
        if (restart)
        {
            Array.Clear(_momentum);
        }

        _round = round;
        _uploads.Clear();
        Array.Clear(_published);
        return await store.WriteBlobAsync(_shard, round, _weights, _momentum);
    }

    /// <inheritdoc />
    public Task<Immutable<byte[]>> Download(long round, int chunk)
    {
        RunSpec spec = Spec();
        if (round != _round)
        {
            throw new InvalidOperationException($"shard {_shard}: the weights of round {round} were asked for; it holds round {_round}.");
        }

        if (_published.Length != spec.Layout.ChunkCount(_shard))
        {
            _published = new byte[spec.Layout.ChunkCount(_shard)][];
        }

        if (_published[chunk] is not { } bytes)
        {
            (int offset, int length) = spec.Layout.Chunk(_shard, chunk);
            bytes = MemoryMarshal.AsBytes(_weights.AsSpan(offset, length)).ToArray();
            _published[chunk] = bytes;
        }

        return Task.FromResult(new Immutable<byte[]>(bytes));
    }

    /// <inheritdoc />
    public Task<long> BytesReceived() => Task.FromResult(_bytesReceived);

    /// <inheritdoc />
    public Task<string> Silo() => Task.FromResult(RuntimeIdentity);

    private RunSpec Spec() => _spec ?? throw new InvalidOperationException($"shard {this.GetPrimaryKeyLong()} has no run (the coordinator loads it first).");

    private UploadRefusedException Refused(string message)
    {
        log.LogWarning("shard {Shard}: refused an upload: {Message}", _shard, message);
        return new UploadRefusedException($"shard {_shard}: {message}");
    }

    private sealed class WorkerUpload(int length, int chunks)
    {
        public float[] Delta { get; } = new float[length];
        public bool[] Received { get; } = new bool[chunks];
        public int Count { get; set; }
    }
}
