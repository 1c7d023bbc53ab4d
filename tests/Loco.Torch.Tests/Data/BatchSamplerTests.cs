using System.Text.Json;
using Loco.Core.Family;
using Loco.Torch.Data;

namespace Loco.Torch.Tests.Data;

public class BatchSamplerTests
{
    // Token i of the training split is i itself, so every token says where it came from.
    private static int[] Positions(int n) => Enumerable.Range(0, n).ToArray();

    [Fact]
    public void ShardsAreDisjointContiguousAndCoverTheSplit()
    {
        foreach (int workers in new[] { 1, 3, 7 })
        {
            int n = 1003, next = 0;
            for (int m = 0; m < workers; m++)
            {
                var sampler = new BatchSampler(Positions(n), m, workers, seed: 1);
                Assert.Equal(next, sampler.ShardStart);
                next += sampler.ShardLength;
            }
            Assert.Equal(n, next);
        }
    }

    [Fact]
    public void BatchesStayInTheirShardAndTargetsAreInputsShiftedByOne()
    {
        int n = 1200, workers = 3, batch = 8, context = 16;
        var seenStarts = new HashSet<long>[workers];
        for (int m = 0; m < workers; m++)
        {
            var sampler = new BatchSampler(Positions(n), m, workers, seed: 42);
            int lo = m * n / workers, hi = (m + 1) * n / workers;
            seenStarts[m] = [];
            var x = new long[batch * context];
            var y = new long[batch * context];
            for (int i = 0; i < 400; i++)
            {
                sampler.NextBatch(batch, context, x, y);
                for (int b = 0; b < batch; b++)
                {
                    seenStarts[m].Add(x[b * context]);
                    for (int t = 0; t < context; t++)
                    {
                        long input = x[b * context + t], target = y[b * context + t];
                        Assert.Equal(x[b * context] + t, input);     // a contiguous window
                        Assert.Equal(input + 1, target);             // next-token target
                        Assert.InRange(input, lo, hi - 1);
                        Assert.InRange(target, lo, hi - 1);          // never reads past the shard
                    }
                }
            }
            // 3200 uniform draws over 384 offsets: every offset, including the first and last, appears.
            Assert.Equal(hi - lo - context, seenStarts[m].Count);
            Assert.Contains(lo, seenStarts[m]);
            Assert.Contains(hi - context - 1, seenStarts[m]);
        }
    }

    [Fact]
    public void SameSeedAndWorkerGiveTheSameBatchesOtherWorkersOrSeedsDoNot()
    {
        var tokens = Positions(10_000);
        long[] Draw(int worker, ulong seed)
        {
            var s = new BatchSampler(tokens, worker, 1, seed);
            var x = new long[4 * 8 * 5];
            for (int i = 0; i < 5; i++) s.NextBatch(4, 8, x.AsSpan(i * 32, 32), new long[32]);
            return x;
        }
        Assert.Equal(Draw(0, 7), Draw(0, 7));
        Assert.NotEqual(Draw(0, 7), Draw(0, 8));
        // Different workers of the same run use different streams (compare offsets within their shards).
        var a = new BatchSampler(tokens, 0, 2, 7);
        var b = new BatchSampler(tokens, 1, 2, 7);
        var xa = new long[64]; var xb = new long[64];
        a.NextBatch(8, 8, xa, new long[64]);
        b.NextBatch(8, 8, xb, new long[64]);
        Assert.NotEqual(xa, xb.Select(v => v - b.ShardStart).ToArray());
    }

    [Fact]
    public void RestoringASavedStateGivesTheIdenticalNextBatches()
    {
        var tokens = Positions(50_000);
        var original = new BatchSampler(tokens, 1, 4, seed: 3);
        var x = new long[6 * 10];
        var y = new long[6 * 10];
        for (int i = 0; i < 3; i++) original.NextBatch(6, 10, x, y);

        // Through JSON, as a checkpoint stores it.
        string json = JsonSerializer.Serialize(original.State);
        var saved = JsonSerializer.Deserialize<SamplerState>(json)!;
        Assert.Equal(3, saved.Batches);

        var expected = new List<long[]>();
        for (int i = 0; i < 5; i++) { original.NextBatch(6, 10, x, y); expected.Add([.. x, .. y]); }

        var resumed = new BatchSampler(tokens, 1, 4, seed: 999); // seed is irrelevant after restore
        resumed.Restore(saved);
        for (int i = 0; i < 5; i++) { resumed.NextBatch(6, 10, x, y); Assert.Equal(expected[i], x.Concat(y).ToArray()); }
        Assert.Equal(original.State, resumed.State);

        var wrongWorker = new BatchSampler(tokens, 2, 4, seed: 3);
        Assert.Equal("--resume", Assert.Throws<InvalidInputException>(() => wrongWorker.Restore(saved)).Subject);
    }

    [Fact]
    public void ACorpusSmallerThanOneBatchPerWorkerIsRejected()
    {
        // 2 workers × 4·(8+1) = 36 tokens each → 72 tokens fit, 71 do not.
        BatchSampler.EnsureFits(72, 2, 4, 8);
        var error = Assert.Throws<InvalidInputException>(() => BatchSampler.EnsureFits(71, 2, 4, 8, "corpus.txt"));
        Assert.Equal("corpus.txt", error.Subject);
        Assert.Contains("smaller than one batch", error.Problem);

        var sampler = new BatchSampler(Positions(35), 0, 1, 0);
        Assert.Throws<InvalidInputException>(() => sampler.NextBatch(4, 8, new long[32], new long[32]));
        Assert.Throws<InvalidInputException>(() => new BatchSampler([], 0, 1, 0));
    }

    [Fact]
    public void ValidationWalkMakesEveryTokenATargetOnce()
    {
        int n = 1000, batch = 7, context = 9;
        var walk = new ValidationBatches(Positions(n), batch, context);
        Assert.Equal((n - 1) / context, walk.Windows);
        var targets = new List<long>();
        var x = new long[batch * context];
        var y = new long[batch * context];
        for (int i = 0; i < walk.Count; i++)
        {
            int rows = walk.Fill(i, x, y);
            for (int k = 0; k < rows * context; k++)
            {
                Assert.Equal(x[k] + 1, y[k]);
                targets.Add(y[k]);
            }
        }
        // Targets are 1..Windows·T in order, each once; the tail (< T tokens) is left out.
        Assert.Equal(Enumerable.Range(1, walk.Windows * context).Select(v => (long)v), targets);
        Assert.True(n - 1 - targets.Count < context);
    }

    [Fact]
    public void TokenCorpusHoldsOutTheTail()
    {
        var corpus = TokenCorpus.FromTokens("t", 1000, Positions(1000), 0.1);
        Assert.Equal(Positions(900), corpus.Train);
        Assert.Equal(Enumerable.Range(900, 100), corpus.Validation);
        Assert.Throws<InvalidInputException>(() => TokenCorpus.FromTokens("t", 10, [], 0.1));
        Assert.Throws<InvalidInputException>(() => TokenCorpus.FromTokens("t", 10, [1, 2, 10], 0.0));
    }
}
