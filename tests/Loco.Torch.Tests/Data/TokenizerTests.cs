using Loco.Core.Family;
using Loco.Torch.Data;

namespace Loco.Torch.Tests.Data;

public class TokenizerTests
{
    [Fact]
    public void ByteTokenizerGivesUtf8BytesAndRoundTrips()
    {
        var tokenizer = Tokenizers.Create("byte");
        Assert.Equal(256, tokenizer.VocabularySize);
        Assert.Equal([104, 105, 0xC3, 0xA9], tokenizer.Encode("hié"));   // é = U+00E9 = C3 A9 in UTF-8
        const string text = "Grüße, 世界! 🙂";
        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
        Assert.Null(tokenizer.EndOfText);
    }

    [Theory]
    // Ids and n_vocab as tiktoken publishes them (tiktoken.get_encoding(name).encode("hello world"), .n_vocab, .eot_token).
    [InlineData("cl100k_base", new[] { 15339, 1917 }, 100277, 100257)]
    [InlineData("o200k_base", new[] { 24912, 2375 }, 200019, 199999)]
    public void TiktokenEncodingsMatchTheirPublishedIds(string name, int[] helloWorld, int vocabulary, int endOfText)
    {
        var tokenizer = Tokenizers.Create(name);
        Assert.Equal(name, tokenizer.Name);
        Assert.Equal(helloWorld, tokenizer.Encode("hello world"));
        Assert.Equal(vocabulary, tokenizer.VocabularySize);
        Assert.Equal(endOfText, tokenizer.EndOfText);
        const string text = "The quick brown fox: Grüße 世界.";
        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
    }

    [Fact]
    public void UnknownTokenizerNamesTheFlagAndTheChoices()
    {
        var error = Assert.Throws<InvalidInputException>(() => Tokenizers.Create("gpt2"));
        Assert.Equal("--tokenizer", error.Subject);
        foreach (string name in Tokenizers.Names) Assert.Contains(name, error.Problem);
    }
}
