using System.IO.Hashing;
using System.Runtime.InteropServices;
using Loco.Cluster.Protocol;

namespace Loco.Cluster.Storage;

/// <summary>
/// Shard blobs as files in one folder: <c>r{round}-s{shard}.bin</c>, the slice's weights then its momentum in fp32,
/// written to a temporary name, flushed to disk and renamed, with an XxHash3 checksum that the manifest records.
/// </summary>
public sealed class BlobFolder(string folder)
{
    /// <summary>The folder.</summary>
    public string Folder { get; } = Path.GetFullPath(folder);

    private static string Name(int shard, long round) => $"r{round:D8}-s{shard:D3}.bin";

    /// <summary>Writes a blob; returns its reference.</summary>
    public Task<BlobRef> WriteAsync(int shard, long round, ReadOnlyMemory<float> weights, ReadOnlyMemory<float> momentum)
    {
        if (weights.Length != momentum.Length)
        {
            throw new ArgumentException($"The slice has {weights.Length} weights and {momentum.Length} momentum values.");
        }

        Directory.CreateDirectory(Folder);
        string name = Name(shard, round);
        string path = Path.Combine(Folder, name);
        string temporary = path + ".tmp";
        // Straight from the slices to the file (no staging copy); the checksum of the two parts appended equals that of
        // the whole file.
        ReadOnlySpan<byte> w = MemoryMarshal.AsBytes(weights.Span), v = MemoryMarshal.AsBytes(momentum.Span);
        var hash = new XxHash3();
        hash.Append(w);
        hash.Append(v);
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1))
        {
            file.Write(w);
            file.Write(v);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
        return Task.FromResult(new BlobRef(shard, name, (long)w.Length + v.Length, hash.GetCurrentHashAsUInt64()));
    }

    /// <summary>Reads a blob, checking its length and checksum.</summary>
    public async Task<(float[] Weights, float[] Momentum)> ReadAsync(BlobRef blob, int length)
    {
        string path = Path.Combine(Folder, blob.Name);
        byte[] bytes = await File.ReadAllBytesAsync(path);
        if (bytes.Length != blob.Bytes || bytes.Length != 8L * length)
        {
            throw new InvalidDataException($"{path}: {bytes.Length} bytes, expected {blob.Bytes} ({length} weights and momentum values).");
        }

        if (Checksum.Of(bytes) != blob.Checksum)
        {
            throw new InvalidDataException($"{path}: the checksum does not match the manifest's (the blob is damaged).");
        }

        float[] weights = new float[length], momentum = new float[length];
        MemoryMarshal.Cast<byte, float>(bytes.AsSpan(0, 4 * length)).CopyTo(weights);
        MemoryMarshal.Cast<byte, float>(bytes.AsSpan(4 * length)).CopyTo(momentum);
        return (weights, momentum);
    }

    /// <summary>Removes blobs of rounds before <paramref name="round"/>.</summary>
    public Task DropBeforeAsync(long round)
    {
        if (!Directory.Exists(Folder))
        {
            return Task.CompletedTask;
        }

        foreach (string path in Directory.EnumerateFiles(Folder, "r*-s*.bin"))
        {
            string name = Path.GetFileName(path);
            if (long.TryParse(name.AsSpan(1, 8), out long r) && r < round)
            {
                File.Delete(path);
            }
        }

        return Task.CompletedTask;
    }
}
