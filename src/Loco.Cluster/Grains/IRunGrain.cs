using Loco.Cluster.Protocol;
using Orleans.Concurrency;

namespace Loco.Cluster.Grains;

/// <summary>
/// The run coordinator (DESIGN.md §7): the run's spec and config hash, the worker slots (incarnation, last contact),
/// the round barrier, the restart rule's counters and decisions, and the manifest of committed rounds. One per cluster,
/// key <see cref="Key"/>.
/// </summary>
public interface IRunGrain : IGrainWithStringKey
{
    /// <summary>The key of the one run grain of a cluster.</summary>
    const string Key = "run";

    /// <summary>
    /// Starts the run at a committed round: loads every shard from its blob (the coordinator host calls it once, at the
    /// run's start or when it resumes from the manifest), with each worker's data position (null: round × H).
    /// </summary>
    [ResponseTimeout("00:10:00")]
    Task Start(RunSpec spec, long round, long roundsSinceRestart, long restarts, BlobRef[] blobs, long[]? dataPositions = null);

    /// <summary>
    /// A worker process (a fresh <paramref name="incarnation"/> per start) asks for <paramref name="count"/> worker slots
    /// (the lowest free indices); it enters at the next round boundary. A worker that comes before the coordinator has
    /// started the run waits for it (up to a minute).
    /// </summary>
    [AlwaysInterleave]
    [ResponseTimeout("00:01:30")]
    Task<JoinTicket> Join(Guid incarnation, string host, int count, int[]? preferred = null);

    /// <summary>Waits up to <paramref name="wait"/> for every worker slot to be taken (the first round's barrier); true when they are.</summary>
    [AlwaysInterleave]
    Task<bool> AwaitStart(TimeSpan wait);

    /// <summary>
    /// Worker <paramref name="worker"/> has uploaded every chunk of round <paramref name="round"/>: the round commits once
    /// every participant has (in the background: the call returns at once, and <see cref="AwaitCommit"/> waits). Calls
    /// to the run grain time out in seconds, so that a worker notices a coordinator that went away.
    /// </summary>
    [ResponseTimeout("00:00:15")]
    Task Submit(int worker, Guid incarnation, long round, WorkerRoundReport report);

    /// <summary>
    /// Streaming fragments: worker <paramref name="worker"/> has uploaded every chunk of the fragment that synchronises
    /// <paramref name="sync"/>-th in round <paramref name="round"/> (<see cref="Loco.Core.Rounds.FragmentSchedule.SyncOrder"/>);
    /// that fragment's shards commit once every live participant has, and the round once its last fragment has. With
    /// one fragment this is <see cref="Submit"/>.
    /// </summary>
    [ResponseTimeout("00:00:15")]
    Task SubmitFragment(int worker, Guid incarnation, long round, int sync, WorkerRoundReport report);

    /// <summary>
    /// Whether the <paramref name="sync"/>-th fragment of round <paramref name="round"/> has committed, waiting up to
    /// <paramref name="wait"/> for it.
    /// </summary>
    [AlwaysInterleave]
    [ResponseTimeout("00:00:15")]
    Task<bool> AwaitFragment(long round, int sync, TimeSpan wait);

    /// <summary>The commit of round <paramref name="round"/>, waiting up to <paramref name="wait"/> for it (null when it has not come).</summary>
    [AlwaysInterleave]
    [ResponseTimeout("00:00:15")]
    Task<RoundCommit?> AwaitCommit(long round, TimeSpan wait);

    /// <summary>The lease of the process's workers: whether this incarnation is part of the run, was dropped, or is unknown (a coordinator that restarted).</summary>
    [AlwaysInterleave]
    [ResponseTimeout("00:00:05")]
    Task<Membership> Heartbeat(Guid incarnation);

    /// <summary>The process is done (the run finished) and its workers leave.</summary>
    [AlwaysInterleave]
    Task Leave(Guid incarnation);

    /// <summary>The process cannot go on (its training diverged, or it failed): the run stops with <paramref name="message"/>.</summary>
    [AlwaysInterleave]
    Task Fail(Guid incarnation, string message);

    /// <summary>The run is over: later joins are refused.</summary>
    [AlwaysInterleave]
    Task Finish();

    /// <summary>The run as <c>loco status</c> shows it.</summary>
    [AlwaysInterleave]
    Task<RunStatus> Status();
}
