namespace Loco.Core.Codecs;

/// <summary>
/// The uniform draws of stochastic rounding: u(seed, i) in [0, 1) from a SplitMix64 finaliser of seed + i·φ, so every
/// value's draw is fixed by its index whatever order or width the encoder runs in.
/// </summary>
public static class UnitNoise
{
    /// <summary>A 64-bit hash of (<paramref name="seed"/>, <paramref name="index"/>).</summary>
    public static ulong Bits(ulong seed, long index)
    {
        ulong z = seed + (ulong)index * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>u in [0, 1) with 24 random bits (exact in fp32).</summary>
    public static float Uniform(ulong seed, long index) => (Bits(seed, index) >> 40) * (1f / (1 << 24));

    /// <summary>The seed of a worker's encoding in a round.</summary>
    public static ulong Seed(ulong runSeed, long round, int worker) => Bits(Bits(runSeed ^ 0xC0DEC0DEUL, round), worker);
}
