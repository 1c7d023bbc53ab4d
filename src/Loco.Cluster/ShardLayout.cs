namespace Loco.Cluster;

/// <summary>
/// How the flat weights are cut: <see cref="Shards"/> contiguous slices (shard k owns [⌊kD/S⌋, ⌊(k+1)D/S⌋); with
/// <see cref="Align"/> &gt; 1, whole units of <see cref="Align"/> weights split the same way), and each slice into chunks of at most <see cref="ChunkFloats"/>
/// values (a multiple of <see cref="Align"/>), the unit of an upload or a download (a few MB, well under Orleans'
/// message limit). With a blockwise codec <see cref="Align"/> is its block, so every chunk starts on a block boundary
/// of the whole vector and encodes as the in-process codec does.
/// </summary>
/// <remarks>
/// With <see cref="Fragments"/> P &gt; 1 (streaming fragments, <see cref="Loco.Core.Rounds.FragmentSchedule"/>), the
/// weights are first cut into the P fragments [⌊pD/P⌋, ⌊(p+1)D/P⌋) and each fragment into
/// <see cref="ShardsPerFragment"/> shards the same way (units of <see cref="Align"/> counted from the fragment's
/// start, where the in-process codec starts its blocks): every shard lies in one fragment, so a fragment's
/// synchronisation commits exactly its own shards, once per round, as a plain round commits all of them.
/// </remarks>
[GenerateSerializer, Immutable]
public sealed record ShardLayout([property: Id(0)] int Dimension, [property: Id(1)] int Shards, [property: Id(2)] int ChunkFloats, [property: Id(3)] int Align = 1,
    [property: Id(4)] int Fragments = 1)
{
    /// <summary>Default chunk: 1 Mi floats, 4 MiB of fp32.</summary>
    public const int DefaultChunkFloats = 1 << 20;

    /// <summary>
    /// A layout of <paramref name="dimension"/> weights over <paramref name="shards"/> shards (at most one per
    /// <paramref name="align"/> weights), chunks rounded down to a multiple of <paramref name="align"/>. With
    /// <paramref name="fragments"/> P &gt; 1, each fragment gets ⌈S/P⌉ shards (fewer where a fragment has fewer units),
    /// so there are at least P shards.
    /// </summary>
    public static ShardLayout Of(int dimension, int shards, int chunkFloats = DefaultChunkFloats, int align = 1, int fragments = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shards);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkFloats);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(align);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fragments);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fragments, dimension);
        long fewestUnits = long.MaxValue;
        for (int p = 0; p < fragments; p++)
        {
            long length = StartOf(p + 1, dimension, fragments) - StartOf(p, dimension, fragments);
            fewestUnits = Math.Min(fewestUnits, (length + align - 1) / align);
        }

        int perFragment = (int)Math.Min((shards + fragments - 1) / fragments, fewestUnits);
        return new ShardLayout(dimension, perFragment * fragments, Math.Max(align, chunkFloats / align * align), align, fragments);
    }

    /// <summary>Shards in each fragment.</summary>
    public int ShardsPerFragment => Shards / Fragments;

    /// <summary>The fragment shard <paramref name="shard"/> lies in.</summary>
    public int FragmentOf(int shard) => shard / ShardsPerFragment;

    /// <summary>The shards of fragment <paramref name="fragment"/>: [first, first + count).</summary>
    public (int First, int Count) ShardsOf(int fragment)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fragment);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(fragment, Fragments);
        return (fragment * ShardsPerFragment, ShardsPerFragment);
    }

    /// <summary>Fragment <paramref name="fragment"/>'s first weight (<paramref name="fragment"/> = P: the end), as <see cref="Loco.Core.Rounds.FragmentSchedule.Start"/> has it.</summary>
    public int FragmentStart(int fragment) => StartOf(fragment, Dimension, Fragments);

    private static int StartOf(int p, int dimension, int fragments) => (int)((long)p * dimension / fragments);

    /// <summary>The slice of shard <paramref name="shard"/>: its first weight and its length.</summary>
    public (int Offset, int Length) Slice(int shard)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shard, Shards);
        int start = Bound(shard), end = Bound(shard + 1);
        return (start, end - start);
    }

    // The first weight of shard k (k = Shards: the end): within its fragment, the Align-sized units split as evenly as
    // they go (with one fragment and Align 1, ⌊kD/S⌋), so every shard holds at least one unit.
    private int Bound(int k)
    {
        int per = ShardsPerFragment, p = Math.Min(k / per, Fragments - 1), j = k - p * per;
        int from = FragmentStart(p), to = FragmentStart(p + 1);
        long units = ((long)(to - from) + Align - 1) / Align;
        return (int)Math.Min(to, from + Align * (units * j / per));
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
