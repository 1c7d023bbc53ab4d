using Loco.Core.Family;
using Microsoft.ML.Tokenizers;

namespace Loco.Torch.Data;

/// <summary>The tokenizers <c>--tokenizer</c> can name.</summary>
public static class Tokenizers
{
    /// <summary>The default: <c>byte</c>.</summary>
    public const string Default = "byte";

    /// <summary>Every accepted name: <c>byte</c> (UTF-8 bytes, vocabulary 256), <c>cl100k_base</c>, <c>o200k_base</c> (tiktoken BPE).</summary>
    public static IReadOnlyList<string> Names { get; } = ["byte", "cl100k_base", "o200k_base"];

    /// <summary>The tokenizer called <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="InvalidInputException">Unknown name (subject <c>--tokenizer</c>).</exception>
    public static ITokenizer Create(string name) => name.ToLowerInvariant() switch
    {
        "byte" => ByteTokenizer.Instance,
        "cl100k_base" or "o200k_base" => new TiktokenTokenizerAdapter(name.ToLowerInvariant()),
        _ => throw new InvalidInputException("--tokenizer", $"unknown tokenizer '{name}'; choose one of {string.Join(", ", Names)}."),
    };
}

/// <summary>A tiktoken encoding from Microsoft.ML.Tokenizers (its vocabulary data ships in NuGet packages).</summary>
internal sealed class TiktokenTokenizerAdapter : ITokenizer
{
    private readonly TiktokenTokenizer _tokenizer;

    public TiktokenTokenizerAdapter(string encoding)
    {
        _tokenizer = TiktokenTokenizer.CreateForEncoding(encoding);
        Name = encoding;
        // The library does not expose the BPE ranks; in both encodings the special tokens have the
        // highest ids, so the largest one + 1 is tiktoken's n_vocab (100277 and 200019). Corpus building
        // checks every id against this bound anyway.
        int max = 0;
        if (_tokenizer.SpecialTokens is { } special)
            foreach (int id in special.Values) max = Math.Max(max, id);
        VocabularySize = max + 1;
        if (_tokenizer.SpecialTokens?.TryGetValue("<|endoftext|>", out int end) == true) EndOfText = end;
    }

    public string Name { get; }

    public int VocabularySize { get; }

    public int? EndOfText { get; }

    public int[] Encode(string text) => [.. _tokenizer.EncodeToIds(text)];

    public string Decode(ReadOnlySpan<int> tokens) => _tokenizer.Decode(tokens.ToArray());
}
