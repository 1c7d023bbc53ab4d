using Loco.Core.Codecs;
using Loco.Core.Family;
using Loco.Core.Rounds.Reducers;

namespace Loco.Core.Tests;

/// <summary>
/// The codecs of DESIGN.md §8 against scalar references written here in double arithmetic: round-to-nearest equals the
/// reference bit for bit and stays within half a step; stochastic rounding lands on a neighbouring level and is unbiased
/// (a mean over many seeds within 4 standard errors); error feedback makes the cumulative sent sum track the true one.
/// </summary>
public class CodecTests
{
    private static float[] Values(int n, int seed, double spread = 3)
    {
        var rng = new System.Random(seed);
        // Magnitudes over several octaves, both signs, and a few exact zeros.
        return [.. Enumerable.Range(0, n).Select(i => i % 97 == 0 ? 0f : (float)((rng.NextDouble() * 2 - 1) * Math.Pow(10, spread * (rng.NextDouble() - 0.5))))];
    }

    private static float[] RoundTrip(CodecSpec spec, float[] x, ulong seed = 1)
    {
        ICodec codec = spec.Create();
        byte[] bytes = new byte[codec.EncodedBytes(x.Length)];
        codec.Encode(x, bytes, seed);
        float[] back = new float[x.Length];
        codec.Decode(bytes, back);
        return back;
    }

    // x rounded to `bits` significant bits, ties to even, in double arithmetic (a normal float's value).
    private static float RoundSignificand(float x, int bits)
    {
        if (x == 0)
        {
            return x;
        }

        int e = (int)Math.Floor(Math.Log2(Math.Abs(x)));
        double ulp = Math.Pow(2, e - (bits - 1));
        return (float)(Math.Round(x / ulp, MidpointRounding.ToEven) * ulp);
    }

    [Fact]
    public void Bf16AndFp16RoundToNearestEqualAReferenceRoundingOfTheSignificand()
    {
        float[] x = Values(5000, 1);
        float[] bf = RoundTrip(new CodecSpec(CodecKind.Bf16), x);
        float[] fp = RoundTrip(new CodecSpec(CodecKind.Fp16), x);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.Equal(RoundSignificand(x[i], 8), bf[i]);
            Assert.True(Math.Abs(x[i] - bf[i]) <= Math.Abs(x[i]) * Math.Pow(2, -8));
            if (x[i] == 0 || Math.Abs(x[i]) >= Math.Pow(2, -14)) // fp16's normal range (the spread stays below 65504)
            {
                Assert.Equal(RoundSignificand(x[i], 11), fp[i]);
                Assert.True(Math.Abs(x[i] - fp[i]) <= Math.Abs(x[i]) * Math.Pow(2, -11));
            }
        }

