using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Loco.Core.Codecs;

/// <summary>
/// Blockwise symmetric integers (int8: levels −127…127; int4: −7…7): each block of <see cref="BlockSize"/> values has an
/// fp32 scale absmax/levels, and each value becomes round(x/scale), to nearest even or stochastically
/// (⌊x/scale + u⌋ with u uniform: unbiased). The layout is every block's scale (fp32, little-endian), then the integers
/// (int4: two per byte, the even index in the low nibble). A block holding a NaN or an infinity gets a NaN scale, so it
/// decodes to NaN: a diverged worker stays visible. The arithmetic is element by element (TensorPrimitives), so the bytes
/// are the same at every vector width.
/// </summary>
public sealed class BlockIntCodec : ICodec
{
    private readonly int _levels;
    private readonly int _bits;
    private readonly bool _stochastic;

    /// <summary>A codec with <paramref name="levels"/> levels each side of zero, in <paramref name="bits"/> (8 or 4) bits.</summary>
    public BlockIntCodec(int blockSize, int levels, int bits, bool stochastic = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 2);
        if (blockSize % 2 != 0)
        {
            throw new ArgumentException($"The block size must be even; got {blockSize}.", nameof(blockSize));
        }

        if (bits is not (4 or 8) || levels < 1 || levels > (1 << (bits - 1)) - 1)
        {
            throw new ArgumentException($"{levels} levels do not fit {bits} signed bits.", nameof(levels));
        }

        BlockSize = blockSize;
        _levels = levels;
        _bits = bits;
        _stochastic = stochastic;
    }

    /// <summary>Values per scale.</summary>
    public int BlockSize { get; }

    private int Blocks(int count) => (count + BlockSize - 1) / BlockSize;

    private int PayloadBytes(int count) => _bits == 8 ? count : (count + 1) / 2;

    /// <inheritdoc />
    public int EncodedBytes(int count) => checked(4 * Blocks(count) + PayloadBytes(count));

    /// <inheritdoc />
    public void Encode(ReadOnlySpan<float> source, Span<byte> destination, ulong seed, long firstIndex = 0)
    {
        int n = source.Length;
        if (destination.Length < EncodedBytes(n))
        {
            throw new ArgumentException("The destination is too short.", nameof(destination));
        }

        Span<float> scales = MemoryMarshal.Cast<byte, float>(destination[..(4 * Blocks(n))]);
        Span<byte> payload = destination.Slice(4 * Blocks(n), PayloadBytes(n));
        float[] rented = ArrayPool<float>.Shared.Rent(BlockSize);
        sbyte[] levels = ArrayPool<sbyte>.Shared.Rent(BlockSize);
        try
        {
            for (int b = 0, start = 0; start < n; b++, start += BlockSize)
            {
                int length = Math.Min(BlockSize, n - start);
                ReadOnlySpan<float> block = source.Slice(start, length);
                Span<float> scaled = rented.AsSpan(0, length);
                Span<sbyte> q = levels.AsSpan(0, length);
                float absmax = MathF.Abs(TensorPrimitives.MaxMagnitude(block));
                float scale = absmax / _levels;
                scales[b] = float.IsFinite(absmax) ? scale : float.NaN;
                if (!float.IsFinite(absmax) || absmax == 0f)
                {
                    q.Clear();
                }
                else
                {
                    TensorPrimitives.Divide(block, scale, scaled);
                    if (_stochastic)
                    {
                        for (int i = 0; i < length; i++)
                        {
                            scaled[i] += UnitNoise.Uniform(seed, firstIndex + start + i);
                        }

                        TensorPrimitives.Floor(scaled, scaled);
                    }
                    else
                    {
                        TensorPrimitives.Round(scaled, MidpointRounding.ToEven, scaled);
                    }

                    TensorPrimitives.Clamp(scaled, -_levels, _levels, scaled);
                    TensorPrimitives.ConvertTruncating<float, sbyte>(scaled, q);
                }

                if (_bits == 8)
                {
                    MemoryMarshal.AsBytes(q).CopyTo(payload.Slice(start, length));
                }
                else
                {
                    Span<byte> packed = payload.Slice(start / 2, (length + 1) / 2);
                    for (int i = 0; i < length; i += 2)
                    {
                        int lo = q[i] & 0xF, hi = i + 1 < length ? q[i + 1] & 0xF : 0;
                        packed[i / 2] = (byte)(lo | (hi << 4));
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
            ArrayPool<sbyte>.Shared.Return(levels);
        }
    }

    /// <inheritdoc />
    public void Decode(ReadOnlySpan<byte> source, Span<float> destination)
    {
        int n = destination.Length;
        if (source.Length < EncodedBytes(n))
        {
            throw new ArgumentException($"{source.Length} bytes cannot hold {n} values ({EncodedBytes(n)} needed).", nameof(source));
        }

        ReadOnlySpan<float> scales = MemoryMarshal.Cast<byte, float>(source[..(4 * Blocks(n))]);
        ReadOnlySpan<byte> payload = source.Slice(4 * Blocks(n), PayloadBytes(n));
        sbyte[] levels = ArrayPool<sbyte>.Shared.Rent(BlockSize);
        try
        {
            for (int b = 0, start = 0; start < n; b++, start += BlockSize)
            {
                int length = Math.Min(BlockSize, n - start);
                Span<float> block = destination.Slice(start, length);
                ReadOnlySpan<sbyte> q;
                if (_bits == 8)
                {
                    q = MemoryMarshal.Cast<byte, sbyte>(payload.Slice(start, length));
                }
                else
                {
                    Span<sbyte> unpacked = levels.AsSpan(0, length);
                    ReadOnlySpan<byte> packed = payload.Slice(start / 2, (length + 1) / 2);
                    for (int i = 0; i < length; i++)
                    {
                        int nibble = (packed[i / 2] >> (4 * (i & 1))) & 0xF;
                        unpacked[i] = (sbyte)((nibble << 28) >> 28);
                    }

                    q = unpacked;
                }

                TensorPrimitives.ConvertChecked<sbyte, float>(q, block);
                TensorPrimitives.Multiply(block, scales[b], block);
            }
        }
        finally
        {
            ArrayPool<sbyte>.Shared.Return(levels);
        }
    }
}
