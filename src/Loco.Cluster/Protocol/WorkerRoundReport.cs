namespace Loco.Cluster.Protocol;

/// <summary>What a worker tells the coordinator once every chunk of its pseudo-gradient is with the shards.</summary>
/// <param name="RoundMeanLoss">Mean minibatch loss over the worker's H inner steps of the round.</param>
/// <param name="LastLoss">The loss of its last inner step.</param>
/// <param name="BytesSent">Payload bytes it uploaded this round.</param>
/// <param name="ComputeSeconds">Seconds of its inner steps this round.</param>
/// <param name="UploadSeconds">Seconds its upload took.</param>
[GenerateSerializer, Immutable]
public sealed record WorkerRoundReport(
    [property: Id(0)] double RoundMeanLoss,
    [property: Id(1)] double LastLoss,
    [property: Id(2)] long BytesSent,
    [property: Id(3)] double ComputeSeconds,
    [property: Id(4)] double UploadSeconds);
