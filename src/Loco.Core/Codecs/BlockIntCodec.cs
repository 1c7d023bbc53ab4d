using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Loco.Core.Codecs;

/// <summary>
/// Blockwise symmetric integers (int8: levels −127…127; int4: −7…7): each block of <see cref="BlockSize"/> values has an
/// fp32 scale absmax/levels, and each value becomes round(x·(1/scale)), to nearest even or
/// stochastically (⌊x·(1/scale) + u⌋ with u uniform: unbiased). The layout is every block's scale (fp32, little-endian), then the integers
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
        sbyte[] levels = ArrayPool<sbyte>.Shared.Rent(BlockSize);
        float[] noise = _stochastic ? ArrayPool<float>.Shared.Rent(BlockSize) : [];
        try
        {
            for (int b = 0, start = 0; start < n; b++, start += BlockSize)
            {
                int length = Math.Min(BlockSize, n - start);
                ReadOnlySpan<float> block = source.Slice(start, length);
                // int8 writes its integers straight into the payload; int4 packs them afterwards.
                Span<sbyte> q = _bits == 8 ? MemoryMarshal.Cast<byte, sbyte>(payload.Slice(start, length)) : levels.AsSpan(0, length);
                float absmax = AbsMax(block);
                float scale = absmax / _levels;
                scales[b] = float.IsFinite(absmax) ? scale : float.NaN;
                if (!float.IsFinite(absmax) || absmax == 0f)
                {
                    q.Clear();
                }
                else if (!_stochastic)
                {
                    Quantise(block, scale, [], q);
                }
                else
                {
                    Span<float> draws = noise.AsSpan(0, length);
                    UnitNoise.FillUniform(seed, firstIndex + start, draws);
                    Quantise(block, scale, draws, q);
                }

                if (_bits == 4)
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
            ArrayPool<sbyte>.Shared.Return(levels);
            if (_stochastic)
            {
                ArrayPool<float>.Shared.Return(noise);
            }
        }
    }

    // q = clamp(round-to-even(x · (1/scale))), or with draws u (stochastic rounding) clamp(⌊x · (1/scale) + u⌋), in one
    // pass on Vector<float> (each operation exact per element, so the same integers as the scalar tail at every width),
    // narrowed float → int32 → int16 → int8.
    private void Quantise(ReadOnlySpan<float> block, float scale, ReadOnlySpan<float> draws, Span<sbyte> q)
    {
        float inverse = 1f / scale;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int w = Vector<float>.Count;
            var factor = new Vector<float>(inverse);
            var hi = new Vector<float>(_levels);
            var lo = new Vector<float>(-_levels);
            for (; i + 4 * w <= block.Length; i += 4 * w)
            {
                Vector<int> a = Level(block, draws, i, factor, lo, hi);
                Vector<int> b = Level(block, draws, i + w, factor, lo, hi);
                Vector<int> c = Level(block, draws, i + 2 * w, factor, lo, hi);
                Vector<int> d = Level(block, draws, i + 3 * w, factor, lo, hi);
                Vector.Narrow(Vector.Narrow(a, b), Vector.Narrow(c, d)).CopyTo(q.Slice(i, 4 * w));
            }
        }

        for (; i < block.Length; i++)
        {
            float x = block[i] * inverse;
            q[i] = (sbyte)Math.Clamp(draws.IsEmpty ? MathF.Round(x, MidpointRounding.ToEven) : MathF.Floor(x + draws[i]), -_levels, _levels);
        }
    }

    // One vector of levels from index i: rounded to nearest even, or floored after adding the draws when there are draws.
    private static Vector<int> Level(ReadOnlySpan<float> block, ReadOnlySpan<float> draws, int i, Vector<float> factor, Vector<float> lo, Vector<float> hi)
    {
        int w = Vector<float>.Count;
        Vector<float> x = new Vector<float>(block.Slice(i, w)) * factor;
        Vector<float> level = draws.IsEmpty ? Vector.Round(x) : Vector.Floor(x + new Vector<float>(draws.Slice(i, w)));
        return Vector.ConvertToInt32(Vector.Min(Vector.Max(level, lo), hi));
    }

    // max |x| as the largest magnitude bit pattern (sign cleared): integer max is exact and order-free, and NaN and
    // infinity have larger patterns than every finite value, so a block holding one comes out non-finite.
    private static float AbsMax(ReadOnlySpan<float> block)
    {
        ReadOnlySpan<uint> bits = MemoryMarshal.Cast<float, uint>(block);
        uint max = 0;
        int i = 0;
        if (Vector.IsHardwareAccelerated && bits.Length >= Vector<uint>.Count)
        {
            int w = Vector<uint>.Count;
            var mask = new Vector<uint>(0x7FFFFFFF);
            Vector<uint> m = Vector<uint>.Zero;
            for (; i + w <= bits.Length; i += w)
            {
                m = Vector.Max(m, new Vector<uint>(bits.Slice(i, w)) & mask);
            }

            for (int j = 0; j < w; j++)
            {
                max = Math.Max(max, m[j]);
            }
        }

        for (; i < bits.Length; i++)
        {
            max = Math.Max(max, bits[i] & 0x7FFFFFFF);
        }

        return BitConverter.UInt32BitsToSingle(max);
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
