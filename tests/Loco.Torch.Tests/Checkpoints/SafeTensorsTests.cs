using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Loco.Torch.Checkpoints;

namespace Loco.Torch.Tests.Checkpoints;

public class SafeTensorsTests
{
    private static SafeTensor[] Sample() =>
    [
        SafeTensor.Of("w", [1.5f, -2f, 0.25f, 3f, 4f, -0f], 2, 3),
        SafeTensor.Of("b.double", [Math.PI, -1e300]),
        SafeTensor.Of("steps", [long.MaxValue, -7L, 0L]),
        SafeTensor.Of("ids", [int.MinValue, 42]),
    ];

    [Fact]
    public void WrittenFileParsesByHandPerTheSpec()
    {
        using var temp = new TempFolder();
        string path = temp.File("m.safetensors");
        SafeTensors.Write(path, Sample(), new Dictionary<string, string> { ["format"] = "pt", ["round"] = "12" });
        byte[] file = File.ReadAllBytes(path);

        // 8-byte little-endian header length; JSON header; data starts 8-aligned.
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(file);
        Assert.Equal(0ul, (8 + n) % 8);
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(file, 8, (int)n).TrimEnd(' '));
        int dataStart = 8 + (int)n;
        var root = header.RootElement;
        Assert.Equal("pt", root.GetProperty("__metadata__").GetProperty("format").GetString());
        Assert.Equal("12", root.GetProperty("__metadata__").GetProperty("round").GetString());

        (string Dtype, long[] Shape, byte[] Bytes) Entry(string name)
        {
            var e = root.GetProperty(name);
            long begin = e.GetProperty("data_offsets")[0].GetInt64(), end = e.GetProperty("data_offsets")[1].GetInt64();
            return (e.GetProperty("dtype").GetString()!, e.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()).ToArray(),
                file[(dataStart + (int)begin)..(dataStart + (int)end)]);
        }

        var w = Entry("w");
        Assert.Equal("F32", w.Dtype);
        Assert.Equal([2L, 3L], w.Shape);
        Assert.Equal([1.5f, -2f, 0.25f, 3f, 4f, -0f], Enumerable.Range(0, 6).Select(i => BinaryPrimitives.ReadSingleLittleEndian(w.Bytes.AsSpan(4 * i))));
        var d = Entry("b.double");
        Assert.Equal("F64", d.Dtype);
        Assert.Equal(Math.PI, BinaryPrimitives.ReadDoubleLittleEndian(d.Bytes));
        Assert.Equal(-1e300, BinaryPrimitives.ReadDoubleLittleEndian(d.Bytes.AsSpan(8)));
        var s = Entry("steps");
        Assert.Equal("I64", s.Dtype);
        Assert.Equal(long.MaxValue, BinaryPrimitives.ReadInt64LittleEndian(s.Bytes));
        Assert.Equal(-7L, BinaryPrimitives.ReadInt64LittleEndian(s.Bytes.AsSpan(8)));
        var ids = Entry("ids");
        Assert.Equal("I32", ids.Dtype);
        Assert.Equal(int.MinValue, BinaryPrimitives.ReadInt32LittleEndian(ids.Bytes));

        // The data buffer holds exactly the four tensors.
        Assert.Equal(6 * 4 + 2 * 8 + 3 * 8 + 2 * 4, file.Length - dataStart);
    }

    [Fact]
    public void ReaderReadsAHandBuiltFileAndRoundTripsItsOwn()
    {
        // By hand: header for two F32 values and one I64, no padding needed by the reader.
        string json = "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"n\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[8,16]}}";
        var bytes = new List<byte>();
        bytes.AddRange(BitConverter.GetBytes((ulong)json.Length));
        bytes.AddRange(Encoding.UTF8.GetBytes(json));
        bytes.AddRange(BitConverter.GetBytes(0.5f));
        bytes.AddRange(BitConverter.GetBytes(-3f));
        bytes.AddRange(BitConverter.GetBytes(99L));
        var parsed = SafeTensors.Parse(bytes.ToArray());
        Assert.Equal([0.5f, -3f], parsed.Tensors["x"].ToFloats());
        Assert.Equal([99L], parsed.Tensors["n"].ToInt64s());
        Assert.Empty(parsed.Tensors["n"].Shape);
        Assert.Empty(parsed.Metadata);

        var stream = new MemoryStream();
        SafeTensors.Write(stream, Sample());
        var back = SafeTensors.Parse(stream.ToArray());
        foreach (var t in Sample())
        {
            Assert.Equal(t.DType, back.Tensors[t.Name].DType);
            Assert.Equal(t.Shape, back.Tensors[t.Name].Shape);
            Assert.Equal(t.Data, back.Tensors[t.Name].Data);
        }
    }

    [Fact]
    public void TruncatedFilesAndOffsetsPastTheEndAreRejected()
    {
        var stream = new MemoryStream();
        SafeTensors.Write(stream, Sample());
        byte[] good = stream.ToArray();

        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => SafeTensors.Parse(good[..^1])).Message);
        Assert.Throws<InvalidDataException>(() => SafeTensors.Parse(good[..5]));
        Assert.Throws<InvalidDataException>(() => SafeTensors.Parse(good[..20])); // header cut

        // Header length pointing past the end of the file.
        byte[] longHeader = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(longHeader, (ulong)good.Length);
        Assert.Contains("past the end", Assert.Throws<InvalidDataException>(() => SafeTensors.Parse(longHeader)).Message);

        // A tensor whose data_offsets point past the end of the data.
        string json = "{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}";
        byte[] bad = [.. BitConverter.GetBytes((ulong)json.Length), .. Encoding.UTF8.GetBytes(json), .. new byte[8]];
        Assert.Contains("past its end", Assert.Throws<InvalidDataException>(() => SafeTensors.Parse(bad)).Message);

        // Shape and byte count disagree; gap in the data.
        json = "{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}";
        bad = [.. BitConverter.GetBytes((ulong)json.Length), .. Encoding.UTF8.GetBytes(json), .. new byte[8]];
        Assert.Throws<InvalidDataException>(() => SafeTensors.Parse(bad));
        json = "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        bad = [.. BitConverter.GetBytes((ulong)json.Length), .. Encoding.UTF8.GetBytes(json), .. new byte[8]];
        Assert.Contains("gap", Assert.Throws<InvalidDataException>(() => SafeTensors.Parse(bad)).Message);
    }
}
