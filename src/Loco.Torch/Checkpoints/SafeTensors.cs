using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Loco.Torch.Checkpoints;

/// <summary>The tensors and string metadata of one safetensors file.</summary>
public sealed record SafeTensorFile(IReadOnlyDictionary<string, SafeTensor> Tensors, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// Reads and writes the safetensors layout (https://github.com/huggingface/safetensors): an 8-byte
/// little-endian unsigned header length N; N bytes of UTF-8 JSON
/// <c>{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ..., "__metadata__": {"k": "v"}}</c>
/// (padded with spaces so the data starts at a multiple of 8); then the data buffer, where each tensor
/// occupies [begin, end) relative to the buffer's start, little-endian, row-major, with no gaps or overlaps.
/// Tensors are laid out in ordinal name order.
/// </summary>
public static class SafeTensors
{
    /// <summary>The largest header this reader accepts (as the reference implementation: 100 MB).</summary>
    public const long MaxHeaderLength = 100_000_000;

    /// <summary>Writes <paramref name="tensors"/> (distinct names) and optional string metadata to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, IEnumerable<SafeTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var ordered = tensors.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach (var (key, value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal)) meta[key] = value;
            header["__metadata__"] = meta;
        }
        long offset = 0;
        foreach (var tensor in ordered)
        {
            if (tensor.Name == "__metadata__") throw new ArgumentException("'__metadata__' is reserved and cannot name a tensor.");
            if (header.ContainsKey(tensor.Name)) throw new ArgumentException($"Two tensors are named '{tensor.Name}'.");
            header[tensor.Name] = new JsonObject
            {
                ["dtype"] = tensor.DType.ToString(),
                ["shape"] = new JsonArray(tensor.Shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + tensor.Data.LongLength),
            };
            offset += tensor.Data.LongLength;
        }
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8;
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
        stream.Write(length);
        stream.Write(json);
        for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
        foreach (var tensor in ordered) stream.Write(tensor.Data);
    }

    /// <summary>Writes a safetensors file at <paramref name="path"/> (replacing it).</summary>
    public static void Write(string path, IEnumerable<SafeTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        Write(stream, tensors, metadata);
    }

    /// <summary>Reads a safetensors file; a malformed or truncated one throws <see cref="InvalidDataException"/>.</summary>
    public static SafeTensorFile Read(string path) => Parse(File.ReadAllBytes(path));

    /// <summary>Parses the bytes of a safetensors file; a malformed or truncated one throws <see cref="InvalidDataException"/>.</summary>
    public static SafeTensorFile Parse(ReadOnlySpan<byte> file)
    {
        if (file.Length < 8) throw new InvalidDataException($"the file has {file.Length} bytes, fewer than the 8-byte header length.");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (headerLength > MaxHeaderLength) throw new InvalidDataException($"the header length {headerLength} is larger than {MaxHeaderLength} bytes.");
        if (headerLength > (ulong)(file.Length - 8))
            throw new InvalidDataException($"the header length {headerLength} points past the end of the file ({file.Length} bytes): truncated.");
        ReadOnlySpan<byte> data = file[(8 + (int)headerLength)..];

        JsonObject header;
        try
        {
            header = JsonNode.Parse(file.Slice(8, (int)headerLength)) as JsonObject
                ?? throw new InvalidDataException("the header is not a JSON object.");
        }
        catch (JsonException e) { throw new InvalidDataException($"the header is not valid JSON ({e.Message})."); }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var tensors = new Dictionary<string, SafeTensor>(StringComparer.Ordinal);
        var extents = new List<(long Begin, long End, string Name)>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__")
            {
                if (node is not JsonObject meta) throw new InvalidDataException("__metadata__ is not an object.");
                foreach (var (key, value) in meta)
                    metadata[key] = value is JsonValue v && v.TryGetValue(out string? s) ? s
                        : throw new InvalidDataException($"__metadata__ value '{key}' is not a string.");
                continue;
            }
            if (node is not JsonObject entry) throw new InvalidDataException($"tensor '{name}' is not described by an object.");
            string dtypeName = entry["dtype"] is JsonValue dv && dv.TryGetValue(out string? d) ? d : throw new InvalidDataException($"tensor '{name}' has no dtype.");
            if (!Enum.TryParse(dtypeName, ignoreCase: false, out SafeTensorDType dtype) || !Enum.IsDefined(dtype))
                throw new InvalidDataException($"tensor '{name}' has dtype {dtypeName}; this reader supports F32, F64, I32, I64.");
            long[] shape = Longs(entry["shape"], name, "shape");
            long[] offsets = Longs(entry["data_offsets"], name, "data_offsets");
            if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0])
                throw new InvalidDataException($"tensor '{name}' has invalid data_offsets.");
            if (offsets[1] > data.Length)
                throw new InvalidDataException($"tensor '{name}' ends at byte {offsets[1]} of the data, past its end ({data.Length} bytes): truncated.");
            long elements;
            try { elements = shape.Aggregate(1L, (a, x) => x < 0 ? throw new InvalidDataException($"tensor '{name}' has a negative dimension.") : checked(a * x)); }
            catch (OverflowException) { throw new InvalidDataException($"tensor '{name}' has a shape too large."); }
            if (offsets[1] - offsets[0] != elements * SafeTensor.ElementSize(dtype))
                throw new InvalidDataException($"tensor '{name}' has {offsets[1] - offsets[0]} bytes, but shape [{string.Join(", ", shape)}] {dtype} needs {elements * SafeTensor.ElementSize(dtype)}.");
            tensors[name] = new SafeTensor(name, dtype, shape, data[(int)offsets[0]..(int)offsets[1]].ToArray());
            extents.Add((offsets[0], offsets[1], name));
        }

        // The data buffer must be exactly covered: no gaps, no overlaps, nothing trailing.
        long position = 0;
        foreach (var (begin, end, name) in extents.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (begin != position) throw new InvalidDataException($"tensor '{name}' starts at {begin}, expected {position} (gap or overlap in the data).");
            position = end;
        }
        if (position != data.Length) throw new InvalidDataException($"the data has {data.Length} bytes but the tensors cover {position}.");
        return new SafeTensorFile(tensors, metadata);
    }

    private static long[] Longs(JsonNode? node, string tensor, string field)
    {
        if (node is not JsonArray array) throw new InvalidDataException($"tensor '{tensor}' has no {field} array.");
        var values = new long[array.Count];
        for (int i = 0; i < values.Length; i++)
            values[i] = array[i] is JsonValue v && v.TryGetValue(out long x) ? x : throw new InvalidDataException($"tensor '{tensor}' has a non-integer in {field}.");
        return values;
    }
}
