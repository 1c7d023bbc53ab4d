namespace Loco.Cluster.Protocol;

/// <summary>A stored shard slice (weights, then momentum, fp32): its name in the store, its length in bytes and its checksum.</summary>
[GenerateSerializer, Immutable]
public sealed record BlobRef([property: Id(0)] int Shard, [property: Id(1)] string Name, [property: Id(2)] long Bytes, [property: Id(3)] ulong Checksum);
