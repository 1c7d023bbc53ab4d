using System.Buffers.Binary;

namespace Loco.Core.Codecs;

/// <summary>
/// bfloat16: the high 16 bits of the fp32 value, rounded to nearest even, or stochastically (16 random low bits added
/// before truncation: rounds up with probability equal to the discarded fraction). NaN stays NaN.
/// </summary>
public sealed class Bf16Codec(bool stochastic = false) : ICodec
{
    /// <inheritdoc />
    public int EncodedBytes(int count) => checked(2 * count);

    /// <inheritdoc />
    public void Encode(ReadOnlySpan<float> source, Span<byte> destination, ulong seed)
    {
        if (destination.Length < EncodedBytes(source.Length))
        {
            throw new ArgumentException("The destination is too short.", nameof(destination));
        }

        for (int i = 0; i < source.Length; i++)
        {
            uint bits = BitConverter.SingleToUInt32Bits(source[i]);
            ushort half;
            if ((bits & 0x7FFFFFFF) > 0x7F800000)
            {
                half = (ushort)((bits >> 16) | 0x40); // a quiet NaN
            }
            else if (stochastic)
            {
                uint noise = (uint)(UnitNoise.Bits(seed, i) >> 48);
                ulong sum = (ulong)bits + noise;
                // A carry out of a finite value's top exponent gives infinity, as rounding up there should.
                half = (ushort)(sum >> 16);
            }
            else
            {
                uint lsb = (bits >> 16) & 1;
                half = (ushort)((bits + 0x7FFF + lsb) >> 16);
            }

            BinaryPrimitives.WriteUInt16LittleEndian(destination[(2 * i)..], half);
        }
    }

    /// <inheritdoc />
    public void Decode(ReadOnlySpan<byte> source, Span<float> destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = BitConverter.UInt32BitsToSingle((uint)BinaryPrimitives.ReadUInt16LittleEndian(source[(2 * i)..]) << 16);
        }
    }
}
