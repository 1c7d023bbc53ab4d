using System.Numerics;
using System.Runtime.InteropServices;

namespace Loco.Core.Codecs;

/// <summary>
/// bfloat16: the high 16 bits of the fp32 value, rounded to nearest even, or stochastically (16 random low bits added
/// before truncation: rounds up with probability equal to the discarded fraction). NaN stays NaN. Round-to-nearest and
/// decoding run on <see cref="Vector{T}"/> (integer operations, so the bits are the same at every width); the layout is
/// little-endian 16-bit words.
/// </summary>
public sealed class Bf16Codec(bool stochastic = false) : ICodec
{
    /// <inheritdoc />
    public int EncodedBytes(int count) => checked(2 * count);

    /// <inheritdoc />
    public void Encode(ReadOnlySpan<float> source, Span<byte> destination, ulong seed, long firstIndex = 0)
    {
        if (destination.Length < EncodedBytes(source.Length))
        {
            throw new ArgumentException("The destination is too short.", nameof(destination));
        }

        ReadOnlySpan<uint> bits = MemoryMarshal.Cast<float, uint>(source);
        Span<ushort> halves = MemoryMarshal.Cast<byte, ushort>(destination[..EncodedBytes(source.Length)]);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("The codecs' wire format is little-endian.");
        }

        int i = 0;
        if (stochastic && Vector.IsHardwareAccelerated && Vector<ulong>.Count > 1)
        {
            i = EncodeStochastic(bits, halves, seed, firstIndex);
        }
        else if (!stochastic && Vector.IsHardwareAccelerated)
        {
            int w = Vector<uint>.Count;
            var abs = new Vector<uint>(0x7FFFFFFF);
            var inf = new Vector<uint>(0x7F800000);
            var quiet = new Vector<uint>(0x00400000);
            var bias = new Vector<uint>(0x7FFF);
            var one = new Vector<uint>(1);
            for (; i + 2 * w <= bits.Length; i += 2 * w)
            {
                Vector<uint> a = Round(new Vector<uint>(bits.Slice(i, w)), abs, inf, quiet, bias, one);
                Vector<uint> b = Round(new Vector<uint>(bits.Slice(i + w, w)), abs, inf, quiet, bias, one);
                Vector.Narrow(a, b).CopyTo(halves.Slice(i, 2 * w));
            }
        }

        for (; i < bits.Length; i++)
        {
            uint x = bits[i];
            if ((x & 0x7FFFFFFF) > 0x7F800000)
            {
                halves[i] = (ushort)((x | 0x00400000) >> 16); // a quiet NaN
            }
            else if (stochastic)
            {
                ulong sum = (ulong)x + (uint)(UnitNoise.Bits(seed, firstIndex + i) >> 48);
                halves[i] = (ushort)(sum >> 16); // a carry out of the top finite exponent gives infinity, as rounding up should
            }
            else
            {
                halves[i] = (ushort)((x + 0x7FFF + ((x >> 16) & 1)) >> 16);
            }
        }
    }

    // Stochastic rounding on Vector<uint>, a chunk of draws at a time: x + r (r the draw's top 16 bits; for any non-NaN x
    // the sum stays below 2^32, so a carry out of the top finite exponent gives infinity, as rounding up should), NaNs
    // made quiet. Returns how many values it encoded (a whole number of vectors); the caller's scalar loop does the rest.
    private static int EncodeStochastic(ReadOnlySpan<uint> bits, Span<ushort> halves, ulong seed, long firstIndex)
    {
        const int chunk = 512;
        int w = Vector<uint>.Count, wl = Vector<ulong>.Count;
        Span<ulong> draws = stackalloc ulong[chunk];
        var abs = new Vector<uint>(0x7FFFFFFF);
        var inf = new Vector<uint>(0x7F800000);
        var quiet = new Vector<uint>(0x00400000);
        int done = 0;
        while (bits.Length - done >= 2 * w)
        {
            int n = Math.Min(chunk, (bits.Length - done) / (2 * w) * (2 * w));
            UnitNoise.Fill(seed, firstIndex + done, draws[..n]);
            for (int j = 0; j < n; j += 2 * w)
            {
                Vector<uint> a = Stochastic(new Vector<uint>(bits.Slice(done + j, w)), draws.Slice(j, w), wl, abs, inf, quiet);
                Vector<uint> b = Stochastic(new Vector<uint>(bits.Slice(done + j + w, w)), draws.Slice(j + w, w), wl, abs, inf, quiet);
                Vector.Narrow(a, b).CopyTo(halves.Slice(done + j, 2 * w));
            }

            done += n;
        }

        return done;
    }

    private static Vector<uint> Stochastic(Vector<uint> x, ReadOnlySpan<ulong> draws, int wl, Vector<uint> abs, Vector<uint> inf, Vector<uint> quiet)
    {
        Vector<uint> r = Vector.Narrow(
            Vector.ShiftRightLogical(new Vector<ulong>(draws[..wl]), 48),
            Vector.ShiftRightLogical(new Vector<ulong>(draws.Slice(wl, wl)), 48));
        Vector<uint> nan = Vector.GreaterThan(x & abs, inf);
        return Vector.ConditionalSelect(nan, Vector.ShiftRightLogical(x | quiet, 16), Vector.ShiftRightLogical(x + r, 16));
    }

    // Round to nearest even on the high half, NaNs made quiet; the result's high 16 bits are zero.
    private static Vector<uint> Round(Vector<uint> x, Vector<uint> abs, Vector<uint> inf, Vector<uint> quiet, Vector<uint> bias, Vector<uint> one)
    {
        Vector<uint> nan = Vector.GreaterThan(x & abs, inf);
        Vector<uint> rounded = Vector.ShiftRightLogical(x + bias + (Vector.ShiftRightLogical(x, 16) & one), 16);
        return Vector.ConditionalSelect(nan, Vector.ShiftRightLogical(x | quiet, 16), rounded);
    }

    /// <inheritdoc />
    public void Decode(ReadOnlySpan<byte> source, Span<float> destination)
    {
        ReadOnlySpan<ushort> halves = MemoryMarshal.Cast<byte, ushort>(source[..EncodedBytes(destination.Length)]);
        Span<uint> bits = MemoryMarshal.Cast<float, uint>(destination);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int w = Vector<ushort>.Count;
            for (; i + w <= halves.Length; i += w)
            {
                Vector.Widen(new Vector<ushort>(halves.Slice(i, w)), out Vector<uint> lo, out Vector<uint> hi);
                Vector.ShiftLeft(lo, 16).CopyTo(bits.Slice(i, w / 2));
                Vector.ShiftLeft(hi, 16).CopyTo(bits.Slice(i + w / 2, w / 2));
            }
        }

        for (; i < halves.Length; i++)
        {
            bits[i] = (uint)halves[i] << 16;
        }
    }
}
