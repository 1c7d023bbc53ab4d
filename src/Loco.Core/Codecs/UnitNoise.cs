using System.Numerics;

namespace Loco.Core.Codecs;

/// <summary>
/// The uniform draws of stochastic rounding: u(seed, i) in [0, 1) from a SplitMix64 finaliser of seed + i·φ, so every
/// value's draw is fixed by its index whatever order or width the encoder runs in. The span forms compute the same
/// hashes on <see cref="Vector{T}"/> (64-bit integer lanes: each operation exact, so the same bits at every width).
/// </summary>
public static class UnitNoise
{
    private const ulong Phi = 0x9E3779B97F4A7C15UL;
    private const ulong Mix1 = 0xBF58476D1CE4E5B9UL;
    private const ulong Mix2 = 0x94D049BB133111EBUL;

    /// <summary>A 64-bit hash of (<paramref name="seed"/>, <paramref name="index"/>).</summary>
    public static ulong Bits(ulong seed, long index)
    {
        ulong z = seed + (ulong)index * Phi;
        z = (z ^ (z >> 30)) * Mix1;
        z = (z ^ (z >> 27)) * Mix2;
        return z ^ (z >> 31);
    }

    /// <summary>u in [0, 1) with 24 random bits (exact in fp32).</summary>
    public static float Uniform(ulong seed, long index) => (Bits(seed, index) >> 40) * (1f / (1 << 24));

    /// <summary>destination[i] = <see cref="Bits"/>(seed, firstIndex + i), a vector of indices at a time.</summary>
    public static void Fill(ulong seed, long firstIndex, Span<ulong> destination)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<ulong>.Count > 1)
        {
            int w = Vector<ulong>.Count;
            Vector<ulong> z = Start(seed, firstIndex);
            var stride = new Vector<ulong>((ulong)w * Phi);
            for (; i + w <= destination.Length; i += w, z += stride)
            {
                Mix(z).CopyTo(destination.Slice(i, w));
            }
        }

        for (; i < destination.Length; i++)
        {
            destination[i] = Bits(seed, firstIndex + i);
        }
    }

    /// <summary>destination[i] = <see cref="Uniform"/>(seed, firstIndex + i): <see cref="Fill"/> a chunk at a time, then scaled.</summary>
    public static void FillUniform(ulong seed, long firstIndex, Span<float> destination)
    {
        const int chunk = 256;
        Span<ulong> bits = stackalloc ulong[chunk];
        for (int start = 0; start < destination.Length; start += chunk)
        {
            int n = Math.Min(chunk, destination.Length - start);
            Fill(seed, firstIndex + start, bits[..n]);
            Span<float> target = destination.Slice(start, n);
            int i = 0;
            if (Vector.IsHardwareAccelerated && Vector<ulong>.Count > 1)
            {
                int w = Vector<ulong>.Count;
                var unit = new Vector<float>(1f / (1 << 24));
                for (; i + 2 * w <= n; i += 2 * w)
                {
                    // Both halves hold 24 bits: the narrowing and the int → float conversion are exact.
                    Vector<uint> top = Vector.Narrow(
                        Vector.ShiftRightLogical(new Vector<ulong>(bits.Slice(i, w)), 40),
                        Vector.ShiftRightLogical(new Vector<ulong>(bits.Slice(i + w, w)), 40));
                    (Vector.ConvertToSingle(Vector.AsVectorInt32(top)) * unit).CopyTo(target.Slice(i, 2 * w));
                }
            }

            for (; i < n; i++)
            {
                target[i] = (bits[i] >> 40) * (1f / (1 << 24));
            }
        }
    }

    /// <summary>The seed of a worker's encoding in a round.</summary>
    public static ulong Seed(ulong runSeed, long round, int worker) => Bits(Bits(runSeed ^ 0xC0DEC0DEUL, round), worker);

    // Lane l holds seed + (firstIndex + l)·φ (wrapping, as the scalar form).
    private static Vector<ulong> Start(ulong seed, long firstIndex)
    {
        Span<ulong> lanes = stackalloc ulong[Vector<ulong>.Count];
        for (int l = 0; l < lanes.Length; l++)
        {
            lanes[l] = seed + (ulong)(firstIndex + l) * Phi;
        }

        return new Vector<ulong>(lanes);
    }

    private static Vector<ulong> Mix(Vector<ulong> z)
    {
        z = (z ^ Vector.ShiftRightLogical(z, 30)) * new Vector<ulong>(Mix1);
        z = (z ^ Vector.ShiftRightLogical(z, 27)) * new Vector<ulong>(Mix2);
        return z ^ Vector.ShiftRightLogical(z, 31);
    }
}
