using System.Runtime.Intrinsics;
using Loco.Core.Random;

namespace Loco.Core.Tests.Random;

/// <summary>The polynomial log/sin/cos against System.Math, and the vector twins on extreme inputs.</summary>
public class BoxMullerTests
{
    [Fact]
    public void MinusTwoLog_IsAccurateToAFewUlp()
    {
        var rng = new System.Random(1);
        double worst = 0;
        foreach (double x in LogArguments(rng))
        {
            double expected = -2 * Math.Log(x);
            double actual = BoxMuller.MinusTwoLog(x);
            if (expected == 0)
                Assert.Equal(0.0, actual);
            else
                worst = Math.Max(worst, Math.Abs(actual / expected - 1));
        }
        Assert.True(worst < 1e-15, $"worst relative error {worst}");
    }

    [Fact]
    public void SinCos_AreAccurateToAFewUlp()
    {
        var rng = new System.Random(2);
        double worstSin = 0, worstCos = 0;
        for (int i = 0; i < 1_000_000; i++)
        {
            double x = i == 0 ? 0 : i == 1 ? 1 - Math.ScaleB(1, -52) : rng.NextDouble();
            BoxMuller.SinCosQuarterPi(x, out double sin, out double cos);
            double phi = x * (Math.PI / 4);
            if (x == 0)
                Assert.Equal(0.0, sin);
            else
                worstSin = Math.Max(worstSin, Math.Abs(sin / Math.Sin(phi) - 1));
            worstCos = Math.Max(worstCos, Math.Abs(cos / Math.Cos(phi) - 1));
        }
        Assert.True(worstSin < 1e-15, $"worst sin relative error {worstSin}");
        Assert.True(worstCos < 1e-15, $"worst cos relative error {worstCos}");
    }

    [Fact]
    public void ExtremeWords_GiveFiniteBoundedOutputs_AndAllPathsAgree()
    {
        ulong[] words =
        [
            0, 1, 0xFFF, 0x1000, ulong.MaxValue, ulong.MaxValue - 0xFFF, 0x8000_0000_0000_0000,
            0x7FFF_FFFF_FFFF_FFFF, 0x4000_0000_0000_0000, 0x2000_0000_0000_0000, 0xE000_0000_0000_0000,
            0x000F_FFFF_FFFF_FFFF, 0x0010_0000_0000_0000, 0x9E37_79B9_7F4A_7C15,
        ];
        foreach (ulong a in words)
        {
            foreach (ulong b in words)
            {
                BoxMuller.Transform(a, b, out double z0, out double z1);
                Assert.True(double.IsFinite(z0) && double.IsFinite(z1));
                // u1 ≥ 2^-52 bounds the radius by √(104 ln 2) ≈ 8.49.
                Assert.True(Math.Abs(z0) <= 8.5 && Math.Abs(z1) <= 8.5);

                BoxMuller.Simd<Bits512, Real512>.Transform(
                    Bits512.Create(a), Bits512.Create(b), out Real512 v0, out Real512 v1);
                BoxMuller.Simd<Bits256, Real256>.Transform(
                    Bits256.Create(a), Bits256.Create(b), out Real256 w0, out Real256 w1);
                BoxMuller.Simd<Bits128, Real128>.Transform(
                    Bits128.Create(a), Bits128.Create(b), out Real128 x0, out Real128 x1);
                Assert.Equal(Vector512.Create(Bits(z0)), Real512.AsBits(v0).Value);
                Assert.Equal(Vector512.Create(Bits(z1)), Real512.AsBits(v1).Value);
                Assert.Equal(Vector256.Create(Bits(z0)), Real256.AsBits(w0).Value);
                Assert.Equal(Vector256.Create(Bits(z1)), Real256.AsBits(w1).Value);
                Assert.Equal(Vector128.Create(Bits(z0)), Real128.AsBits(x0).Value);
                Assert.Equal(Vector128.Create(Bits(z1)), Real128.AsBits(x1).Value);
            }
        }
    }

    [Fact]
    public void SmallestAndLargestU1_GiveTheExpectedRadius()
    {
        // a = 0 gives u1 = 1, so r = 0; a = all ones gives u1 = 2^-52, the largest radius.
        BoxMuller.Transform(0, 0, out double z0, out double z1);
        Assert.Equal(0.0, Math.Abs(z0));
        Assert.Equal(0.0, Math.Abs(z1));

        BoxMuller.Transform(ulong.MaxValue, 0, out z0, out z1); // b = 0: φ = 0, no swap, positive signs
        Assert.Equal(Math.Sqrt(-2 * Math.Log(Math.ScaleB(1, -52))), z0, 1e-14);
        Assert.Equal(0.0, z1);
    }

    private static IEnumerable<double> LogArguments(System.Random rng)
    {
        yield return 1.0;
        yield return Math.ScaleB(1, -52);
        yield return Math.Sqrt(0.5);
        yield return BitConverter.UInt64BitsToDouble(0x3FE6A09E00000000); // the reduction's boundary
        yield return BitConverter.UInt64BitsToDouble(0x3FE6A09DFFFFFFFF);
        for (int k = 1; k <= 1000; k++)
            yield return 1 - k * Math.ScaleB(1, -53); // just below 1, where the log must keep relative accuracy
        for (int i = 0; i < 500_000; i++)
            yield return 1 - rng.NextDouble();
        for (int i = 0; i < 500_000; i++)
            yield return Math.Pow(2, -52 * rng.NextDouble()); // log-uniform over the whole range
    }

    private static ulong Bits(double x) => BitConverter.DoubleToUInt64Bits(x);
}
