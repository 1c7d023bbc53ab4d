namespace Loco.Torch.Data;

/// <summary>Turns text into token ids in [0, <see cref="VocabularySize"/>) and back.</summary>
public interface ITokenizer
{
    /// <summary>The name used on the command line (<c>byte</c>, <c>cl100k_base</c>, ...).</summary>
    string Name { get; }

    /// <summary>Number of distinct token ids; every id returned by <see cref="Encode"/> is below it.</summary>
    int VocabularySize { get; }

    /// <summary>The token ids of <paramref name="text"/>.</summary>
    int[] Encode(string text);

    /// <summary>The text of <paramref name="tokens"/>.</summary>
    string Decode(ReadOnlySpan<int> tokens);

    /// <summary>
    /// The token that ends a document, if the tokenizer has one (tiktoken's <c>&lt;|endoftext|&gt;</c>);
    /// null for tokenizers without one (then documents are separated by a newline).
    /// </summary>
    int? EndOfText => null;
}
