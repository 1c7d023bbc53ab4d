using Loco.Core.Random;

namespace Loco.Core.Tests.Random;

/// <summary>Bit-exactness across code paths, reproducibility, and the stream (concatenation) contract.</summary>
public class GaussianStreamDeterminismTests
{
    public static TheoryData<int> Lengths => new() { 0, 1, 7, 8, 9, 1000, 4097 };

    // Every vector path runs on any machine (.NET emulates widths the hardware lacks), so each is checked.
    public static TheoryData<int, string> LengthsAndPaths()
    {
        var data = new TheoryData<int, string>();
        foreach (int n in new[] { 0, 1, 7, 8, 9, 1000, 4097 })
            foreach (string path in Enum.GetNames<KernelPath>().Where(p => p != nameof(KernelPath.Scalar)))
                data.Add(n, path);
        return data;
    }

    [Theory]
    [MemberData(nameof(LengthsAndPaths))]
    public void VectorPath_Doubles_EqualScalarReference_BitForBit(int length, string path)
    {
        var vector = new GaussianStream(20240601, 3) { Path = Enum.Parse<KernelPath>(path) };
        var scalar = new GaussianStream(20240601, 3);
        var expected = new double[length];
        var actual = new double[length];

        // Two calls each, so buffered leftovers and the vector loop are both exercised.
        for (int call = 0; call < 2; call++)
        {
            scalar.FillScalarReference(expected);
            vector.Fill(actual);
            AssertBitsEqual(expected, actual);
        }
    }

