using System.Buffers.Binary;
using System.Numerics;

namespace Loco.Core.Codecs;

/// <summary>
/// IEEE half precision: .NET's conversion (round to nearest even), or stochastic rounding between the two halves that
/// bracket the value, up with probability equal to the value's distance from the lower one over their gap. Values
/// beyond the largest half (65504) become infinite with round-to-nearest, and saturate with stochastic rounding.
/// </summary>
public sealed class Fp16Codec(bool stochastic = false) : ICodec
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

        if (!stochastic)
        {
            // IEEE round to nearest even, vectorised (the same values as the scalar conversion at every width).
            if (BitConverter.IsLittleEndian)
            {
                System.Numerics.Tensors.TensorPrimitives.ConvertToHalf(source, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(destination[..EncodedBytes(source.Length)]));
                return;
            }

            for (int i = 0; i < source.Length; i++)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(destination[(2 * i)..], BitConverter.HalfToUInt16Bits((Half)source[i]));
            }

            return;
        }

        if (!BitConverter.IsLittleEndian)
        {
            EncodeScalar(source, destination, seed, firstIndex);
            return;
        }

        // Stochastic rounding a chunk at a time: the draws, the nearest half and its value, and the other bracketing half
        // and its value go through vectorised conversions; what is left per value is integer and float arithmetic that
        // gives the scalar rounding's bits (EncodeScalar, and the tests' reference).
        const int chunk = 512;
        Span<float> draws = stackalloc float[chunk];
        Span<float> near = stackalloc float[chunk];
        Span<float> far = stackalloc float[chunk];
        Span<ushort> nearBits = stackalloc ushort[chunk];
        Span<ushort> farBits = stackalloc ushort[chunk];
        Span<ushort> output = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(destination[..EncodedBytes(source.Length)]);
        for (int start = 0; start < source.Length; start += chunk)
        {
            int length = Math.Min(chunk, source.Length - start);
            ReadOnlySpan<float> x = source.Slice(start, length);
            UnitNoise.FillUniform(seed, firstIndex + start, draws[..length]);
            System.Numerics.Tensors.TensorPrimitives.ConvertToHalf(x, System.Runtime.InteropServices.MemoryMarshal.Cast<ushort, Half>(nearBits[..length]));
            System.Numerics.Tensors.TensorPrimitives.ConvertToSingle(System.Runtime.InteropServices.MemoryMarshal.Cast<ushort, Half>(nearBits[..length]), near[..length]);
            int i = FarHalves(x, near, nearBits, farBits, length);
            for (; i < length; i++)
            {
                farBits[i] = FarHalf(x[i], near[i], nearBits[i]);
            }

            System.Numerics.Tensors.TensorPrimitives.ConvertToSingle(System.Runtime.InteropServices.MemoryMarshal.Cast<ushort, Half>(farBits[..length]), far[..length]);
            Span<ushort> result = output.Slice(start, length);
            i = Choose(x, near, far, draws, nearBits, farBits, result, length);
            for (; i < length; i++)
            {
                result[i] = Choose(x[i], near[i], far[i], draws[i], nearBits[i], farBits[i]);
            }
        }
    }

    // The half on the far side of x from the nearest one (bits b, value near): one step of magnitude away from zero or
    // towards it (the nearest half has x's sign), none past the largest finite half; b itself when x is a half.
    private static ushort FarHalf(float x, float near, ushort b)
    {
        if (!float.IsFinite(x) || !float.IsFinite(near) || near == x)
        {
            return b;
        }

        ushort o = (ushort)(Math.Abs(x) > Math.Abs(near) ? b + 1 : b - 1);
        return (o & 0x7FFF) == 0x7C00 ? b : o;
    }

    // The rounding of x: the far half with probability (x − lo)/(hi − lo) when that is the upper one, the nearest
    // otherwise; saturated at ±65504 where the nearest is infinite; the nearest as is for a half, an infinity or NaN.
    private static ushort Choose(float x, float near, float far, float draw, ushort b, ushort o)
    {
        if (!float.IsFinite(x))
        {
            return b;
        }

        if (float.IsInfinity(near))
        {
            return x > 0 ? (ushort)0x7BFF : (ushort)0xFBFF;
        }

        if (near == x)
        {
            return b;
        }

        float lo = Math.Min(near, far), hi = Math.Max(near, far);
        float p = hi > lo ? (x - lo) / (hi - lo) : 0f; // probability of rounding up
        return (draw < p ? hi : lo) != near ? o : b;
    }

    // FarHalf on Vector<float> lanes, two vectors a step (the halves widened to 32 bits and narrowed back); returns where
    // the scalar tail starts. Each lane's arithmetic is FarHalf's, so the bits do not depend on the width.
    private static int FarHalves(ReadOnlySpan<float> x, ReadOnlySpan<float> near, ReadOnlySpan<ushort> nearBits, Span<ushort> farBits, int length)
    {
        int i = 0;
        if (!Vector.IsHardwareAccelerated)
        {
            return i;
        }

        int w = Vector<float>.Count;
        for (; i + 2 * w <= length; i += 2 * w)
        {
            Vector.Widen(new Vector<ushort>(nearBits.Slice(i, 2 * w)), out Vector<uint> b0, out Vector<uint> b1);
            Vector.Narrow(FarHalves(new Vector<float>(x.Slice(i, w)), new Vector<float>(near.Slice(i, w)), b0),
                FarHalves(new Vector<float>(x.Slice(i + w, w)), new Vector<float>(near.Slice(i + w, w)), b1)).CopyTo(farBits.Slice(i, 2 * w));
        }

        return i;
    }

    private static Vector<uint> FarHalves(Vector<float> x, Vector<float> near, Vector<uint> b)
    {
        var exponent = new Vector<uint>(0x7F800000);
        Vector<uint> moves = ~Vector.Equals(Vector.AsVectorUInt32(x) & exponent, exponent)
                             & ~Vector.Equals(Vector.AsVectorUInt32(near) & exponent, exponent)
                             & ~Vector.AsVectorUInt32(Vector.Equals(near, x));
        Vector<uint> away = Vector.AsVectorUInt32(Vector.GreaterThan(Vector.Abs(x), Vector.Abs(near)));
        Vector<uint> o = b + ((away & new Vector<uint>(2)) - Vector<uint>.One); // +1 away from zero, −1 towards it
        moves &= ~Vector.Equals(o & new Vector<uint>(0x7FFF), new Vector<uint>(0x7C00));
        return Vector.ConditionalSelect(moves, o, b);
    }

    // Choose on Vector<float> lanes, two vectors a step; returns where the scalar tail starts.
    private static int Choose(ReadOnlySpan<float> x, ReadOnlySpan<float> near, ReadOnlySpan<float> far, ReadOnlySpan<float> draws, ReadOnlySpan<ushort> nearBits,
        ReadOnlySpan<ushort> farBits, Span<ushort> result, int length)
    {
        int i = 0;
        if (!Vector.IsHardwareAccelerated)
        {
            return i;
        }

        int w = Vector<float>.Count;
        for (; i + 2 * w <= length; i += 2 * w)
        {
            Vector.Widen(new Vector<ushort>(nearBits.Slice(i, 2 * w)), out Vector<uint> b0, out Vector<uint> b1);
            Vector.Widen(new Vector<ushort>(farBits.Slice(i, 2 * w)), out Vector<uint> o0, out Vector<uint> o1);
            Vector.Narrow(
                Choose(new Vector<float>(x.Slice(i, w)), new Vector<float>(near.Slice(i, w)), new Vector<float>(far.Slice(i, w)), new Vector<float>(draws.Slice(i, w)), b0, o0),
                Choose(new Vector<float>(x.Slice(i + w, w)), new Vector<float>(near.Slice(i + w, w)), new Vector<float>(far.Slice(i + w, w)),
                    new Vector<float>(draws.Slice(i + w, w)), b1, o1)).CopyTo(result.Slice(i, 2 * w));
        }

        return i;
    }

    private static Vector<uint> Choose(Vector<float> x, Vector<float> near, Vector<float> far, Vector<float> draw, Vector<uint> b, Vector<uint> o)
    {
        var exponent = new Vector<uint>(0x7F800000);
        Vector<uint> finite = ~Vector.Equals(Vector.AsVectorUInt32(x) & exponent, exponent);
        Vector<uint> infinite = Vector.AsVectorUInt32(Vector.Equals(Vector.Abs(near), new Vector<float>(float.PositiveInfinity)));
        Vector<float> lo = Vector.Min(near, far), hi = Vector.Max(near, far);
        Vector<float> p = Vector.ConditionalSelect(Vector.GreaterThan(hi, lo), (x - lo) / (hi - lo), Vector<float>.Zero);
        Vector<uint> useFar = ~Vector.AsVectorUInt32(Vector.Equals(Vector.ConditionalSelect(Vector.LessThan(draw, p), hi, lo), near))
                              & ~Vector.AsVectorUInt32(Vector.Equals(near, x));
        Vector<uint> rounded = Vector.ConditionalSelect(useFar, o, b);
        Vector<uint> saturated = new Vector<uint>(0x7BFF) | (Vector.ShiftRightLogical(Vector.AsVectorUInt32(x), 16) & new Vector<uint>(0x8000));
        return Vector.ConditionalSelect(finite, Vector.ConditionalSelect(infinite, saturated, rounded), b);
    }

    // The same rounding value by value, for a big-endian machine (the chunked path above writes halves in native order).
    private static void EncodeScalar(ReadOnlySpan<float> source, Span<byte> destination, ulong seed, long firstIndex)
    {
        const int chunk = 512;
        Span<float> draws = stackalloc float[chunk];
        for (int i = 0; i < source.Length; i++)
        {
            if (i % chunk == 0)
            {
                UnitNoise.FillUniform(seed, firstIndex + i, draws[..Math.Min(chunk, source.Length - i)]);
            }

            float x = source[i];
            ushort b = BitConverter.HalfToUInt16Bits((Half)x);
            float near = (float)BitConverter.UInt16BitsToHalf(b);
            ushort o = FarHalf(x, near, b);
            ushort h = Choose(x, near, (float)BitConverter.UInt16BitsToHalf(o), draws[i % chunk], b, o);
            BinaryPrimitives.WriteUInt16LittleEndian(destination[(2 * i)..], h);
        }
    }

    /// <inheritdoc />
    public void Decode(ReadOnlySpan<byte> source, Span<float> destination)
    {
        if (BitConverter.IsLittleEndian)
        {
            System.Numerics.Tensors.TensorPrimitives.ConvertToSingle(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(source[..EncodedBytes(destination.Length)]), destination);
            return;
        }

        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(source[(2 * i)..]));
        }
    }
}
