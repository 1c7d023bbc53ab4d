namespace Loco.Cluster;

/// <summary>
/// How the flat weights are cut: <see cref="Shards"/> contiguous slices (shard k owns [⌊kD/S⌋, ⌊(k+1)D/S⌋)), and each
/// slice into chunks of at most <see cref="ChunkFloats"/> values, the unit of an upload or a download (a few MB, well
/// under Orleans' message limit).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ShardLayout([property: Id(0)] int Dimension, [property: Id(1)] int Shards, [property: Id(2)] int ChunkFloats)
{
    /// <summary>Default chunk: 1 Mi floats, 4 MiB of fp32.</summary>
    public const int DefaultChunkFloats = 1 << 20;

    /// <summary>A layout of <paramref name="dimension"/> weights over <paramref name="shards"/> shards (at most one per weight).</summary>
    public static ShardLayout Of(int dimension, int shards, int chunkFloats = DefaultChunkFloats)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shards);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkFloats);
        return new ShardLayout(dimension, Math.Min(shards, dimension), chunkFloats);
    }

    /// <summary>The slice of shard <paramref name="shard"/>: its first weight and its length.</summary>
    public (int Offset, int Length) Slice(int shard)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shard, Shards);
        int start = (int)((long)Dimension * shard / Shards);
        int end = (int)((long)Dimension * (shard + 1) / Shards);
        return (start, end - start);
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
