using Loco.Core.Family;

namespace Loco.Torch.Data;

/// <summary>
/// A tokenized corpus split into training and validation tokens. The validation split is the TAIL of
/// the token stream (the last ⌈fraction·N⌉ tokens), so it is contiguous text never seen in training.
/// </summary>
public sealed class TokenCorpus
{
    /// <summary>A corpus from already-split token arrays.</summary>
    /// <param name="name">What the corpus is (a path, or a description of the generated source).</param>
    /// <param name="vocabularySize">Every token is in [0, vocabularySize).</param>
    /// <param name="train">Training tokens.</param>
    /// <param name="validation">Validation tokens.</param>
    /// <param name="entropyFloorNats">The best achievable loss in nats per token, when known (generated sources).</param>
    /// <param name="subject">Flag or file named in errors.</param>
    public TokenCorpus(string name, int vocabularySize, int[] train, int[] validation, double? entropyFloorNats = null, string subject = "--data")
    {
        if (vocabularySize < 1) throw new ArgumentOutOfRangeException(nameof(vocabularySize), "The vocabulary must not be empty.");
        if (train.Length == 0) throw new InvalidInputException(subject, "the corpus has no training tokens.");
        CheckRange(train, vocabularySize, subject);
        CheckRange(validation, vocabularySize, subject);
        Name = name;
        VocabularySize = vocabularySize;
        Train = train;
        Validation = validation;
        EntropyFloorNats = entropyFloorNats;
    }

    /// <summary>What the corpus is (a path, or a description of the generated source).</summary>
    public string Name { get; }

    /// <summary>Every token is in [0, VocabularySize).</summary>
    public int VocabularySize { get; }

    /// <summary>The training tokens (the head of the stream).</summary>
    public int[] Train { get; }

    /// <summary>The validation tokens (the tail of the stream).</summary>
    public int[] Validation { get; }

    /// <summary>The entropy rate of the source in nats per token, when known; no model can do better on average.</summary>
    public double? EntropyFloorNats { get; }

    /// <summary>Splits one token stream: the last ⌈<paramref name="validationFraction"/>·N⌉ tokens are the validation split.</summary>
    /// <param name="name">The corpus's name, as outputs show it.</param>
    /// <param name="vocabularySize">Token ids lie in [0, vocabularySize).</param>
    /// <param name="tokens">The whole token stream.</param>
    /// <param name="validationFraction">In [0, 1).</param>
    /// <param name="entropyFloorNats">The source's entropy rate in nats per token, when known.</param>
    /// <param name="subject">The flag a bad value is reported against.</param>
    public static TokenCorpus FromTokens(string name, int vocabularySize, ReadOnlySpan<int> tokens, double validationFraction,
        double? entropyFloorNats = null, string subject = "--data")
    {
        if (tokens.IsEmpty) throw new InvalidInputException(subject, "the corpus is empty (no tokens).");
        if (!(validationFraction >= 0 && validationFraction < 1))
            throw new InvalidInputException("--validation-fraction", $"must be in [0, 1), got {validationFraction}.");
        int validation = (int)Math.Ceiling(validationFraction * tokens.Length);
        int train = tokens.Length - validation;
        if (train == 0)
            throw new InvalidInputException(subject, $"the corpus has {tokens.Length} tokens, none left for training after the validation split.");
        return new TokenCorpus(name, vocabularySize, tokens[..train].ToArray(), tokens[train..].ToArray(), entropyFloorNats, subject);
    }

    private static void CheckRange(int[] tokens, int vocabularySize, string subject)
    {
        for (int i = 0; i < tokens.Length; i++)
            if ((uint)tokens[i] >= (uint)vocabularySize)
                throw new InvalidInputException(subject, $"token {tokens[i]} at position {i} is outside the vocabulary [0, {vocabularySize}).");
    }
}
