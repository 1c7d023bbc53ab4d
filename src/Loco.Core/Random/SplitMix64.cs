namespace Loco.Core.Random;

/// <summary>
/// SplitMix64 (Steele, Lea &amp; Flood 2014; reference code at https://prng.di.unimi.it/splitmix64.c).
/// Used only to expand a seed into generator state, as the xoshiro authors recommend.
/// </summary>
internal static class SplitMix64
{
    private const ulong Gamma = 0x9E3779B97F4A7C15UL;

    /// <summary>
    /// The starting point of the SplitMix64 sequence that seeds the generator for (<paramref name="seed"/>,
    /// <paramref name="stream"/>). Both hash steps are bijections, so for a fixed seed distinct streams start distinct
    /// sequences (and vice versa).
    /// </summary>
    public static ulong Start(ulong seed, ulong stream) => Mix(Mix(seed ^ 0x6A09E667F3BCC908UL) ^ stream);

    /// <summary>Advances <paramref name="state"/> and returns the next output.</summary>
    public static ulong Next(ref ulong state) => Mix(state += Gamma);

    /// <summary>The SplitMix64 output function: a bijection on 64-bit words with good avalanche.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
