using System.IO.Compression;
using System.Text;
using Loco.Core.Family;
using Loco.Torch.Data;

namespace Loco.Torch.Tests.Data;

public class CorpusLoaderTests
{
    private static readonly ByteTokenizer Bytes = ByteTokenizer.Instance;

    private static string Text(TokenCorpus corpus) =>
        Bytes.Decode([.. corpus.Train, .. corpus.Validation]);

    private static void WriteGzip(string path, string content)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        gzip.Write(Encoding.UTF8.GetBytes(content));
    }

    [Fact]
    public void TextFileIsOneDocumentSplitAtTheTail()
    {
        using var temp = new TempFolder();
        string path = temp.File("a.txt");
        File.WriteAllText(path, "abcdefghij");
        var corpus = CorpusLoader.Load(path, Bytes, 0.2);
        Assert.Equal("abcdefgh", Bytes.Decode(corpus.Train));
        Assert.Equal("ij", Bytes.Decode(corpus.Validation));
        Assert.Equal(256, corpus.VocabularySize);
        Assert.Null(corpus.EntropyFloorNats);
    }

    [Theory]
    [InlineData("bad.txt", false)]
    [InlineData("bad.txt.gz", true)]
    public void TextThatIsNotUtf8IsRefusedWithTheOffsetOfTheFirstBadByte(string name, bool gzip)
    {
        using var temp = new TempFolder();
        string path = temp.File(name);
        byte[] bytes = [.. Encoding.UTF8.GetBytes("héllo, wörld " + new string('x', 987)), 0xC3, 0x28, .. "tail"u8];
        int bad = bytes.Length - 6; // 0xC3 must be followed by a continuation byte; 0x28 is not one
        if (gzip)
        {
            using var file = File.Create(path);
            using var z = new GZipStream(file, CompressionLevel.Fastest);
            z.Write(bytes);
        }
        else File.WriteAllBytes(path, bytes);

        var ex = Assert.Throws<InvalidInputException>(() => CorpusLoader.Load(path, Bytes, 0.1));
        Assert.Equal(path, ex.Subject);
        Assert.Contains($"byte offset {bad} (0xC3)", ex.Problem);
        Assert.Contains("--tokenizer byte", ex.Problem);
    }

    [Fact]
    public void RawBytesAreTheFilesBytesWhateverTheyHold()
    {
        using var temp = new TempFolder();
        string path = temp.File("random.dat");
        byte[] bytes = new byte[5000];
        new Random(7).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        Assert.Throws<InvalidInputException>(() => CorpusLoader.Load(path, Bytes, 0.1)); // random bytes are not UTF-8
        var corpus = CorpusLoader.Load(path, Bytes, 0.1, rawBytes: true);
        Assert.Equal(bytes.Select(b => (int)b), [.. corpus.Train, .. corpus.Validation]);

        // Valid UTF-8 reads to the same tokens either way.
        string text = temp.File("text.txt");
        File.WriteAllBytes(text, [.. "h\u00e9llo"u8]);
        Assert.Equal(Text(CorpusLoader.Load(text, Bytes, 0)), Text(CorpusLoader.Load(text, Bytes, 0, rawBytes: true)));
    }

    [Fact]
    public void FolderIsReadInOrdinalOrderJoinedByNewlinesSkippingHiddenFiles()
    {
        using var temp = new TempFolder();
        Directory.CreateDirectory(temp.File("sub"));
        File.WriteAllText(temp.File("b.txt"), "second");
        File.WriteAllText(temp.File("a.txt"), "first");
        File.WriteAllText(temp.File(Path.Combine("sub", "c.jsonl")), "{\"text\":\"third\"}\n");
        File.WriteAllText(temp.File(".hidden"), "never");
        Assert.Equal("first\nsecond\nthird", Text(CorpusLoader.Load(temp.Path, Bytes, 0)));
    }

    [Theory]
    [InlineData("c4.jsonl", false)]
    [InlineData("c4.json", false)]
    [InlineData("c4.jsonl.gz", true)]
    [InlineData("c4-train.00000-of-01024.json.gz", true)]
    public void JsonLinesTakeTheTextFieldOfEachLine(string name, bool gzip)
    {
        using var temp = new TempFolder();
        string path = temp.File(name);
        string content = "{\"text\":\"one\",\"url\":\"u\"}\n\n{\"timestamp\":1,\"text\":\"two \\u00e9\"}\n";
        if (gzip) WriteGzip(path, content); else File.WriteAllText(path, content);
        Assert.Equal("one\ntwo é", Text(CorpusLoader.Load(path, Bytes, 0)));
    }

    [Fact]
    public void GzipTextIsDecompressed()
    {
        using var temp = new TempFolder();
        WriteGzip(temp.File("t.txt.gz"), "compressed text");
        Assert.Equal("compressed text", Text(CorpusLoader.Load(temp.File("t.txt.gz"), Bytes, 0)));
    }

    [Fact]
    public void TiktokenCorporaSeparateDocumentsWithEndOfText()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.File("d.jsonl"), "{\"text\":\"hello world\"}\n{\"text\":\"hello world\"}\n");
        var corpus = CorpusLoader.Load(temp.File("d.jsonl"), Tokenizers.Create("cl100k_base"), 0);
        Assert.Equal([15339, 1917, 100257, 15339, 1917], corpus.Train);
        Assert.Equal(100277, corpus.VocabularySize);
    }

    [Fact]
    public void MaxTokensStopsReading()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.File("a.txt"), "abcdef");
        File.WriteAllText(temp.File("b.txt"), "ghijkl");
        Assert.Equal("abcd", Text(CorpusLoader.Load(temp.Path, Bytes, 0, maxTokens: 4)));
        Assert.Equal("abcdef\ng", Text(CorpusLoader.Load(temp.Path, Bytes, 0, maxTokens: 8)));
    }

    [Fact]
    public void TokenFilesRoundTripInBothWidthsAndMatchTheStatedLayout()
    {
        using var temp = new TempFolder();
        int[] small = [0, 1, 255, 65535, 7];
        TokenFile.Write(temp.File("s.bin"), small, 65536);
        byte[] raw = File.ReadAllBytes(temp.File("s.bin"));
        // By hand: 32-byte header, then uint16 little-endian.
        Assert.Equal("LOCOTOKN"u8.ToArray(), raw[..8]);
        Assert.Equal(32 + 2 * small.Length, raw.Length);
        Assert.Equal(2u, BitConverter.ToUInt32(raw, 12));
        Assert.Equal(65536u, BitConverter.ToUInt32(raw, 16));
        Assert.Equal(5ul, BitConverter.ToUInt64(raw, 24));
        Assert.Equal(new byte[] { 0xFF, 0xFF }, raw[(32 + 6)..(32 + 8)]);

        var corpus = CorpusLoader.Load(temp.File("s.bin"), Bytes, 0.4); // the tokenizer is not used
        Assert.Equal(65536, corpus.VocabularySize);
        Assert.Equal(small, corpus.Train.Concat(corpus.Validation));
        Assert.Equal(2, corpus.Validation.Length);

        int[] large = [100276, 0, 42];
        TokenFile.Write(temp.File("l.bin"), large, 100277);
        Assert.Equal(32 + 4 * 3, new FileInfo(temp.File("l.bin")).Length);
        Assert.Equal(large, TokenFile.Read(temp.File("l.bin")).Tokens);
    }

    [Fact]
    public void GeneratedCorpusCarriesTheEntropyFloor()
    {
        var source = new MarkovSource(MarkovSourceOptions.Default);
        var corpus = CorpusLoader.Generated(source, 10_000, 0.1);
        Assert.Equal(source.EntropyRateNats, corpus.EntropyFloorNats);
        Assert.Equal(9_000, corpus.Train.Length);
        Assert.Equal(source.Generate(10_000), Text(corpus));
    }

    [Fact]
    public void MissingPathAndEmptyCorporaAreRejected()
    {
        using var temp = new TempFolder();
        var missing = Assert.Throws<InvalidInputException>(() => CorpusLoader.Load(temp.File("nope.txt"), Bytes, 0.1));
        Assert.Equal("--data", missing.Subject);
        Assert.Contains("nope.txt", missing.Problem);

        File.WriteAllText(temp.File("empty.txt"), "");
        Assert.Equal(temp.File("empty.txt"), Assert.Throws<InvalidInputException>(() => CorpusLoader.Load(temp.File("empty.txt"), Bytes, 0.1)).Subject);

        Directory.CreateDirectory(temp.File("nothing"));
        Assert.Contains("empty", Assert.Throws<InvalidInputException>(() => CorpusLoader.Load(temp.File("nothing"), Bytes, 0.1)).Problem);
    }

    [Fact]
    public void JsonLineWithoutTextOrInvalidJsonNamesFileAndLine()
    {
        using var temp = new TempFolder();
        string path = temp.File("bad.jsonl");
        File.WriteAllText(path, "{\"text\":\"ok\"}\n{\"content\":\"no text\"}\n");
        var error = Assert.Throws<InvalidInputException>(() => CorpusLoader.Load(path, Bytes, 0));
        Assert.Equal($"{path}:2", error.Subject);
        Assert.Contains("\"text\"", error.Problem);

        File.WriteAllText(path, "{\"text\":\"ok\"}\n\n{\"text\": 5}\n");
        Assert.Equal($"{path}:3", Assert.Throws<InvalidInputException>(() => CorpusLoader.Load(path, Bytes, 0)).Subject);

        File.WriteAllText(path, "{\"text\":\"ok\"\n");
        Assert.Equal($"{path}:1", Assert.Throws<InvalidInputException>(() => CorpusLoader.Load(path, Bytes, 0)).Subject);

        WriteGzip(temp.File("gz.jsonl.gz"), "{\"text\":\"ok\"}\n[1,2]\n");
        Assert.Equal($"{temp.File("gz.jsonl.gz")}:2", Assert.Throws<InvalidInputException>(() => CorpusLoader.Load(temp.File("gz.jsonl.gz"), Bytes, 0)).Subject);
    }

    [Fact]
    public void BadTokenFilesAreRejectedNamingTheFile()
    {
        using var temp = new TempFolder();
        string path = temp.File("t.bin");

        // A token ≥ vocabulary: write a valid file for vocabulary 300, then lower the header's vocabulary to 200.
        TokenFile.Write(path, [1, 2, 250, 3], 300);
        byte[] raw = File.ReadAllBytes(path);
        BitConverter.GetBytes(200u).CopyTo(raw, 16);
        File.WriteAllBytes(path, raw);
        var error = Assert.Throws<InvalidInputException>(() => CorpusLoader.Load(path, Bytes, 0));
        Assert.Equal(path, error.Subject);
        Assert.Contains("250 at position 2", error.Problem);

        TokenFile.Write(path, [1, 2, 3, 4], 300);
        raw = File.ReadAllBytes(path);
        File.WriteAllBytes(path, raw[..^1]);
        Assert.Contains("truncated", Assert.Throws<InvalidInputException>(() => CorpusLoader.Load(path, Bytes, 0)).Problem);

        File.WriteAllBytes(path, new byte[64]);
        Assert.Contains("LOCOTOKN", Assert.Throws<InvalidInputException>(() => CorpusLoader.Load(path, Bytes, 0)).Problem);

        TokenFile.Write(path, [], 300);
        Assert.Contains("empty", Assert.Throws<InvalidInputException>(() => CorpusLoader.Load(path, Bytes, 0)).Problem);
    }
}
