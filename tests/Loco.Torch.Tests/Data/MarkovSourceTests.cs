using Loco.Core.Family;
using Loco.Torch.Data;

namespace Loco.Torch.Tests.Data;

public class MarkovSourceTests
{
    private static double BinaryEntropy(double p) => -p * Math.Log(p) - (1 - p) * Math.Log(1 - p);

    [Fact]
    public void OrderOneBinaryChainHasTheClosedFormRate()
    {
        // P = [[1−a, a], [b, 1−b]]: π = (b, a)/(a+b), rate = π0 h(a) + π1 h(b).
        double a = 0.1, b = 0.3;
        var source = new MarkovSource(2, 1, [1 - a, a, b, 1 - b]);
        double pi0 = b / (a + b), pi1 = a / (a + b);
        Assert.Equal(pi0, source.StationaryDistribution[0], 12);
        Assert.Equal(pi1, source.StationaryDistribution[1], 12);
        Assert.Equal(pi0 * BinaryEntropy(a) + pi1 * BinaryEntropy(b), source.EntropyRateNats, 12);
    }

    [Fact]
    public void OrderTwoCopyChainHasRateOfItsNoise()
    {
        // x_t = x_{t−2} with probability 1−ε, else flipped: doubly stochastic, so π is uniform and rate = h(ε).
        double e = 0.2;
        var rows = new double[8];
        for (int context = 0; context < 4; context++)
        {
            int older = context >> 1; // oldest letter is the most significant digit
            rows[context * 2 + older] = 1 - e;
            rows[context * 2 + (1 - older)] = e;
        }
        var source = new MarkovSource(2, 2, rows);
        for (int c = 0; c < 4; c++) Assert.Equal(0.25, source.StationaryDistribution[c], 12);
        Assert.Equal(BinaryEntropy(e), source.EntropyRateNats, 12);

        // And the generated text copies the letter two back 80% of the time (binomial, n ≈ 10^5: sd 0.0013).
        string text = source.Generate(100_000, seed: 5);
        int same = 0;
        for (int t = 2; t < text.Length; t++) if (text[t] == text[t - 2]) same++;
        Assert.InRange(same / (double)(text.Length - 2), 0.8 - 0.008, 0.8 + 0.008);
    }

    [Fact]
    public void PlugInConditionalEntropyOfALongSampleMatchesTheExactRate()
    {
        var source = new MarkovSource(MarkovSourceOptions.Default);
        int a = source.AlphabetSize, k = source.Order, n = 2_000_000;
        byte[] x = source.GenerateSymbols(n, seed: 11);

        // Counts of (k+1)-grams; plug-in conditional entropy H(X_{k+1} | X_1..X_k) = H(k+1-grams) − H(k-grams).
        int contexts = (int)Math.Pow(a, k);
        var joint = new long[contexts * a];
        int context = 0;
        for (int t = 0; t < k; t++) context = context * a + x[t];
        for (int t = k; t < n; t++)
        {
            joint[context * a + x[t]]++;
            context = context * a % contexts + x[t];
        }
        long total = n - k;
        double estimate = 0, sumSq = 0;
        int cells = 0, rowsSeen = 0;
        for (int c = 0; c < contexts; c++)
        {
            long row = 0;
            for (int j = 0; j < a; j++) row += joint[c * a + j];
            if (row > 0) rowsSeen++;
            for (int j = 0; j < a; j++)
            {
                long count = joint[c * a + j];
                if (count == 0) continue;
                cells++;
                double surprise = -Math.Log(count / (double)row);
                estimate += count * surprise;
                sumSq += count * surprise * surprise;
            }
        }
        estimate /= total;
        double variance = sumSq / total - estimate * estimate;

        // Miller–Madow: the plug-in estimate is low by about (cells − rows)/(2N); correct for it.
        double corrected = estimate + (cells - rowsSeen) / (2.0 * total);
        // Tolerance: 6 standard errors of a mean of N surprisals, times 2 for the serial correlation of
        // the context entropies, plus the size of the bias correction itself (in case it is off by 100%).
        double tolerance = 12 * Math.Sqrt(variance / total) + (cells - rowsSeen) / (2.0 * total);
        Assert.InRange(tolerance, 0, 0.02); // enough samples for the comparison to mean something
        Assert.InRange(corrected, source.EntropyRateNats - tolerance, source.EntropyRateNats + tolerance);
    }

    [Fact]
    public void GeneratedTextFollowsTheTableForAGivenContextWithOldestLetterFirst()
    {
        var source = new MarkovSource(new MarkovSourceOptions(4, 2, 2.0, 3));
        byte[] x = source.GenerateSymbols(400_000, seed: 9);
        // Context "b then c" (older b = 1, newer c = 2): index 1·4 + 2 = 6.
        var counts = new long[4];
        for (int t = 2; t < x.Length; t++) if (x[t - 2] == 1 && x[t - 1] == 2) counts[x[t]]++;
        long rowTotal = counts.Sum();
        Assert.True(rowTotal > 5_000);
        for (int j = 0; j < 4; j++)
        {
            double p = source.Probability(6, j);
            double sd = Math.Sqrt(p * (1 - p) / rowTotal);
            Assert.InRange(counts[j] / (double)rowTotal, p - 6 * sd - 1e-9, p + 6 * sd + 1e-9);
        }
    }

    [Fact]
    public void GenerationIsDeterministicForASeedAndUsesTheLetters()
    {
        var source = new MarkovSource(MarkovSourceOptions.Default);
        string first = source.Generate(5000), again = new MarkovSource(MarkovSourceOptions.Default).Generate(5000);
        Assert.Equal(first, again);
        Assert.NotEqual(first, source.Generate(5000, seed: 2));
        Assert.All(first, ch => Assert.InRange(ch, 'a', (char)('a' + source.AlphabetSize - 1)));
        Assert.NotEqual(new MarkovSource(MarkovSourceOptions.Default with { Seed = 2 }).EntropyRateNats, source.EntropyRateNats);
    }

    [Fact]
    public void DefaultRateIsWellBelowTheUniformRate()
    {
        var source = new MarkovSource(MarkovSourceOptions.Default);
        Assert.InRange(source.EntropyRateNats, 0.8, 1.5);
        Assert.True(source.EntropyRateNats < Math.Log(source.AlphabetSize) - 0.5);
        // Sharpness 0 gives uniform rows: rate exactly log A.
        var uniform = new MarkovSource(MarkovSourceOptions.Default with { Sharpness = 0 });
        Assert.Equal(Math.Log(12), uniform.EntropyRateNats, 12);
    }

    [Fact]
    public void BadSettingsNameTheirFlag()
    {
        Assert.Equal("--markov-alphabet", Assert.Throws<InvalidInputException>(() => new MarkovSource(new MarkovSourceOptions(1, 2, 1, 0))).Subject);
        Assert.Equal("--markov-order", Assert.Throws<InvalidInputException>(() => new MarkovSource(new MarkovSourceOptions(4, 0, 1, 0))).Subject);
        Assert.Equal("--markov-sharpness", Assert.Throws<InvalidInputException>(() => new MarkovSource(new MarkovSourceOptions(4, 2, -1, 0))).Subject);
    }
}
