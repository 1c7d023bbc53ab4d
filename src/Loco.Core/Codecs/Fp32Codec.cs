using System.Runtime.InteropServices;

namespace Loco.Core.Codecs;

/// <summary>fp32: the bytes of the values, unchanged.</summary>
public sealed class Fp32Codec : ICodec
{
    /// <inheritdoc />
    public int EncodedBytes(int count) => checked(4 * count);

    /// <inheritdoc />
    public void Encode(ReadOnlySpan<float> source, Span<byte> destination, ulong seed, long firstIndex = 0) =>
        MemoryMarshal.AsBytes(source).CopyTo(destination[..EncodedBytes(source.Length)]);

    /// <inheritdoc />
    public void Decode(ReadOnlySpan<byte> source, Span<float> destination) =>
        MemoryMarshal.Cast<byte, float>(source[..EncodedBytes(destination.Length)]).CopyTo(destination);
}
