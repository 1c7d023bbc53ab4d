using Loco.Cluster.Protocol;

namespace Loco.Cluster.Storage;

/// <summary>
/// Where a run's committed state survives its coordinator (DESIGN.md §7): checksummed shard blobs, then one manifest
/// written by compare-and-set, so that a reader sees either the old round or the new one, never a torn state.
/// </summary>
public interface IRunStore
{
    /// <summary>Says where the state lives (for messages).</summary>
    string Description { get; }

    /// <summary>Writes shard <paramref name="shard"/>'s slice after round <paramref name="round"/> (weights then momentum) and returns its reference.</summary>
    Task<BlobRef> WriteBlobAsync(int shard, long round, ReadOnlyMemory<float> weights, ReadOnlyMemory<float> momentum);

    /// <summary>Reads a blob back, checking its length and checksum: (weights, momentum), each <paramref name="length"/> long.</summary>
    Task<(float[] Weights, float[] Momentum)> ReadBlobAsync(BlobRef blob, int length);

    /// <summary>The current manifest, or null when the run has none yet.</summary>
    Task<RunManifest?> ReadManifestAsync();

    /// <summary>
    /// Replaces the manifest if its round is still <paramref name="expectedRound"/> (null: if there is none yet); throws
    /// <see cref="ManifestConflictException"/> otherwise.
    /// </summary>
    Task WriteManifestAsync(RunManifest manifest, long? expectedRound);

    /// <summary>Removes the blobs of rounds before <paramref name="round"/> (those no manifest can reference any more).</summary>
    Task DropBlobsBeforeAsync(long round);
}
