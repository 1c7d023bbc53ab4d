using System.Buffers;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Loco.Core.Family;

namespace Loco.Torch.Data;

/// <summary>
/// Builds a <see cref="TokenCorpus"/> from what <c>--data</c> names:
/// <list type="bullet">
/// <item>a text file (any extension but those below): one document;</item>
/// <item>JSON lines (<c>.jsonl</c>, <c>.json</c>, and gzip-compressed <c>.jsonl.gz</c>, <c>.json.gz</c>, the C4 layout):
/// one document per non-blank line, the line's <c>text</c> string field;</item>
/// <item>gzip-compressed text (<c>.txt.gz</c>, other <c>.gz</c>): one document;</item>
/// <item>a folder: every file below it whose name does not start with '.', in ordinal order of the
/// relative path, each read as above (token files excepted);</item>
/// <item>a token file (<c>.bin</c>, see <see cref="TokenFile"/>): already tokens; the tokenizer is not used.</item>
/// </list>
/// Text must be valid UTF-8: a file that is not is refused with the offset of its first bad byte (decoding it with
/// replacement characters would train a model on U+FFFD and report a loss far below the bytes' entropy). With
/// <c>rawBytes</c> and the byte tokenizer, plain files are read as bytes instead, whatever they hold.
/// Documents are joined with the tokenizer's end-of-text token when it has one, else with a newline.
/// The validation split is the tail of the stream (see <see cref="TokenCorpus.FromTokens"/>).
/// </summary>
public static class CorpusLoader
{
    /// <summary>Loads <paramref name="path"/>.</summary>
    /// <param name="path">File or folder.</param>
    /// <param name="tokenizer">How text becomes tokens.</param>
    /// <param name="validationFraction">Fraction of tokens held out at the tail, in [0, 1).</param>
    /// <param name="maxTokens">Stop reading after this many tokens (null: read everything).</param>
    /// <param name="subject">The flag that named the path, used in errors about the path itself.</param>
    /// <param name="progress">Receives the number of tokens read so far, after each document.</param>
    /// <param name="cancellationToken">Stops reading between documents.</param>
    /// <param name="rawBytes">With the byte tokenizer: read plain (and gzip) files as raw bytes, one token each, without
    /// requiring UTF-8 (JSON lines are still parsed as JSON).</param>
    public static TokenCorpus Load(string path, ITokenizer tokenizer, double validationFraction, long? maxTokens = null,
        string subject = "--data", IProgress<long>? progress = null, CancellationToken cancellationToken = default, bool rawBytes = false)
    {
        if (rawBytes && tokenizer is not ByteTokenizer)
            throw new ArgumentException("raw bytes are read only with the byte tokenizer.", nameof(rawBytes));
        if (maxTokens is <= 0) throw new InvalidInputException("--max-tokens", $"must be positive, got {maxTokens}.");
        if (File.Exists(path) && IsTokenFile(path))
        {
            var (tokens, vocabulary) = TokenFile.Read(path);
            ReadOnlySpan<int> used = maxTokens is long limit && limit < tokens.Length ? tokens.AsSpan(0, (int)limit) : tokens;
            return TokenCorpus.FromTokens($"{path} (token file)", vocabulary, used, validationFraction, subject: path);
        }

        IReadOnlyList<string> files;
        if (File.Exists(path)) files = [path];
        else if (Directory.Exists(path))
        {
            files = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                .Where(f => !Path.GetRelativePath(path, f).Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.')))
                .OrderBy(f => Path.GetRelativePath(path, f), StringComparer.Ordinal)
                .ToList();
            if (files.Count == 0) throw new InvalidInputException(subject, $"the folder '{path}' holds no files (empty corpus).");
            if (files.FirstOrDefault(IsTokenFile) is { } tokenFile)
                throw new InvalidInputException(tokenFile, "a token file cannot be mixed with text in a folder; pass the .bin file itself.");
        }
        else throw new InvalidInputException(subject, $"no such file or folder: '{path}'.");

        var stream = new TokenStream(tokenizer, maxTokens);
        foreach (string file in files)
        {
            if (rawBytes && !IsJsonLines(file))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!stream.AddBytes(ReadBytes(file))) break;
                progress?.Report(stream.Count);
                continue;
            }

            foreach (string document in ReadDocuments(file))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!stream.Add(document)) break;
                progress?.Report(stream.Count);
            }
            if (stream.Full) break;
        }
        if (stream.Count == 0)
            throw new InvalidInputException(files.Count == 1 ? files[0] : subject, "the corpus is empty (no text).");
        return TokenCorpus.FromTokens($"{path} ({tokenizer.Name})", tokenizer.VocabularySize, stream.Tokens, validationFraction,
            subject: files.Count == 1 ? files[0] : subject);
    }

    /// <summary>
    /// <paramref name="letters"/> letters of <paramref name="source"/> (generated with <paramref name="seed"/>, default
    /// the source's), tokenized; the entropy floor is the source's rate × letters / tokens (exact for the byte tokenizer,
    /// where it is the rate itself; for other tokenizers the floor averaged over the stream).
    /// </summary>
    public static TokenCorpus Generated(MarkovSource source, int letters, double validationFraction, ITokenizer? tokenizer = null, ulong? seed = null)
    {
        if (letters < 1) throw new InvalidInputException("--tokens", $"must be at least 1, got {letters}.");
        tokenizer ??= ByteTokenizer.Instance;
        ulong s = seed ?? source.Seed;
        int[] tokens;
        if (tokenizer is ByteTokenizer)
        {
            // Letters are ASCII: each one is the byte 'a' + symbol (no intermediate string).
            byte[] symbols = source.GenerateSymbols(letters, s);
            tokens = new int[letters];
            for (int i = 0; i < letters; i++) tokens[i] = MarkovSource.Letter(symbols[i]);
        }
        else tokens = tokenizer.Encode(source.Generate(letters, s));
        double floor = source.EntropyRateNats * letters / tokens.Length;
        string name = $"markov(alphabet={source.AlphabetSize}, order={source.Order}, seed={s}, letters={letters}, {tokenizer.Name})";
        return TokenCorpus.FromTokens(name, tokenizer.VocabularySize, tokens, validationFraction, floor, "--data");
    }

    /// <summary>The documents of one file, read by its extension (see the class summary).</summary>
    public static IEnumerable<string> ReadDocuments(string file)
    {
        bool gzip = file.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        return IsJsonLines(file) ? ReadJsonLines(file, gzip) : ReadWhole(file, gzip);
    }

    private static bool IsJsonLines(string file)
    {
        string name = Path.GetFileName(file).ToLowerInvariant();
        string inner = name.EndsWith(".gz", StringComparison.Ordinal) ? name[..^3] : name;
        return inner.EndsWith(".jsonl", StringComparison.Ordinal) || inner.EndsWith(".json", StringComparison.Ordinal);
    }

    /// <summary>The bytes of a plain file (decompressed when it ends in .gz).</summary>
    private static byte[] ReadBytes(string file)
    {
        if (!file.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)) return File.ReadAllBytes(file);
        try
        {
            using var gzip = new GZipStream(File.OpenRead(file), CompressionMode.Decompress);
            using var memory = new MemoryStream();
            gzip.CopyTo(memory);
            return memory.ToArray();
        }
        catch (InvalidDataException e) { throw new InvalidInputException(file, $"not valid gzip data ({e.Message})."); }
    }

    /// <summary>
    /// The text of <paramref name="bytes"/> (a UTF-8 byte-order mark dropped); bytes that are not UTF-8 are bad input
    /// naming <paramref name="file"/> and the offset of the first bad byte.
    /// </summary>
    private static string DecodeUtf8(byte[] bytes, string file)
    {
        ReadOnlySpan<byte> text = bytes;
        int start = text.StartsWith("\uFEFF"u8) ? 3 : 0;
        text = text[start..];
        var chars = new char[text.Length];
        OperationStatus status = System.Text.Unicode.Utf8.ToUtf16(text, chars, out int read, out int written, replaceInvalidSequences: false);
        if (status != OperationStatus.Done)
        {
            long offset = start + read;
            throw new InvalidInputException(file,
                $"not valid UTF-8 text: byte offset {offset} (0x{bytes[offset]:X2}) starts no valid UTF-8 sequence. " +
                "Give a UTF-8 text file, or --tokenizer byte to train on the file's raw bytes.");
        }

        return new string(chars, 0, written);
    }

    private static bool IsTokenFile(string file) => file.EndsWith(".bin", StringComparison.OrdinalIgnoreCase);

    private static TextReader OpenText(string file, bool gzip)
    {
        Stream stream = File.OpenRead(file);
        if (gzip) stream = new GZipStream(stream, CompressionMode.Decompress);
        return new StreamReader(stream, StrictUtf8, detectEncodingFromByteOrderMarks: true);
    }

    private static IEnumerable<string> ReadWhole(string file, bool gzip)
    {
        string text = DecodeUtf8(gzip ? ReadBytes(file) : File.ReadAllBytes(file), file);
        if (text.Length > 0) yield return text;
    }

    private static IEnumerable<string> ReadJsonLines(string file, bool gzip)
    {
        using var reader = OpenText(file, gzip);
        for (int line = 1; ; line++)
        {
            string? content;
            try { content = reader.ReadLine(); }
            catch (InvalidDataException e) { throw new InvalidInputException($"{file}:{line}", $"not valid gzip data ({e.Message})."); }
            catch (DecoderFallbackException) { throw new InvalidInputException($"{file}:{line}", "not valid UTF-8 text (a byte on or after this line starts no valid UTF-8 sequence)."); }
            if (content is null) yield break;
            if (string.IsNullOrWhiteSpace(content)) continue;
            yield return TextField(content, file, line);
        }
    }

    private static string TextField(string json, string file, int line)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
                return text.GetString()!;
        }
        catch (JsonException e) { throw new InvalidInputException($"{file}:{line}", $"not valid JSON ({e.Message})."); }
        throw new InvalidInputException($"{file}:{line}", "the JSON line has no \"text\" string field.");
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Tokens of documents joined by a separator, up to an optional limit.</summary>
    private sealed class TokenStream(ITokenizer tokenizer, long? maxTokens)
    {
        private readonly int[] _separator = tokenizer.EndOfText is int end ? [end] : tokenizer.Encode("\n");
        private readonly List<int> _tokens = [];

        public int Count => _tokens.Count;

        public bool Full => maxTokens is long limit && _tokens.Count >= limit;

        public ReadOnlySpan<int> Tokens => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_tokens);

        /// <summary>Adds a document; false once the limit is reached.</summary>
        public bool Add(string document) => document.Length == 0 ? !Full : Add(tokenizer.Encode(document));

        /// <summary>Adds a document of raw bytes, one token each (the byte tokenizer's ids).</summary>
        public bool AddBytes(byte[] bytes)
        {
            if (bytes.Length == 0) return !Full;
            var tokens = new int[bytes.Length];
            for (int i = 0; i < bytes.Length; i++) tokens[i] = bytes[i];
            return Add(tokens);
        }

        private bool Add(int[] tokens)
        {
            if (Full) return false;
            if (_tokens.Count > 0) _tokens.AddRange(_separator);
            long room = (maxTokens ?? long.MaxValue) - _tokens.Count;
            if (room < 0) room = 0;
            if ((long)_tokens.Count + tokens.Length > int.MaxValue - 64)
                throw new InvalidInputException("--max-tokens", "the corpus exceeds 2^31 tokens; set --max-tokens to read a part of it.");
            _tokens.AddRange(room >= tokens.Length ? tokens : tokens.AsSpan(0, (int)room).ToArray());
            return !Full;
        }
    }
}
