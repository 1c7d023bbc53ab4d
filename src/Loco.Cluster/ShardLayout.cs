namespace Loco.Cluster;

/// <summary>
/// How the flat weights are cut: <see cref="Shards"/> contiguous slices (shard k owns [⌊kD/S⌋, ⌊(k+1)D/S⌋); with
/// <see cref="Align"/> &gt; 1, whole units of <see cref="Align"/> weights split the same way), and each slice into chunks of at most <see cref="ChunkFloats"/>
/// values (a multiple of <see cref="Align"/>), the unit of an upload or a download (a few MB, well under Orleans'
/// message limit). With a blockwise codec <see cref="Align"/> is its block, so every chunk starts on a block boundary
/// of the whole vector and encodes as the in-process codec does.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ShardLayout([property: Id(0)] int Dimension, [property: Id(1)] int Shards, [property: Id(2)] int ChunkFloats, [property: Id(3)] int Align = 1)
{
    /// <summary>Default chunk: 1 Mi floats, 4 MiB of fp32.</summary>
    public const int DefaultChunkFloats = 1 << 20;

    /// <summary>
    /// A layout of <paramref name="dimension"/> weights over <paramref name="shards"/> shards (at most one per
    /// <paramref name="align"/> weights), chunks rounded down to a multiple of <paramref name="align"/>.
    /// </summary>
    public static ShardLayout Of(int dimension, int shards, int chunkFloats = DefaultChunkFloats, int align = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shards);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkFloats);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(align);
        int units = (dimension + align - 1) / align;
        return new ShardLayout(dimension, Math.Min(shards, units), Math.Max(align, chunkFloats / align * align), align);
    }

    /// <summary>The slice of shard <paramref name="shard"/>: its first weight and its length.</summary>
    public (int Offset, int Length) Slice(int shard)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shard, Shards);
        int start = Bound(shard), end = Bound(shard + 1);
        return (start, end - start);
    }

    // The first weight of shard k (k = Shards: the end): the Align-sized units split as evenly as they go (with Align 1,
    // ⌊kD/S⌋), so every shard holds at least one unit.
    private int Bound(int k)
    {
        long units = ((long)Dimension + Align - 1) / Align;
        return (int)Math.Min(Dimension, Align * (units * k / Shards));
    }

    /// <summary>Chunks in shard <paramref name="shard"/>'s slice.</summary>
    public int ChunkCount(int shard) => (Slice(shard).Length + ChunkFloats - 1) / ChunkFloats;

    /// <summary>Chunk <paramref name="chunk"/> of shard <paramref name="shard"/>: its offset within the slice and its length.</summary>
    public (int Offset, int Length) Chunk(int shard, int chunk)
    {
        int length = Slice(shard).Length;
        ArgumentOutOfRangeException.ThrowIfNegative(chunk);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(chunk, ChunkCount(shard));
        int offset = chunk * ChunkFloats;
        return (offset, Math.Min(ChunkFloats, length - offset));
    }
}
