using System.Runtime.Intrinsics;
using Loco.Core.Random;

namespace Loco.Core.Tests.Random;

/// <summary>The single-precision polynomial log/sin/cos against System.Math, and the vector twins on extreme inputs.</summary>
public class BoxMullerTests
{
    private const double FloatEpsilon = 1.0 / (1 << 23); // the spacing of floats in [1, 2)

    [Fact]
    public void MinusTwoLog_IsAccurateToAFewFloatUlp()
    {
        var rng = new System.Random(1);
        double worst = 0;
        foreach (float x in LogArguments(rng))
        {
            double expected = -2 * Math.Log(x); // exact argument, double-precision reference
            float actual = BoxMuller.MinusTwoLog(x);
            if (x == 1f)
                Assert.Equal(0f, actual);
            else
                worst = Math.Max(worst, Math.Abs(actual / expected - 1));
        }
        Assert.True(worst < 4 * FloatEpsilon, $"worst relative error {worst} = {worst / FloatEpsilon:F2} ε");
    }

    [Fact]
    public void SinCos_AreAccurateToAFewFloatUlp()
    {
        var rng = new System.Random(2);
        double worstSin = 0, worstCos = 0;
        for (int i = 0; i < 1_000_000; i++)
        {
            float x = i == 0 ? 0f : i == 1 ? 1f - (float)(FloatEpsilon / 2) : (float)rng.NextDouble();
            if (x >= 1f) continue;
            BoxMuller.SinCosQuarterPi(x, out float sin, out float cos);
            double phi = x * (Math.PI / 4);
            if (x == 0)
                Assert.Equal(0f, sin);
            else
                worstSin = Math.Max(worstSin, Math.Abs(sin / Math.Sin(phi) - 1));
            worstCos = Math.Max(worstCos, Math.Abs(cos / Math.Cos(phi) - 1));
        }
        Assert.True(worstSin < 4 * FloatEpsilon, $"worst sin relative error {worstSin / FloatEpsilon:F2} ε");
        Assert.True(worstCos < 4 * FloatEpsilon, $"worst cos relative error {worstCos / FloatEpsilon:F2} ε");
    }

    /// <summary>u1 is (⌊a/2⌋ + ½)·2^-31 to float precision, never 0 and never above 1.</summary>
    [Fact]
    public void U1_IsTheMidpointOfItsCell_ToFloatPrecision()
    {
        var rng = new System.Random(3);
        for (int i = 0; i < 200_000; i++)
        {
            uint a = i < 4 ? new uint[] { 0, 1, 2, uint.MaxValue }[i] : (uint)rng.NextInt64(0, 1L << 32);
            float u = BoxMuller.U1(a);
            double exact = ((a >> 1) + 0.5) / 2147483648.0;
            Assert.InRange(u, Math.ScaleB(1.0, -32), 1.0);
            Assert.True(Math.Abs(u / exact - 1) <= FloatEpsilon, $"a = {a}: u1 = {u}, cell midpoint {exact}");
        }
    }

    [Fact]
    public void ExtremeWords_GiveFiniteBoundedOutputs_AndAllPathsAgree()
    {
        uint[] words =
        [
            0, 1, 2, 0x1FF, 0x200, uint.MaxValue, uint.MaxValue - 1, 0x8000_0000, 0x7FFF_FFFF,
            0x4000_0000, 0x2000_0000, 0xE000_0000, 0x007F_FFFF, 0x0080_0000, 0x9E37_79B9,
        ];
        foreach (uint a in words)
        {
            foreach (uint b in words)
            {
                BoxMuller.Transform(a, b, out float z0, out float z1);
                Assert.True(float.IsFinite(z0) && float.IsFinite(z1));
                // u1 ≥ 2^-32 bounds the radius by √(64 ln 2) ≈ 6.66.
                Assert.True(Math.Abs(z0) <= 6.67 && Math.Abs(z1) <= 6.67);

                BoxMuller.Simd<Words512, Single512, Bits512>.Transform(
                    Words512.Create(a), Words512.Create(b), out Single512 v0, out Single512 v1);
                BoxMuller.Simd<Words256, Single256, Bits256>.Transform(
                    Words256.Create(a), Words256.Create(b), out Single256 w0, out Single256 w1);
                BoxMuller.Simd<Words128, Single128, Bits128>.Transform(
                    Words128.Create(a), Words128.Create(b), out Single128 x0, out Single128 x1);
                Assert.Equal(Vector512.Create(Bits(z0)), Single512.AsWords(v0).Value);
                Assert.Equal(Vector512.Create(Bits(z1)), Single512.AsWords(v1).Value);
                Assert.Equal(Vector256.Create(Bits(z0)), Single256.AsWords(w0).Value);
                Assert.Equal(Vector256.Create(Bits(z1)), Single256.AsWords(w1).Value);
                Assert.Equal(Vector128.Create(Bits(z0)), Single128.AsWords(x0).Value);
                Assert.Equal(Vector128.Create(Bits(z1)), Single128.AsWords(x1).Value);
            }
        }
    }

    [Fact]
    public void SmallestAndLargestU1_GiveTheExpectedRadius()
    {
        // a = all ones gives u1 = 1, so r = 0; a = 0 gives u1 = 2^-32, the largest radius.
        BoxMuller.Transform(uint.MaxValue, 0, out float z0, out float z1);
        Assert.Equal(0f, Math.Abs(z0));
        Assert.Equal(0f, Math.Abs(z1));

        BoxMuller.Transform(0, 0, out z0, out z1); // b = 0: φ = 0, no swap, positive signs
        Assert.Equal(Math.Sqrt(64 * Math.Log(2)), z0, 2e-6);
        Assert.Equal(0f, z1);
    }

    private static IEnumerable<float> LogArguments(System.Random rng)
    {
        yield return 1f;
        yield return (float)Math.ScaleB(1, -32);
        yield return (float)Math.Sqrt(0.5);
        yield return BitConverter.UInt32BitsToSingle(0x3F35_04F3); // the reduction's boundary
        yield return BitConverter.UInt32BitsToSingle(0x3F35_04F2);
        for (int k = 1; k <= 1000; k++)
            yield return 1f - k * (float)Math.ScaleB(1, -24); // just below 1, where the log must keep relative accuracy
        for (int i = 0; i < 500_000; i++)
            yield return BoxMuller.U1((uint)rng.NextInt64(0, 1L << 32));
        for (int i = 0; i < 500_000; i++)
            yield return (float)Math.Pow(2, -32 * rng.NextDouble()); // log-uniform over the whole range
    }

    private static uint Bits(float x) => BitConverter.SingleToUInt32Bits(x);
}
