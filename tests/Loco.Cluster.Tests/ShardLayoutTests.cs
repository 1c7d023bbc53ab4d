namespace Loco.Cluster.Tests;

public sealed class ShardLayoutTests
{
    [Theory]
    [InlineData(10, 3, 4)]
    [InlineData(885_888, 2, 1 << 20)]
    [InlineData(1_000_003, 7, 100_000)]
    [InlineData(5, 8, 2)]
    public void SlicesAndChunksTileTheWeightsExactlyOnce(int dimension, int shards, int chunk)
    {
        var layout = ShardLayout.Of(dimension, shards, chunk);
        int[] covered = new int[dimension];
        for (int k = 0; k < layout.Shards; k++)
        {
            (int offset, int length) = layout.Slice(k);
            Assert.True(length >= 1);
            int chunkTotal = 0;
            for (int c = 0; c < layout.ChunkCount(k); c++)
            {
                (int at, int n) = layout.Chunk(k, c);
                Assert.Equal(chunkTotal, at);
                Assert.InRange(n, 1, chunk);
                chunkTotal += n;
                for (int i = 0; i < n; i++)
                {
                    covered[offset + at + i]++;
                }
            }

            Assert.Equal(length, chunkTotal);
        }

        Assert.All(covered, c => Assert.Equal(1, c));
        Assert.Equal(Math.Min(shards, dimension), layout.Shards);
    }

    [Theory]
    [InlineData(885_888, 3, 1 << 20, 256)]
    [InlineData(3000, 2, 1 << 20, 2048)]
    [InlineData(10_000, 7, 1000, 64)]
    [InlineData(100, 5, 50, 64)]
    public void AnAlignedLayoutStartsEveryChunkOnABlockAndStillTilesTheWeights(int dimension, int shards, int chunk, int align)
    {
        var layout = ShardLayout.Of(dimension, shards, chunk, align);
        Assert.Equal(0, layout.ChunkFloats % align);
        Assert.InRange(layout.Shards, 1, shards);
        int next = 0;
        for (int k = 0; k < layout.Shards; k++)
        {
            (int offset, int length) = layout.Slice(k);
            Assert.Equal(next, offset);
            Assert.True(length >= 1, $"shard {k} is empty");
            for (int c = 0; c < layout.ChunkCount(k); c++)
            {
                (int at, int n) = layout.Chunk(k, c);
                Assert.Equal(0, (offset + at) % align); // a block boundary of the whole vector
                Assert.True(n % align == 0 || offset + at + n == dimension, "only the vector's last chunk may end inside a block");
            }

            next = offset + length;
        }

        Assert.Equal(dimension, next);
    }

    /// <summary>
    /// With P fragments every shard lies inside one fragment (the fragment bounds are FragmentSchedule's ⌊pD/P⌋, computed
    /// here independently), chunks start on a block counted from their fragment's start, and the shards still tile the
    /// weights in order, at least one per fragment.
    /// </summary>
    [Theory]
    [InlineData(10, 1, 4, 1, 3)]
    [InlineData(885_888, 2, 1 << 20, 64, 4)]
    [InlineData(10_007, 7, 1000, 64, 3)]
    [InlineData(100, 8, 7, 32, 2)]
    [InlineData(9, 1, 2, 1, 9)]
    public void AFragmentedLayoutKeepsEveryShardInsideOneFragmentAndBlocksFromItsStart(int dimension, int shards, int chunk, int align, int fragments)
    {
        var layout = ShardLayout.Of(dimension, shards, chunk, align, fragments);
        var schedule = new Loco.Core.Rounds.FragmentSchedule(fragments);
        Assert.Equal(fragments, layout.Fragments);
        Assert.Equal(0, layout.Shards % fragments);
        Assert.True(layout.Shards >= fragments);
        Assert.True(layout.Shards <= Math.Max(fragments, fragments * ((shards + fragments - 1) / fragments)));
        int next = 0;
        for (int k = 0; k < layout.Shards; k++)
        {
            (int offset, int length) = layout.Slice(k);
            Assert.Equal(next, offset);
            Assert.True(length >= 1, $"shard {k} is empty");
            int p = layout.FragmentOf(k);
            int from = (int)((long)p * dimension / fragments), to = (int)((long)(p + 1) * dimension / fragments);
            Assert.Equal(from, schedule.Start(p, dimension));
            Assert.Equal(from, layout.FragmentStart(p));
            Assert.InRange(offset, from, to - 1);
            Assert.InRange(offset + length, from + 1, to);
            (int first, int count) = layout.ShardsOf(p);
            Assert.InRange(k, first, first + count - 1);
            for (int c = 0; c < layout.ChunkCount(k); c++)
            {
                (int at, int n) = layout.Chunk(k, c);
                Assert.Equal(0, (offset + at - from) % align); // a block boundary of the fragment
                Assert.True(n % align == 0 || offset + at + n == to, "only a fragment's last chunk may end inside a block");
            }

            next = offset + length;
        }

        Assert.Equal(dimension, next);
    }
}
