using Loco.Cluster.Protocol;
using Orleans.Concurrency;

namespace Loco.Cluster.Grains;

/// <summary>
/// Shard k of a run: one contiguous slice of the flat weights (<see cref="ShardLayout.Slice"/>), that slice of the
/// global weights and of the outer momentum, and the workers' uploaded pseudo-gradients of the open round. It sums
/// them in worker-index order, divides by their count and applies Loco.Core's outer step to its slice.
/// </summary>
public interface IShardGrain : IGrainWithIntegerKey
{
    /// <summary>Takes the slice from a stored blob, at round <paramref name="round"/> (the run's start or a resume).</summary>
    [ResponseTimeout("00:05:00")]
    Task Load(RunSpec spec, BlobRef blob, long round);

    /// <summary>
    /// Chunk <paramref name="chunk"/> of worker <paramref name="worker"/>'s pseudo-gradient for round
    /// <paramref name="round"/> (fp32 bytes): idempotent (a chunk sent twice counts once); a new incarnation of the
    /// worker replaces what an older one sent; a chunk of the wrong length, with a bad checksum or with non-finite
    /// values, or for a round that is not open, is refused. The payload is <c>[Immutable]</c>: the caller never changes
    /// it after the call, which spares Orleans a copy of every chunk (measured: about a third faster on loopback).
    /// </summary>
    [ResponseTimeout("00:02:00")]
    Task Upload(long round, int worker, Guid incarnation, int chunk, [Immutable] byte[] payload, ulong checksum);

    /// <summary>
    /// Commits round <paramref name="round"/>: the mean of <paramref name="contributors"/>' pseudo-gradients, each as
    /// uploaded by the incarnation at the same position of <paramref name="incarnations"/> (summed in the order given,
    /// which is index order), the outer step on the slice, the momentum reset if <paramref name="restart"/>; stores the
    /// slice and returns its blob. What any other incarnation uploaded is dropped.
    /// </summary>
    [ResponseTimeout("00:05:00")]
    Task<BlobRef> Commit(long round, int[] contributors, Guid[] incarnations, bool restart);

    /// <summary>
    /// Chunk <paramref name="chunk"/> of the global weights after round <paramref name="round"/> (which must be the last
    /// committed), fp32 bytes. Made once per round and shared by every download of it (immutable: never copied in the
    /// silo, never changed).
    /// </summary>
    [ResponseTimeout("00:02:00")]
    Task<Immutable<byte[]>> Download(long round, int chunk);

    /// <summary>Payload bytes received over the run.</summary>
    Task<long> BytesReceived();

    /// <summary>The silo this shard lives on (for tests and status).</summary>
    Task<string> Silo();
}
