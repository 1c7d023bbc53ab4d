using System.Runtime.CompilerServices;

namespace Loco.Core.Random;

/// <summary>
/// Eight independent xoshiro256** generators (Blackman &amp; Vigna 2018, reference code at
/// https://prng.di.unimi.it/xoshiro256starstar.c), one per logical lane. The lane count is fixed
/// so that the output never depends on the hardware's vector width: a Vector512 holds all eight
/// lanes of one state word, and the scalar path steps the lanes one by one to the same result.
/// </summary>
/// <remarks>
/// State layout (structure of arrays): word <c>w</c> of lane <c>i</c> lives at <c>state[w * Lanes + i]</c>.
/// </remarks>
internal static class Xoshiro256Lanes
{
    public const int Lanes = 8;
    public const int StateLength = 4 * Lanes;

    /// <summary>
    /// Seeds all lanes from one SplitMix64 sequence whose starting point hashes (seed, stream).
    /// Both hash steps are bijections, so for a fixed seed distinct streams start distinct
    /// SplitMix64 sequences (and vice versa); four distinct SplitMix64 outputs can never be all zero,
    /// which is the one state xoshiro must avoid.
    /// </summary>
    public static void Seed(Span<ulong> state, ulong seed, ulong stream)
    {
        if (state.Length != StateLength)
            throw new ArgumentException($"State must hold {StateLength} words.", nameof(state));

        ulong sm = SplitMix64.Start(seed, stream);
        for (int lane = 0; lane < Lanes; lane++)
            for (int word = 0; word < 4; word++)
                state[word * Lanes + lane] = SplitMix64.Next(ref sm);
    }

    /// <summary>Scalar reference step of one lane, exactly as in the published C code.</summary>
    public static ulong Next(Span<ulong> state, int lane)
    {
        ref ulong s0 = ref state[lane];
        ref ulong s1 = ref state[Lanes + lane];
        ref ulong s2 = ref state[2 * Lanes + lane];
        ref ulong s3 = ref state[3 * Lanes + lane];
        return Xoshiro256.Step(ref s0, ref s1, ref s2, ref s3);
    }

    /// <summary>Steps a vector of lanes at once; the vector form of <see cref="Next(Span{ulong}, int)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TU Next<TU, TD>(ref TU s0, ref TU s1, ref TU s2, ref TU s3)
        where TU : struct, IBitLanes<TU, TD>
        where TD : struct, IRealLanes<TD, TU>
    {
        // ×5 and ×9 as shift-and-add: AVX2 has no 64-bit multiply, and on AVX-512 it is no faster.
        TU r = TU.RotateLeft((s1 << 2) + s1, 7);
        TU result = (r << 3) + r;
        TU t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = TU.RotateLeft(s3, 45);
        return result;
    }
}
