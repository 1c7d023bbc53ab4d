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
        0x3FBB89089E284D3EUL, // 0.10755971776261661
        0x3FD9D459547FC29FUL, // 0.40358575107442535
        0xBFD36E9713449F99UL, // -0.30362488633772383
        0x3FC1A4CBD51CA1DDUL, // 0.13784168153621482
        0xBFC76BC7CA2B8124UL, // -0.18297669765070979
        0xBFC28E1FD0CBA4C1UL, // -0.14496228880969933
        0x3FE942A59EBA99FDUL, // 0.7893856144117418
        0xBFE4FA9854CFDB8AUL, // -0.6555902153476023
        0xBFDB455829D8DE20UL, // -0.4261074455893965
        0x3FDC7B2448CACE24UL, // 0.4450159750806242
        0x3FEDB88CF03664E9UL, // 0.928778142132754
        0xBFB1B51118C982D4UL, // -0.06916910987048236
        0x3FC2AF4239DEC9BCUL, // 0.14597347093292778
        0x3FEE1FAF373CF5C3UL, // 0.9413677290792112
        0x3FD75AB63CA869CBUL, // 0.3649116127359348
        0x3FF4ED5203FC4819UL, // 1.3079395442659971
        0xBFFF2CEDBBF90742UL, // -1.9484689085661135
        0xBFEEC07DC227AECAUL, // -0.9609974662866645
        0xBFF867E1AFD69F3AUL, // -1.5253617161451545
        0xBFE549339D0D4431UL, // -0.6651857440393824
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
