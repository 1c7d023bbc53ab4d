using System.Buffers.Binary;
using Loco.Core.Family;

namespace Loco.Torch.Data;

/// <summary>
/// A pre-tokenized corpus on disk (extension <c>.bin</c>), like nanoGPT's token files but with a header
/// that states the token width and the vocabulary. Layout, all integers little-endian:
/// <code>
/// offset  size  field
///      0     8  magic, the ASCII bytes "LOCOTOKN"
///      8     4  version, uint32 = 1
///     12     4  bytes per token, uint32: 2 (uint16 tokens) or 4 (int32 tokens)
///     16     4  vocabulary size V, uint32 (every token is in [0, V))
///     20     4  reserved, uint32 = 0
///     24     8  token count N, uint64
///     32  N·w   the tokens
/// </code>
/// The file length must be exactly 32 + N·w.
/// </summary>
public static class TokenFile
{
    /// <summary>Bytes before the first token.</summary>
    public const int HeaderLength = 32;

    private static ReadOnlySpan<byte> Magic => "LOCOTOKN"u8;

    /// <summary>Writes <paramref name="tokens"/>, as uint16 when <paramref name="vocabularySize"/> ≤ 65536, else int32.</summary>
    public static void Write(string path, ReadOnlySpan<int> tokens, int vocabularySize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabularySize, 1);
        int width = vocabularySize <= 65536 ? 2 : 4;
        var header = new byte[HeaderLength];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(12), (uint)width);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(16), (uint)vocabularySize);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(24), (ulong)tokens.Length);
        var body = new byte[(long)tokens.Length * width];
        for (int i = 0; i < tokens.Length; i++)
        {
            if ((uint)tokens[i] >= (uint)vocabularySize)
                throw new ArgumentOutOfRangeException(nameof(tokens), $"Token {tokens[i]} at {i} is outside [0, {vocabularySize}).");
            if (width == 2) BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(2 * i), (ushort)tokens[i]);
            else BinaryPrimitives.WriteInt32LittleEndian(body.AsSpan(4 * i), tokens[i]);
        }
        using var stream = File.Create(path);
        stream.Write(header);
        stream.Write(body);
    }

    /// <summary>Reads a token file; every problem is an <see cref="InvalidInputException"/> naming the file.</summary>
    public static (int[] Tokens, int VocabularySize) Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < HeaderLength || !bytes.AsSpan(0, 8).SequenceEqual(Magic))
            throw new InvalidInputException(path, "not a token file: it does not start with the 32-byte \"LOCOTOKN\" header.");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        uint width = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(12));
        uint vocabulary = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(16));
        ulong count = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(24));
        if (version != 1) throw new InvalidInputException(path, $"token file version {version} is not supported (only 1).");
        if (width is not (2 or 4)) throw new InvalidInputException(path, $"token width {width} bytes is not supported (2 or 4).");
        if (vocabulary is 0 or > int.MaxValue) throw new InvalidInputException(path, $"vocabulary size {vocabulary} is not valid.");
        if (count > int.MaxValue || (ulong)(bytes.Length - HeaderLength) != count * width)
            throw new InvalidInputException(path, $"the header says {count} tokens of {width} bytes, but the file has {bytes.Length - HeaderLength} bytes of tokens (truncated or corrupt).");
        if (count == 0) throw new InvalidInputException(path, "the token file holds no tokens (empty corpus).");
        var tokens = new int[count];
        ReadOnlySpan<byte> body = bytes.AsSpan(HeaderLength);
        for (int i = 0; i < tokens.Length; i++)
        {
            long token = width == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(body[(2 * i)..]) : BinaryPrimitives.ReadInt32LittleEndian(body[(4 * i)..]);
            if (token < 0 || token >= vocabulary)
                throw new InvalidInputException(path, $"token {token} at position {i} is outside the vocabulary [0, {vocabulary}).");
            tokens[i] = (int)token;
        }
        return (tokens, (int)vocabulary);
    }
}
