using System.Text;

namespace Loco.Torch.Data;

/// <summary>The UTF-8 bytes of the text, one token per byte (vocabulary 256). Lossless for valid UTF-8.</summary>
public sealed class ByteTokenizer : ITokenizer
{
    /// <summary>The one instance (the tokenizer has no state).</summary>
    public static ByteTokenizer Instance { get; } = new();

    /// <inheritdoc />
    public string Name => "byte";

    /// <inheritdoc />
    public int VocabularySize => 256;

    /// <inheritdoc />
    public int[] Encode(string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        var tokens = new int[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) tokens[i] = bytes[i];
        return tokens;
    }

    /// <inheritdoc />
    public string Decode(ReadOnlySpan<int> tokens)
    {
        var bytes = new byte[tokens.Length];
        for (int i = 0; i < tokens.Length; i++)
        {
            if ((uint)tokens[i] > 255)
                throw new ArgumentOutOfRangeException(nameof(tokens), $"Token {tokens[i]} at {i} is not a byte.");
            bytes[i] = (byte)tokens[i];
        }
        return Encoding.UTF8.GetString(bytes);
    }
}
