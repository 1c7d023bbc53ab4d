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
}
