namespace Loco.Core.Random;

/// <summary>
/// One xoshiro256** generator (Blackman &amp; Vigna 2018, https://prng.di.unimi.it/xoshiro256starstar.c)
/// whose whole state is four public words, so it can be saved in a checkpoint and restored exactly. For a
/// (seed, stream) it draws the same sequence as lane 0 of <see cref="Xoshiro256Lanes"/> (the simulator's eight lanes):
/// both seed through <see cref="SplitMix64.Start"/> and step with <see cref="Step"/>.
/// </summary>
public sealed class Xoshiro256
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>The generator for (<paramref name="seed"/>, <paramref name="stream"/>), seeded through SplitMix64.</summary>
    public Xoshiro256(ulong seed, ulong stream = 0)
    {
        ulong sm = SplitMix64.Start(seed, stream);
        _s0 = SplitMix64.Next(ref sm);
        _s1 = SplitMix64.Next(ref sm);
        _s2 = SplitMix64.Next(ref sm);
        _s3 = SplitMix64.Next(ref sm);
    }

    /// <summary>A generator in a saved state.</summary>
    public Xoshiro256(RngState state) => State = state;

    /// <summary>The full state; setting it resumes the sequence from that point.</summary>
    public RngState State
    {
        get => new(_s0, _s1, _s2, _s3);
        set
        {
            if ((value.S0 | value.S1 | value.S2 | value.S3) == 0)
                throw new ArgumentException("The all-zero state is not a valid xoshiro256 state.", nameof(value));
            (_s0, _s1, _s2, _s3) = (value.S0, value.S1, value.S2, value.S3);
        }
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64() => Step(ref _s0, ref _s1, ref _s2, ref _s3);

    /// <summary>The xoshiro256** step on one state (s0, s1, s2, s3), exactly as in the published C code.</summary>
    public static ulong Step(ref ulong s0, ref ulong s1, ref ulong s2, ref ulong s3)
    {
        ulong result = ulong.RotateLeft(s1 * 5, 7) * 9;
        ulong t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = ulong.RotateLeft(s3, 45);
        return result;
    }

    /// <summary>A uniform integer in [0, <paramref name="bound"/>), without modulo bias (Lemire's method).</summary>
    public long NextBelow(long bound)
    {
        if (bound <= 0) throw new ArgumentOutOfRangeException(nameof(bound), "The bound must be positive.");
        ulong n = (ulong)bound;
        ulong x = NextUInt64();
        UInt128 m = (UInt128)x * n;
        ulong low = (ulong)m;
        if (low < n)
        {
            ulong threshold = (0UL - n) % n;
            while (low < threshold)
            {
                x = NextUInt64();
                m = (UInt128)x * n;
                low = (ulong)m;
            }
        }
        return (long)(m >> 64);
    }

    /// <summary>A uniform double in [0, 1) (a multiple of 2^-53).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));
}

/// <summary>The four state words of a <see cref="Xoshiro256"/> generator (plain data, JSON-serializable).</summary>
public readonly record struct RngState(ulong S0, ulong S1, ulong S2, ulong S3);
