namespace Loco.Cluster.Protocol;

/// <summary>A committed round, as the coordinator recorded it.</summary>
/// <param name="Round">The round (rounds completed, this one included).</param>
/// <param name="Contributors">The workers whose pseudo-gradients the mean was taken over, in index order.</param>
/// <param name="TrainLoss">Mean over the contributors (in index order) of their round-mean losses.</param>
/// <param name="Items">Tokens the contributors consumed this round.</param>
/// <param name="Restarted">Whether the outer momentum was reset after this round's step.</param>
/// <param name="RoundsSinceRestart">The restart counter after the round.</param>
/// <param name="Restarts">Restarts so far.</param>
/// <param name="Reports">The contributors' reports, in index order.</param>
/// <param name="ReduceSeconds">Seconds the shards took to average, step and store the round.</param>
[GenerateSerializer, Immutable]
public sealed record RoundCommit(
    [property: Id(0)] long Round,
    [property: Id(1)] int[] Contributors,
    [property: Id(2)] double TrainLoss,
    [property: Id(3)] long Items,
    [property: Id(4)] bool Restarted,
    [property: Id(5)] long RoundsSinceRestart,
    [property: Id(6)] long Restarts,
    [property: Id(7)] WorkerRoundReport[] Reports,
    [property: Id(8)] double ReduceSeconds);