        Assert.True(float.IsNaN(RoundTrip(new CodecSpec(CodecKind.Bf16), [float.NaN])[0]));
    }

    [Theory]
    [InlineData(CodecKind.Int8, 127, 2048)]
    [InlineData(CodecKind.Int8, 127, 64)]
    [InlineData(CodecKind.Int4, 7, 2048)]
    [InlineData(CodecKind.Int4, 7, 32)]
    public void BlockwiseIntegersRoundToNearestAsAScalarReferenceAndWithinHalfAStep(CodecKind kind, int levels, int block)
    {
        float[] x = Values(5003, 2); // a last, short block
        float[] back = RoundTrip(new CodecSpec(kind, block), x);
        for (int start = 0; start < x.Length; start += block)
        {
            int length = Math.Min(block, x.Length - start);
            float absmax = x.Skip(start).Take(length).Max(MathF.Abs);
            float scale = absmax / levels;
            for (int i = start; i < start + length; i++)
            {
                double q = Math.Clamp(Math.Round((double)(x[i] * (1f / scale)), MidpointRounding.ToEven), -levels, levels);
                Assert.Equal((float)q * scale, back[i]);
                Assert.True(Math.Abs(x[i] - back[i]) <= scale / 2 * (1 + 1e-6), $"value {i}: {x[i]} → {back[i]}, step {scale}");
            }
        }

        ICodec codec = new CodecSpec(kind, block).Create();
        int blocks = (x.Length + block - 1) / block;
        Assert.Equal(4 * blocks + (kind == CodecKind.Int8 ? x.Length : (x.Length + 1) / 2), codec.EncodedBytes(x.Length));
    }

    [Theory]
    [InlineData(CodecKind.Bf16)]
    [InlineData(CodecKind.Fp16)]
    [InlineData(CodecKind.Int8)]
    [InlineData(CodecKind.Int4)]
    public void StochasticRoundingLandsOnANeighbourAndIsUnbiased(CodecKind kind)
    {
        float[] x = Values(256, 3, spread: 1);
        var spec = new CodecSpec(kind, 64, Stochastic: true);
        var nearest = RoundTrip(spec with { Stochastic = false }, x);
        const int Draws = 4000;
        double[] sum = new double[x.Length], sumSq = new double[x.Length];
        for (int s = 0; s < Draws; s++)
        {
            float[] back = RoundTrip(spec, x, (ulong)s * 7919 + 1);
            for (int i = 0; i < x.Length; i++)
            {
                double err = back[i] - (double)x[i];
                // A neighbouring level: no further from x than the nearest level's step on either side.
                Assert.True(Math.Abs(err) <= 2.01 * Math.Abs(nearest[i] - x[i]) + Step(kind, x, i), $"value {i}: {x[i]} → {back[i]}");
                sum[i] += err;
                sumSq[i] += err * err;
            }
        }

        // Pool the per-value means into one z-score per value and check each, and their average, at 4 standard errors.
        int rounded = 0;
        double total = 0, totalVar = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double mean = sum[i] / Draws, variance = sumSq[i] / Draws - mean * mean;
            if (variance <= 0)
            {
                continue; // x is exactly representable
            }

            rounded++;
            double se = Math.Sqrt(variance / Draws);
            Assert.True(Math.Abs(mean) <= 5 * se, $"value {i} ({x[i]}): mean error {mean:E3} is {Math.Abs(mean) / se:F1} standard errors");
            total += mean;
            totalVar += variance / Draws;
        }

        Assert.True(rounded > x.Length / 2);
        Assert.True(Math.Abs(total) <= 4 * Math.Sqrt(totalVar), $"summed mean error {total:E3}, s.e. {Math.Sqrt(totalVar):E3}");
    }

    [Theory]
    [InlineData(0L, 1)]
    [InlineData(0L, 1031)]
    [InlineData(7L, 64)]
    [InlineData(123_456_789_012L, 517)]
    public void TheVectorisedDrawsAreTheScalarHashValueForValue(long first, int length)
    {
        // Every length up to `length` from this first index: vector bodies and scalar tails of every size.
        const ulong Seed = 0xDEADBEEF12345UL;
        ulong[] bits = new ulong[length];
        float[] uniform = new float[length];
        for (int n = Math.Max(1, length - 40); n <= length; n++)
        {
            UnitNoise.Fill(Seed, first, bits.AsSpan(0, n));
            UnitNoise.FillUniform(Seed, first, uniform.AsSpan(0, n));
            for (int i = 0; i < n; i++)
            {
                // SplitMix64's finaliser of seed + index·φ, written out here.
                ulong z = Seed + (ulong)(first + i) * 0x9E3779B97F4A7C15UL;
                z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
                z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
                z ^= z >> 31;
                Assert.Equal(z, bits[i]);
                Assert.Equal((z >> 40) / 16777216.0, uniform[i]);
            }
        }
    }

    [Theory]
    [InlineData(CodecKind.Bf16, 1)]
    [InlineData(CodecKind.Bf16, 2053)]
    [InlineData(CodecKind.Fp16, 1029)]
    [InlineData(CodecKind.Int8, 1030)]
    [InlineData(CodecKind.Int4, 301)]
    public void StochasticRoundingEqualsAScalarReferenceAtAnyOffset(CodecKind kind, int n)
    {
        // Each value's draw is fixed by its global index: a slice encoded from firstIndex = 1000 + 3 rounds value i with
        // u(seed, 1003 + i), whatever the width the encoder runs at; the reference here rounds value by value.
        float[] x = Values(n, 5, spread: 2);
        x[0] = float.NaN;
        if (n > 4)
        {
            x[3] = float.MaxValue;
            x[4] = -float.MaxValue;
        }

        const ulong Seed = 42;
        const long First = 1003;
        var spec = new CodecSpec(kind, 64, Stochastic: true);
        ICodec codec = spec.Create();
        byte[] bytes = new byte[codec.EncodedBytes(n)];
        codec.Encode(x, bytes, Seed, First);
        float[] back = new float[n];
        codec.Decode(bytes, back);
        for (int i = 0; i < n; i++)
        {
            float expected = Reference(kind, x, i, UnitNoise.Bits(Seed, First + i));
            Assert.True(expected.Equals(back[i]), $"value {i} ({x[i]}): {back[i]}, expected {expected}");
        }
    }

    /// <summary>
    /// fp16 with stochastic rounding over its whole range, at any offset: subnormals (below 2⁻¹⁴) and values that round
    /// to ±0, both zeros, the edge of the largest half (65504, 65519, 65520 and beyond), infinities and NaN, each equal
    /// to the scalar reference written here in Half's own terms.
    /// </summary>
    [Theory]
    [InlineData(4099, 0)]
    [InlineData(515, 7)]
    public void Fp16StochasticRoundingEqualsTheScalarReferenceOverItsWholeRange(int n, long offset)
    {
        float[] x = Values(n, 11, spread: 14);
        float[] edges = [0f, -0f, 6.0e-8f, -6.0e-8f, 2.9e-8f, -2.9e-8f, 6.1e-5f, -6.1e-5f, 65504f, -65504f, 65519f, -65519f, 65520f, 70000f, -1e9f,
            float.PositiveInfinity, float.NegativeInfinity, float.NaN, 1f, -1f, 1.0004883f, 3e-7f, -1.5e-6f];
        for (int i = 0; i < edges.Length; i++)
        {
            x[(i * 37 + 5) % n] = edges[i];
        }

        const ulong Seed = 9;
        long first = 1000 + offset;
        ICodec codec = new CodecSpec(CodecKind.Fp16, Stochastic: true).Create();
        byte[] bytes = new byte[codec.EncodedBytes(n)];
        codec.Encode(x, bytes, Seed, first);
        float[] back = new float[n];
        codec.Decode(bytes, back);
        for (int i = 0; i < n; i++)
        {
            float expected = Reference(CodecKind.Fp16, x, i, UnitNoise.Bits(Seed, first + i));
            Assert.True(expected.Equals(back[i]), $"value {i} ({x[i]:R}): {back[i]:R}, expected {expected:R}");
        }
    }

    // Stochastic rounding of x[i] with the 64 hash bits `draw`, value by value in the format's own terms.
    private static float Reference(CodecKind kind, float[] x, int i, ulong draw)
    {
        float v = x[i];
        float u = (draw >> 40) / 16777216f;
        switch (kind)
        {
            case CodecKind.Bf16:
                if (float.IsNaN(v))
                {
                    return float.NaN;
                }

                uint sum = BitConverter.SingleToUInt32Bits(v) + (uint)(draw >> 48);
                return BitConverter.UInt32BitsToSingle(sum & 0xFFFF0000u);
            case CodecKind.Fp16:
            {
                if (!float.IsFinite(v))
                {
                    return (float)(Half)v;
                }

                // The two halves around v (saturating at ±65504), up with probability (v − lo)/(hi − lo).
                double max = (double)Half.MaxValue;
                if (Math.Abs(v) >= max)
                {
                    return (float)Math.CopySign(max, v);
                }

                Half h = (Half)v;
                float near = (float)h;
                if (near == v)
                {
                    return near;
                }

                float other = (float)(v > near ? Half.BitIncrement(h) : Half.BitDecrement(h));
                float lo = Math.Min(near, other), hi = Math.Max(near, other);
                return u < (v - lo) / (hi - lo) ? hi : lo;
            }

            default:
            {
                int levels = kind == CodecKind.Int8 ? 127 : 7;
                int start = i / 64 * 64, length = Math.Min(64, x.Length - start);
                float absmax = 0;
                for (int j = start; j < start + length; j++)
                {
                    absmax = Math.Max(absmax, Math.Abs(x[j]));
                }

                if (float.IsNaN(absmax) || x.Skip(start).Take(length).Any(float.IsNaN))
                {
                    return float.NaN;
                }

                float scale = absmax / levels;
                if (!float.IsFinite(absmax))
                {
                    return float.NaN;
                }

                float q = Math.Clamp(MathF.Floor(v * (1f / scale) + u), -levels, levels);
                return q * scale;
            }
        }
    }

    // One level of the format at value i (the integer formats' block step; the float formats' ulp).
    private static double Step(CodecKind kind, float[] x, int i)
    {
        if (kind is CodecKind.Int8 or CodecKind.Int4)
        {
            int start = i / 64 * 64;
            return x.Skip(start).Take(64).Max(MathF.Abs) / (kind == CodecKind.Int8 ? 127.0 : 7.0);
        }

        int bits = kind == CodecKind.Bf16 ? 8 : 11;
        return x[i] == 0 ? 0 : Math.Pow(2, Math.Floor(Math.Log2(Math.Abs(x[i]))) - (bits - 1));
    }

    [Theory]
    [InlineData("int4:32", false)]
    [InlineData("int8:64", true)]
    [InlineData("bf16", false)]
    public void ErrorFeedbackMakesTheCumulativeSentSumTrackTheTrueSum(string codec, bool stochastic)
    {
        const int D = 512, Rounds = 60;
        var rng = new System.Random(5);
        // A persistent small component (below half an int4 step of the block) plus noise: round-to-nearest alone drops it.
        double[] bias = [.. Enumerable.Range(0, D).Select(i => i % 32 == 0 ? 1.0 : 0.01)];
        var sentWith = new double[D];
        var sentWithout = new double[D];
        var truth = new double[D];
        var with = new CompressingReducer<double>(new InProcessReducer<double>(), CodecSpec.Parse(codec, stochastic), errorFeedback: true, seed: 3);
        var without = new CompressingReducer<double>(new InProcessReducer<double>(), CodecSpec.Parse(codec, stochastic), errorFeedback: false, seed: 3);
        double[] mean = new double[D];
        for (int r = 0; r < Rounds; r++)
        {
            double[] delta = [.. bias.Select(b => b * (1 + 0.1 * (rng.NextDouble() - 0.5)))];
            for (int i = 0; i < D; i++)
            {
                truth[i] += delta[i];
            }

            foreach ((CompressingReducer<double> reducer, double[] sent) in new[] { (with, sentWith), (without, sentWithout) })
            {
                reducer.Begin(D, 1);
                reducer.Add(0, delta);
                reducer.Mean(mean);
                for (int i = 0; i < D; i++)
                {
                    sent[i] += mean[i];
                }
            }
        }

        // With feedback: Σ sent = Σ true − e_R exactly (up to rounding), and the residual stays within one round's error.
        double[] residual = with.Residuals[0];
        double maxGap = 0, maxGapWithout = 0;
        for (int i = 0; i < D; i++)
        {
            Assert.Equal(truth[i], sentWith[i] + residual[i], 1e-9 * Rounds);
            maxGap = Math.Max(maxGap, Math.Abs(truth[i] - sentWith[i]));
            maxGapWithout = Math.Max(maxGapWithout, Math.Abs(truth[i] - sentWithout[i]));
        }

        Assert.True(maxGap <= 1.2, $"the feedback residual grew to {maxGap}");
        if (!stochastic && codec.StartsWith("int4", StringComparison.Ordinal))
        {
            Assert.True(maxGapWithout > 0.5, $"round-to-nearest without feedback should lose the small component (gap {maxGapWithout})");
        }
    }

    [Fact]
    public void Fp32PassesThroughBitForBitAndCountsFourBytesPerValue()
    {
        double[] a = [.. Values(300, 6).Select(v => (double)v * 1.000000001)], b = [.. Values(300, 7).Select(v => (double)v)];
        var plain = new InProcessReducer<double>();
        var codec = new CompressingReducer<double>(new InProcessReducer<double>(), CodecSpec.None, errorFeedback: true, seed: 1);
        double[] m1 = new double[300], m2 = new double[300];
        foreach ((IReducer<double> r, double[] m) in new[] { ((IReducer<double>)plain, m1), (codec, m2) })
        {
            r.Begin(300, 2);
            r.Add(0, a);
            r.Add(1, b);
            r.Mean(m);
        }

        Assert.Equal(m1, m2);
        Assert.Equal(2 * 4 * 300, codec.LastRoundBytes);
    }

    [Theory]
    [InlineData("int3")]
    [InlineData("int8:0")]
    [InlineData("int8:7")]
    [InlineData("int4:x")]
    [InlineData("bf16:64")]
    [InlineData("int8:64:2")]
    public void BadCodecNamesAreRefusedNamingTheFlag(string text)
    {
        InvalidInputException ex = Assert.Throws<InvalidInputException>(() => CodecSpec.Parse(text));
        Assert.Equal("--compress", ex.Subject);
    }

    [Fact]
    public void NamesParseAndBytesShrinkAsTheFormatsPromise()
    {
        Assert.Equal("int8:2048", CodecSpec.Parse("INT8").Name);
        Assert.Equal("int4:128", CodecSpec.Parse("int4:128").Name);
        const int N = 1 << 20;
        double fp32 = CodecSpec.None.Create().EncodedBytes(N);
        Assert.Equal(2.0, fp32 / CodecSpec.Parse("bf16").Create().EncodedBytes(N));
        Assert.Equal(2.0, fp32 / CodecSpec.Parse("fp16").Create().EncodedBytes(N));
        Assert.InRange(fp32 / CodecSpec.Parse("int8").Create().EncodedBytes(N), 3.99, 4.0);
        Assert.InRange(fp32 / CodecSpec.Parse("int4").Create().EncodedBytes(N), 7.9, 8.0);
    }
}
