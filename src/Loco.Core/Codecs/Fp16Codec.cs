using System.Buffers.Binary;

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

        if (!stochastic && BitConverter.IsLittleEndian)
        {
            // IEEE round to nearest even, vectorised (the same values as the scalar conversion at every width).
            System.Numerics.Tensors.TensorPrimitives.ConvertToHalf(source, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(destination[..EncodedBytes(source.Length)]));
            return;
        }

        // Stochastic rounding: the draws a chunk at a time (vectorised), the rounding value by value.
        const int chunk = 512;
        Span<float> draws = stackalloc float[chunk];
        for (int i = 0; i < source.Length; i++)
        {
            if (stochastic && i % chunk == 0)
            {
                UnitNoise.FillUniform(seed, firstIndex + i, draws[..Math.Min(chunk, source.Length - i)]);
            }

            float x = source[i];
            Half h = (Half)x;
            if (stochastic && float.IsFinite(x))
            {
                float near = (float)h;
                if (float.IsInfinity(near))
                {
                    h = x > 0 ? Half.MaxValue : Half.MinValue;
                }
                else if (near != x)
                {
                    // The other half on the far side of x from the nearest one.
                    Half other = x > near ? Half.BitIncrement(h) : Half.BitDecrement(h);
                    if (Half.IsInfinity(other))
                    {
                        other = h;
                    }

                    float lo = Math.Min(near, (float)other), hi = Math.Max(near, (float)other);
                    float p = hi > lo ? (x - lo) / (hi - lo) : 0f; // probability of rounding up
                    h = draws[i % chunk] < p ? (Half)hi : (Half)lo;
                }
            }

            BinaryPrimitives.WriteUInt16LittleEndian(destination[(2 * i)..], BitConverter.HalfToUInt16Bits(h));
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
