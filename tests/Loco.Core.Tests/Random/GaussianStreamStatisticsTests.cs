using Loco.Core.Random;

namespace Loco.Core.Tests.Random;

/// <summary>
/// Distribution tests against exact properties of N(0, 1) and U[0, 1). Every seed is fixed, so each
/// test either always passes or always fails; the 5-standard-error bands would give a false alarm for
/// a correct generator with probability below 1e-6 per check, had the seeds been chosen at random.
/// </summary>
public class GaussianStreamStatisticsTests
{
    private const int Chunk = 1 << 16;
    private const double TwoTo53 = 9007199254740992.0;

    [Fact]
    public void Moments_MatchStandardNormal()
    {
        const int n = 4_000_000;
        var stream = new GaussianStream(2024, 11);
        var buffer = new double[Chunk];
        double s1 = 0, s2 = 0, s3 = 0, s4 = 0;
        for (int done = 0; done < n; done += Chunk)
        {
            Span<double> x = buffer.AsSpan(0, Math.Min(Chunk, n - done));
            stream.Fill(x);
            foreach (double z in x)
            {
                double z2 = z * z;
                s1 += z;
                s2 += z2;
                s3 += z2 * z;
                s4 += z2 * z2;
            }
        }

        double mean = s1 / n;
        double m2 = s2 / n - mean * mean;
        double m3 = s3 / n - 3 * mean * s2 / n + 2 * mean * mean * mean;
        double m4 = s4 / n - 4 * mean * s3 / n + 6 * mean * mean * s2 / n - 3 * mean * mean * mean * mean;
        double skewness = m3 / Math.Pow(m2, 1.5);
        double excessKurtosis = m4 / (m2 * m2) - 3;

        // Large-sample standard errors for normal data: 1/√n, √(2/n), √(6/n), √(24/n).
        AssertWithin(mean, 0, 5 * Math.Sqrt(1.0 / n), "mean");
        AssertWithin(m2, 1, 5 * Math.Sqrt(2.0 / n), "variance");
        AssertWithin(skewness, 0, 5 * Math.Sqrt(6.0 / n), "skewness");
        AssertWithin(excessKurtosis, 0, 5 * Math.Sqrt(24.0 / n), "excess kurtosis");
    }

    [Fact]
    public void KolmogorovSmirnov_AgainstNormalCdf_PassesAtTheTenthPercentLevel()
    {
        const int n = 1_000_000;
        var x = new double[n];
        new GaussianStream(31337, 2).Fill(x);
        Array.Sort(x);

        double d = 0;
        for (int i = 0; i < n; i++)
        {
            double f = NormalDistribution.Cdf(x[i]);
            d = Math.Max(d, Math.Max(f - (double)i / n, (double)(i + 1) / n - f));
        }

        // Asymptotic 0.1% critical value of the KS statistic: 1.95/√n.
        Assert.True(d < 1.95 / Math.Sqrt(n), $"D = {d}, critical value {1.95 / Math.Sqrt(n)}");
    }

    [Theory]
    [InlineData(1UL, 0UL, 1UL, 1UL)] // neighbouring streams
    [InlineData(1UL, 0UL, 2UL, 0UL)] // neighbouring seeds
    public void DifferentStreams_AreUncorrelated(ulong seedA, ulong streamA, ulong seedB, ulong streamB)
    {
        const int n = 1_000_000;
        var x = new double[n];
        var y = new double[n];
        new GaussianStream(seedA, streamA).Fill(x);
        new GaussianStream(seedB, streamB).Fill(y);
        AssertWithin(Correlation(x, y), 0, 5 / Math.Sqrt(n), "correlation");
    }

    [Fact]
    public void WithinAStream_LaggedValuesAreUncorrelated()
    {
        const int n = 1_000_000;
        var x = new double[n + 16];
        new GaussianStream(5150).Fill(x);
        // 1: neighbouring lanes; 8: the two outputs of one Box–Muller pair; 16: one lane, one block later.
        foreach (int lag in new[] { 1, 8, 16 })
            AssertWithin(Correlation(x.AsSpan(0, n), x.AsSpan(lag, n)), 0, 5 / Math.Sqrt(n), $"lag-{lag} correlation");
    }

    [Fact]
    public void Uniform_HasMeanHalfAndVarianceOneTwelfth_AndStaysBelowOne()
    {
        const int n = 1_000_000;
        var u = new double[n];
        new GaussianStream(42, 7).FillUniform(u);

        double sum = 0, sumSq = 0;
        int outside = 0, offGrid = 0;
        foreach (double v in u)
        {
            if (!(v >= 0 && v < 1)) outside++;
            if (Math.Floor(v * TwoTo53) != v * TwoTo53) offGrid++; // must be a multiple of 2^-53
            sum += v;
            sumSq += v * v;
        }
        Assert.Equal(0, outside);
        Assert.Equal(0, offGrid);
        double mean = sum / n;
        double variance = sumSq / n - mean * mean;

        // Var(U) = 1/12; Var((U − ½)²) = 1/80 − 1/144.
        AssertWithin(mean, 0.5, 5 * Math.Sqrt(1.0 / 12 / n), "uniform mean");
        AssertWithin(variance, 1.0 / 12, 5 * Math.Sqrt((1.0 / 80 - 1.0 / 144) / n), "uniform variance");
    }

    [Fact]
    public void NextDouble_StaysInUnitInterval()
    {
        var stream = new GaussianStream(3);
        int outside = 0;
        for (int i = 0; i < 100_000; i++)
        {
            double v = stream.NextDouble();
            if (!(v >= 0 && v < 1)) outside++;
        }
        Assert.Equal(0, outside);
    }

    private static double Correlation(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        double mx = 0, my = 0;
        for (int i = 0; i < x.Length; i++) { mx += x[i]; my += y[i]; }
        mx /= x.Length;
        my /= y.Length;
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double dx = x[i] - mx, dy = y[i] - my;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        return sxy / Math.Sqrt(sxx * syy);
    }

    internal static void AssertWithin(double actual, double expected, double tolerance, string what) =>
        Assert.True(Math.Abs(actual - expected) <= tolerance,
            $"{what}: {actual} differs from {expected} by more than {tolerance} ({Math.Abs(actual - expected) / tolerance * 5:F2} standard errors)");
}
