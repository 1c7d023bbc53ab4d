namespace Loco.Core.Codecs;

/// <summary>
/// Maps a pseudo-gradient to bytes and back (DESIGN.md §8). Encoding reads fp32 values; stochastic rounding draws
/// from a counter-based generator keyed by (<c>seed</c>, index), so the bytes depend on the seed alone, not on
/// threads or vector width.
/// </summary>
public interface ICodec
{
    /// <summary>Bytes the encoding of <paramref name="count"/> values takes.</summary>
    int EncodedBytes(int count);

    /// <summary>Encodes <paramref name="source"/> into exactly <see cref="EncodedBytes"/> bytes.</summary>
    void Encode(ReadOnlySpan<float> source, Span<byte> destination, ulong seed);

    /// <summary>Decodes into <paramref name="destination"/> (its length is the count of values).</summary>
    void Decode(ReadOnlySpan<byte> source, Span<float> destination);
}
