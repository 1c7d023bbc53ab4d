using Loco.Cluster.Protocol;
using Loco.Cluster.Storage;

namespace Loco.Cluster.Tests;

public sealed class FileRunStoreTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("loco-store-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static RunManifest Manifest(long round, BlobRef[] blobs) => new()
    {
        RunId = "r",
        Round = round,
        RoundsSinceRestart = round,
        Restarts = 0,
        Contributors = [0, 1],
        DataPositions = [round * 3, round * 3],
        ConfigHash = "h",
        Flags = new Dictionary<string, string> { ["--seed"] = "5" },
        Blobs = blobs,
    };

    [Fact]
    public async Task TheManifestMovesOnlyFromTheRoundTheWriterExpected()
    {
        var store = new FileRunStore(_folder);
        Assert.Null(await store.ReadManifestAsync());
        BlobRef blob = await store.WriteBlobAsync(0, 0, new float[] { 1, 2 }, new float[] { 0, 0 });
        await store.WriteManifestAsync(Manifest(0, [blob]), null);
        await Assert.ThrowsAsync<ManifestConflictException>(() => store.WriteManifestAsync(Manifest(1, [blob]), null));
        await Assert.ThrowsAsync<ManifestConflictException>(() => store.WriteManifestAsync(Manifest(2, [blob]), 1));
        await store.WriteManifestAsync(Manifest(1, [blob]), 0);
        RunManifest back = (await store.ReadManifestAsync())!;
        Assert.Equal(1, back.Round);
        Assert.Equal([0, 1], back.Contributors);
        Assert.Equal("5", back.Flags["--seed"]);
        Assert.False(File.Exists(Path.Combine(_folder, "manifest.json.tmp")));
    }

    [Fact]
    public async Task ABlobReadsBackBitForBitAndADamagedOneIsRefused()
    {
        var store = new FileRunStore(_folder);
        float[] weights = [1.5f, -0.0f, float.Epsilon, 3e38f], momentum = [0.25f, 7, -1, 0];
        BlobRef blob = await store.WriteBlobAsync(3, 7, weights, momentum);
        (float[] w, float[] v) = await store.ReadBlobAsync(blob, weights.Length);
        Assert.Equal(BitConverter.SingleToInt32Bits(-0.0f), BitConverter.SingleToInt32Bits(w[1]));
        Assert.Equal(weights, w);
        Assert.Equal(momentum, v);
        string path = Path.Combine(_folder, "blobs", blob.Name);
        byte[] bytes = File.ReadAllBytes(path);
        bytes[5] ^= 0x10;
        File.WriteAllBytes(path, bytes);
        InvalidDataException ex = await Assert.ThrowsAsync<InvalidDataException>(() => store.ReadBlobAsync(blob, weights.Length));
        Assert.Contains("checksum", ex.Message);
        await Assert.ThrowsAsync<InvalidDataException>(() => store.ReadBlobAsync(blob, weights.Length + 1));
    }

    [Fact]
    public async Task OldBlobsAreDroppedAndTheCurrentOnesKept()
    {
        var store = new FileRunStore(_folder);
        await store.WriteBlobAsync(0, 1, new float[] { 1 }, new float[] { 0 });
        BlobRef kept = await store.WriteBlobAsync(0, 2, new float[] { 2 }, new float[] { 0 });
        await store.DropBlobsBeforeAsync(2);
        Assert.Equal([kept.Name], Directory.GetFiles(Path.Combine(_folder, "blobs")).Select(Path.GetFileName));
    }
}
