namespace Loco.Cluster.Protocol;

/// <summary>What a worker process gets when it joins: its worker indices, the run's spec and the round it enters at.</summary>
/// <param name="Workers">The worker indices the coordinator assigned to the process, in increasing order (each its data shard m of M).</param>
/// <param name="Spec">The run.</param>
/// <param name="CommittedRound">Rounds committed so far: the worker enters at the next round boundary with these weights.</param>
[GenerateSerializer, Immutable]
public sealed record JoinTicket([property: Id(0)] int[] Workers, [property: Id(1)] RunSpec Spec, [property: Id(2)] long CommittedRound);
