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

    /// <summary>
    /// Encodes <paramref name="source"/> into exactly <see cref="EncodedBytes"/> bytes. <paramref name="firstIndex"/> is
    /// the index of its first value in the whole vector (a chunk of it), which stochastic rounding's draws are keyed by;
    /// a chunk that starts on a block boundary encodes its values as the whole vector does.
    /// </summary>
    void Encode(ReadOnlySpan<float> source, Span<byte> destination, ulong seed, long firstIndex = 0);

    /// <summary>Decodes into <paramref name="destination"/> (its length is the count of values).</summary>
    void Decode(ReadOnlySpan<byte> source, Span<float> destination);
}
