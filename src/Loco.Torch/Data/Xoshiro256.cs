namespace Loco.Torch.Data;

/// <summary>
/// One xoshiro256** generator (Blackman &amp; Vigna 2018, https://prng.di.unimi.it/xoshiro256starstar.c)
/// whose whole state is four public words, so it can be saved in a checkpoint and restored exactly.
/// </summary>
public sealed class Xoshiro256
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>The generator for (<paramref name="seed"/>, <paramref name="stream"/>), seeded through SplitMix64.</summary>
    public Xoshiro256(ulong seed, ulong stream = 0)
    {
        ulong sm = Mix(Mix(seed ^ 0x6A09E667F3BCC908UL) ^ stream);
        _s0 = NextSplitMix(ref sm);
        _s1 = NextSplitMix(ref sm);
        _s2 = NextSplitMix(ref sm);
        _s3 = NextSplitMix(ref sm);
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
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
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

    private static ulong NextSplitMix(ref ulong state) => Mix(state += 0x9E3779B97F4A7C15UL);

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

/// <summary>The four state words of a <see cref="Xoshiro256"/> generator (plain data, JSON-serializable).</summary>
public readonly record struct RngState(ulong S0, ulong S1, ulong S2, ulong S3);
