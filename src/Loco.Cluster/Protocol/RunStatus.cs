namespace Loco.Cluster.Protocol;

/// <summary>One worker slot as the coordinator sees it.</summary>
/// <param name="Worker">m.</param>
/// <param name="Host">The host name the worker gave.</param>
/// <param name="SecondsSinceContact">Seconds since its last call (a heartbeat or an upload).</param>
/// <param name="LastLoss">Its last round-mean loss (NaN before its first round).</param>
/// <param name="BytesSent">Payload bytes it has uploaded over the run.</param>
/// <param name="Connected">Whether it is still part of the run (false once it has left).</param>
[GenerateSerializer, Immutable]
public sealed record WorkerStatus(
    [property: Id(0)] int Worker,
    [property: Id(1)] string Host,
    [property: Id(2)] double SecondsSinceContact,
    [property: Id(3)] double LastLoss,
    [property: Id(4)] long BytesSent,
    [property: Id(5)] bool Connected);

/// <summary>What <c>loco status</c> shows.</summary>
/// <param name="RunId">The run.</param>
/// <param name="CommittedRound">Rounds committed.</param>
/// <param name="Rounds">Rounds of the run.</param>
/// <param name="Workers">M.</param>
/// <param name="Slots">The joined workers.</param>
/// <param name="LastTrainLoss">The last committed round's training loss (NaN before the first).</param>
/// <param name="BytesReceived">Payload bytes the shards received over the run.</param>
/// <param name="Finished">Whether the run has ended.</param>
/// <param name="Events">What happened, oldest first: joins, losses, commits with fewer workers, restarts of the momentum.</param>
[GenerateSerializer, Immutable]
public sealed record RunStatus(
    [property: Id(0)] string RunId,
    [property: Id(1)] long CommittedRound,
    [property: Id(2)] int Rounds,
    [property: Id(3)] int Workers,
    [property: Id(4)] WorkerStatus[] Slots,
    [property: Id(5)] double LastTrainLoss,
    [property: Id(6)] long BytesReceived,
    [property: Id(7)] bool Finished,
    [property: Id(8)] string[] Events);
