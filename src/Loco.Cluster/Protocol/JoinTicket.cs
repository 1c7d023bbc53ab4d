namespace Loco.Cluster.Protocol;

/// <summary>What a worker process gets when it joins: its index, the run's spec and the round it enters at.</summary>
/// <param name="Worker">m, the worker index the coordinator assigned (its data shard m of M).</param>
/// <param name="Spec">The run.</param>
/// <param name="CommittedRound">Rounds committed so far: the worker enters at the next round boundary with these weights.</param>
[GenerateSerializer, Immutable]
public sealed record JoinTicket([property: Id(0)] int Worker, [property: Id(1)] RunSpec Spec, [property: Id(2)] long CommittedRound);
