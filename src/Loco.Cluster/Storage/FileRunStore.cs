using Loco.Cluster.Protocol;

namespace Loco.Cluster.Storage;

/// <summary>
/// The embedded store: everything under one folder (the run folder's <c>cluster/</c>): blobs in <c>blobs/</c>, the
/// manifest in <c>manifest.json</c>, replaced by a write to a temporary file, a flush and a rename (atomic on one
/// file system). The compare-and-set reads the current manifest first; one coordinator writes at a time.
/// </summary>
public sealed class FileRunStore : IRunStore
{
    private readonly BlobFolder _blobs;
    private readonly string _manifest;
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>A store in <paramref name="folder"/>.</summary>
    public FileRunStore(string folder)
    {
        Folder = Path.GetFullPath(folder);
        _blobs = new BlobFolder(Path.Combine(Folder, "blobs"));
        _manifest = Path.Combine(Folder, "manifest.json");
    }

    /// <summary>The folder.</summary>
    public string Folder { get; }

    /// <inheritdoc />
    public string Description => $"files in {Folder}";

    /// <inheritdoc />
    public Task<BlobRef> WriteBlobAsync(int shard, long round, ReadOnlyMemory<float> weights, ReadOnlyMemory<float> momentum) =>
        _blobs.WriteAsync(shard, round, weights, momentum);

    /// <inheritdoc />
    public Task<(float[] Weights, float[] Momentum)> ReadBlobAsync(BlobRef blob, int length) => _blobs.ReadAsync(blob, length);

    /// <inheritdoc />
    public async Task<RunManifest?> ReadManifestAsync() =>
        File.Exists(_manifest) ? RunManifest.Parse(await File.ReadAllTextAsync(_manifest), _manifest) : null;

    /// <inheritdoc />
    public async Task WriteManifestAsync(RunManifest manifest, long? expectedRound)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        await _gate.WaitAsync();
        try
        {
            RunManifest? current = await ReadManifestAsync();
            if (current?.Round != expectedRound)
            {
                throw new ManifestConflictException(
                    $"{_manifest}: expected the manifest of round {expectedRound?.ToString() ?? "(none)"}, found {current?.Round.ToString() ?? "none"}.");
            }

            Directory.CreateDirectory(Folder);
            string temporary = _manifest + ".tmp";
            await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                await file.WriteAsync(System.Text.Encoding.UTF8.GetBytes(manifest.ToJson()));
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, _manifest, overwrite: true);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public Task DropBlobsBeforeAsync(long round) => _blobs.DropBeforeAsync(round);
}
