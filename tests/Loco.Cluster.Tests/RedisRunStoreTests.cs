using Loco.Cluster.Protocol;
using Loco.Cluster.Storage;

namespace Loco.Cluster.Tests;

[Collection(RedisCollection.Name)]
public sealed class RedisRunStoreTests(RedisServer redis) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("loco-redis-store-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task TheManifestInRedisIsReplacedOnlyByCompareAndSet()
    {
        string run = $"cas-{Guid.NewGuid():N}";
        using var store = new RedisRunStore(redis.Address, run, _folder);
        Assert.Null(await store.ReadManifestAsync());
        BlobRef blob = await store.WriteBlobAsync(0, 0, new float[] { 1 }, new float[] { 2 });
        RunManifest zero = new()
        {
            RunId = run, Round = 0, RoundsSinceRestart = 0, Restarts = 0, Contributors = [], DataPositions = [0], ConfigHash = "h",
            Flags = new Dictionary<string, string>(), Blobs = [blob],
        };
        await store.WriteManifestAsync(zero, null);
        await Assert.ThrowsAsync<ManifestConflictException>(() => store.WriteManifestAsync(zero with { Round = 1 }, null));
        await Assert.ThrowsAsync<ManifestConflictException>(() => store.WriteManifestAsync(zero with { Round = 2 }, 1));
        await store.WriteManifestAsync(zero with { Round = 1, Contributors = [0] }, 0);
        RunManifest back = (await store.ReadManifestAsync())!;
        Assert.Equal(1, back.Round);
        Assert.Equal([0], back.Contributors);
        (float[] w, float[] v) = await store.ReadBlobAsync(back.Blobs[0], 1);
        Assert.Equal([1f], w);
        Assert.Equal([2f], v);
    }

    [Fact]
    public void AnUnreachableRedisIsAClearError()
    {
        int port = Hosting.Endpoints.FreePort(System.Net.IPAddress.Loopback);
        ClusterUnavailableException ex = Assert.Throws<ClusterUnavailableException>(() => new RedisRunStore($"127.0.0.1:{port}", "x", _folder));
        Assert.Contains($"cannot reach Redis at 127.0.0.1:{port}", ex.Message);
    }
}
