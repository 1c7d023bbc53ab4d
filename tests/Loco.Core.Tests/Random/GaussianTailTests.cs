using Loco.Core.Random;

namespace Loco.Core.Tests.Random;

/// <summary>
/// Tail frequencies need the largest sample (2·10^7 draws), so they live in their own class, which
/// xunit can run in parallel with the others. The 5-standard-error band is ±2.1% of the expected
/// count for |z| &gt; 3 and ±14% for |z| &gt; 4.
/// </summary>
public class GaussianTailTests
{
    private const int Chunk = 1 << 16;

    [Fact]
    public void TailFrequencies_MatchExactProbabilities()
    {
        const int n = 20_000_000;
        const double p3 = 0.0026997960632601866; // P(|Z| > 3)
        const double p4 = 6.334248366623996e-05; // P(|Z| > 4)
        var stream = new GaussianStream(8, 8);
        var buffer = new double[Chunk];
        long beyond3 = 0, beyond4 = 0;
        for (int done = 0; done < n; done += Chunk)
        {
            Span<double> x = buffer.AsSpan(0, Math.Min(Chunk, n - done));
            stream.Fill(x);
            foreach (double z in x)
            {
                double a = Math.Abs(z);
                if (a > 3) beyond3++;
                if (a > 4) beyond4++;
            }
        }

        GaussianStreamStatisticsTests.AssertWithin(beyond3, n * p3, 5 * Math.Sqrt(n * p3 * (1 - p3)), "count of |z| > 3");
        GaussianStreamStatisticsTests.AssertWithin(beyond4, n * p4, 5 * Math.Sqrt(n * p4 * (1 - p4)), "count of |z| > 4");
    }
}
