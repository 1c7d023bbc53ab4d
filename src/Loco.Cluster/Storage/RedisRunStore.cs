using Loco.Cluster.Protocol;
using StackExchange.Redis;

namespace Loco.Cluster.Storage;

/// <summary>
/// The manifest in Redis (key <c>loco:{run}:manifest</c>), replaced by a Redis transaction conditioned on the value it
/// replaces (compare-and-set); the shard blobs on the coordinator's disk (<c>cluster/blobs/</c> of the run folder), since
/// tens or hundreds of MB per round do not belong in Redis. The Orleans membership of the same run uses the same Redis
/// (Orleans' Redis clustering).
/// </summary>
public sealed class RedisRunStore : IRunStore, IDisposable
{
    private readonly ConnectionMultiplexer _redis;
    private readonly BlobFolder _blobs;
    private readonly RedisKey _key;

    /// <summary>A store for <paramref name="runId"/> on the Redis server <paramref name="configuration"/> (HOST:PORT), blobs in <paramref name="blobFolder"/>.</summary>
    public RedisRunStore(string configuration, string runId, string blobFolder)
    {
        Configuration = configuration;
        _redis = Connect(configuration);
        _blobs = new BlobFolder(blobFolder);
        _key = $"loco:{runId}:manifest";
    }

    /// <summary>The Redis server.</summary>
    public string Configuration { get; }

    /// <inheritdoc />
    public string Description => $"Redis at {Configuration} (manifest) and files in {_blobs.Folder} (blobs)";

    /// <summary>Connects, or fails with a message that names the server (a bounded wait).</summary>
    public static ConnectionMultiplexer Connect(string configuration)
    {
        var options = ConfigurationOptions.Parse(configuration);
        options.ConnectTimeout = 5000;
        options.AbortOnConnectFail = true;
        try
        {
            return ConnectionMultiplexer.Connect(options);
        }
        catch (RedisConnectionException ex)
        {
            throw new ClusterUnavailableException($"cannot reach Redis at {configuration} ({ex.Message.Split('\n')[0]}).", ex);
        }
    }

    /// <inheritdoc />
    public Task<BlobRef> WriteBlobAsync(int shard, long round, ReadOnlyMemory<float> weights, ReadOnlyMemory<float> momentum) =>
        _blobs.WriteAsync(shard, round, weights, momentum);

    /// <inheritdoc />
    public Task<(float[] Weights, float[] Momentum)> ReadBlobAsync(BlobRef blob, int length) => _blobs.ReadAsync(blob, length);

    /// <inheritdoc />
    public async Task<RunManifest?> ReadManifestAsync()
    {
        RedisValue value = await _redis.GetDatabase().StringGetAsync(_key);
        return value.IsNullOrEmpty ? null : RunManifest.Parse(value.ToString(), $"Redis {Configuration} key {_key}");
    }

    /// <inheritdoc />
    public async Task WriteManifestAsync(RunManifest manifest, long? expectedRound)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        IDatabase db = _redis.GetDatabase();
        RedisValue current = await db.StringGetAsync(_key);
        long? currentRound = current.IsNullOrEmpty ? null : RunManifest.Parse(current.ToString(), $"Redis key {_key}").Round;
        if (currentRound != expectedRound)
        {
            throw new ManifestConflictException($"Redis key {_key}: expected the manifest of round {expectedRound?.ToString() ?? "(none)"}, found {currentRound?.ToString() ?? "none"}.");
        }

        ITransaction transaction = db.CreateTransaction();
        transaction.AddCondition(current.IsNullOrEmpty ? Condition.KeyNotExists(_key) : Condition.StringEqual(_key, current));
        _ = transaction.StringSetAsync(_key, manifest.ToJson());
        if (!await transaction.ExecuteAsync())
        {
            throw new ManifestConflictException($"Redis key {_key}: the manifest changed while round {manifest.Round} was being recorded.");
        }
    }

    /// <inheritdoc />
    public Task DropBlobsBeforeAsync(long round) => _blobs.DropBeforeAsync(round);

    /// <inheritdoc />
    public void Dispose() => _redis.Dispose();
}
