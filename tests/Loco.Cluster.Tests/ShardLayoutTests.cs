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
}