    [Theory]
    [MemberData(nameof(LengthsAndPaths))]
    public void VectorPath_Floats_EqualScalarReference_BitForBit(int length, string path)
    {
        var vector = new GaussianStream(77, 5) { Path = Enum.Parse<KernelPath>(path) };
        var scalar = new GaussianStream(77, 5) { Path = KernelPath.Scalar };
        var expected = new float[length];
        var actual = new float[length];
        for (int call = 0; call < 2; call++)
        {
            scalar.Fill(expected);
            vector.Fill(actual);
            Assert.Equal(
                expected.Select(BitConverter.SingleToInt32Bits),
                actual.Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Theory]
    [MemberData(nameof(LengthsAndPaths))]
    public void VectorPath_Uniforms_EqualScalarReference_BitForBit(int length, string path)
    {
        var vector = new GaussianStream(9, 1) { Path = Enum.Parse<KernelPath>(path) };
        var scalar = new GaussianStream(9, 1) { Path = KernelPath.Scalar };
        var expected = new double[length];
        var actual = new double[length];
        for (int call = 0; call < 2; call++)
        {
            scalar.FillUniform(expected);
            vector.FillUniform(actual);
            AssertBitsEqual(expected, actual);
        }
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Floats_AreTheDoubleSequenceRoundedToFloat(int length)
    {
        var doubles = new double[length];
        var floats = new float[length];
        new GaussianStream(5).Fill(doubles);
        new GaussianStream(5).Fill(floats);
        Assert.Equal(doubles.Select(d => (float)d), floats);
    }

    [Fact]
    public void SameSeedAndStream_GiveTheSameSequence()
    {
        var a = new double[10_000];
        var b = new double[10_000];
        new GaussianStream(123, 456).Fill(a);
        new GaussianStream(123, 456).Fill(b);
        AssertBitsEqual(a, b);
    }

    [Theory]
    [InlineData(123UL, 456UL, 123UL, 457UL)]
    [InlineData(123UL, 0UL, 124UL, 0UL)]
    [InlineData(0UL, 1UL, 1UL, 0UL)] // swapping seed and stream must not collide
    public void DifferentSeedOrStream_GiveDifferentSequences(ulong seedA, ulong streamA, ulong seedB, ulong streamB)
    {
        var a = new double[64];
        var b = new double[64];
        new GaussianStream(seedA, streamA).Fill(a);
        new GaussianStream(seedB, streamB).Fill(b);
        Assert.All(Enumerable.Range(0, a.Length), i => Assert.NotEqual(a[i], b[i]));
    }

    /// <summary>
    /// The first values of one stream, pinned. They come from this implementation, so this does not
    /// prove correctness; it makes any change to the published sequence a deliberate one.
    /// </summary>
    [Fact]
    public void FirstValues_ArePinned()
    {
        var actual = new double[Golden.Length];
        new GaussianStream(1, 0).Fill(actual);
        Assert.Equal(Golden, actual.Select(BitConverter.DoubleToUInt64Bits));
    }

    private static readonly ulong[] Golden =
    [
        0x3FF804E660000000UL, // 1.501196265220642
        0x3FF44DF060000000UL, // 1.2690280675888062
        0xBFD420E880000000UL, // -0.3145085573196411
        0x3FF55771C0000000UL, // 1.3338487148284912
        0xBFD7E310C0000000UL, // -0.37323397397994995
        0xBFDD341540000000UL, // -0.4563038945198059
        0xBFB262DC80000000UL, // -0.07182100415229797
        0x400454BDA0000000UL, // 2.541377305984497
        0x3FE4F49B40000000UL, // 0.654859185218811
        0xC0056C5400000000UL, // -2.6778945922851562
        0xC000584BA0000000UL, // -2.0431129932403564
        0xBFC545E7E0000000UL, // -0.1661958545446396
        0xBF98AF2DC0000000UL, // -0.024105753749608994
        0x3FF4CCDF40000000UL, // 1.3000175952911377
        0x3FD7B51C00000000UL, // 0.37042903900146484
        0xBFD98DAEE0000000UL, // -0.3992726504802704
        0xBFD1196600000000UL, // -0.26717519760131836
        0xBFFC71A1E0000000UL, // -1.7777422666549683
        0x3FBC56D720000000UL, // 0.1107000783085823
        0x3FF59A7C20000000UL, // 1.350216031074524
    ];

    /// <summary>
    /// Contract: Gaussian calls read one sequence, so any split into consecutive calls — of either
    /// element type, or NextGaussian — returns what a single call returns.
    /// </summary>
    [Theory]
    [InlineData(new[] { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 })]
    [InlineData(new[] { 0, 7, 0, 9, 16, 15, 17, 1 })]
    [InlineData(new[] { 1000, 4097, 3, 333 })]
    [InlineData(new[] { 16, 32, 48, 5, 11 })]
    public void SplitCalls_ContinueTheStream(int[] parts)
    {
        int total = parts.Sum();
        var whole = new double[total];
        new GaussianStream(99, 2).Fill(whole);

        var doublesInParts = new double[total];
        var floatsInParts = new float[total];
        var mixed = new double[total];
        var byParts = new GaussianStream(99, 2);
        var byFloats = new GaussianStream(99, 2);
        var byMixed = new GaussianStream(99, 2);
        int offset = 0;
        for (int p = 0; p < parts.Length; p++)
        {
            byParts.Fill(doublesInParts.AsSpan(offset, parts[p]));
            byFloats.Fill(floatsInParts.AsSpan(offset, parts[p]));
            if (p % 2 == 0)
                byMixed.Fill(mixed.AsSpan(offset, parts[p]));
            else
                for (int i = 0; i < parts[p]; i++)
                    mixed[offset + i] = byMixed.NextGaussian();
            offset += parts[p];
        }

        AssertBitsEqual(whole, doublesInParts);
        AssertBitsEqual(whole, mixed);
        Assert.Equal(whole.Select(d => (float)d), floatsInParts);
    }

    [Fact]
    public void NextDouble_ContinuesTheUniformSequence()
    {
        var whole = new double[29];
        new GaussianStream(4).FillUniform(whole);

        var parts = new GaussianStream(4);
        var actual = new double[29];
        parts.FillUniform(actual.AsSpan(0, 3));
        for (int i = 3; i < 12; i++)
            actual[i] = parts.NextDouble();
        parts.FillUniform(actual.AsSpan(12));
        AssertBitsEqual(whole, actual);
    }

    [Theory]
    [InlineData(nameof(KernelPath.Auto))]
    [InlineData(nameof(KernelPath.Vector512))]
    [InlineData(nameof(KernelPath.Vector256))]
    [InlineData(nameof(KernelPath.Vector128))]
    [InlineData(nameof(KernelPath.Scalar))]
    public void Calls_DoNotAllocate_AfterConstruction(string path)
    {
        var stream = new GaussianStream(1) { Path = Enum.Parse<KernelPath>(path) };
        var doubles = new double[1003];
        var floats = new float[1003];
        void Exercise()
        {
            stream.Fill(doubles);
            stream.Fill(floats);
            stream.FillUniform(doubles);
            stream.NextGaussian();
            stream.NextDouble();
        }

        Exercise(); // first calls run static constructors and the JIT
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
            Exercise();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Xoshiro256StarStar_MatchesThePublishedReferenceCode()
    {
        // Lane 0 seeded {1, 2, 3, 4}; outputs of the reference C code (prng.di.unimi.it), as also
        // used by the rand_xoshiro crate's tests.
        ulong[] expected =
        [
            11520, 0, 1509978240, 1215971899390074240, 1216172134540287360,
            607988272756665600, 16172922978634559625, 8476171486693032832,
            10595114339597558777, 2904607092377533576,
        ];
        var state = new ulong[Xoshiro256Lanes.StateLength];
        for (int word = 0; word < 4; word++)
            state[word * Xoshiro256Lanes.Lanes] = (ulong)word + 1;

        Assert.Equal(expected, expected.Select(_ => Xoshiro256Lanes.Next(state, 0)));
    }

    [Fact]
    public void SplitMix64_MatchesThePublishedReferenceCode()
    {
        // Seed 1234567, outputs of the reference C code (prng.di.unimi.it/splitmix64.c).
        ulong[] expected = [6457827717110365317, 3203168211198807973, 9817491932198370423, 4593380528125082431, 16408922859458223821];
        ulong state = 1234567;
        Assert.Equal(expected, expected.Select(_ => SplitMix64.Next(ref state)));
    }

    private static void AssertBitsEqual(double[] expected, double[] actual) =>
        Assert.Equal(expected.Select(BitConverter.DoubleToUInt64Bits), actual.Select(BitConverter.DoubleToUInt64Bits));
}
