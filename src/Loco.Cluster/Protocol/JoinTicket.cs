namespace Loco.Cluster.Protocol;

/// <summary>What a worker process gets when it joins: its worker indices, the run's spec and the round it enters at.</summary>
/// <param name="Workers">The worker indices the coordinator assigned to the process, in increasing order (each its data shard m of M).</param>
/// <param name="Spec">The run.</param>
/// <param name="CommittedRound">Rounds committed so far: the worker enters the open round with these weights.</param>
/// <param name="RoundsSinceRestart">The restart counter at that round.</param>
/// <param name="Restarts">Restarts so far.</param>
/// <param name="DataPositions">Minibatches each of its workers' data shards has contributed (in the order of <see cref="Workers"/>): where a rejoining worker continues, so that no token is trained twice.</param>
[GenerateSerializer, Immutable]
public sealed record JoinTicket(
    [property: Id(0)] int[] Workers,
    [property: Id(1)] RunSpec Spec,
    [property: Id(2)] long CommittedRound,
    [property: Id(3)] long RoundsSinceRestart = 0,
    [property: Id(4)] long Restarts = 0,
    [property: Id(5)] long[]? DataPositions = null);
