using System.Diagnostics;
using Loco.Cluster.Protocol;
using Loco.Cluster.Storage;
using Loco.Core.Optimizers;
using Microsoft.Extensions.Logging;

namespace Loco.Cluster.Grains;

/// <summary>See <see cref="IRunGrain"/>.</summary>
public sealed class RunGrain(IRunStore store, ILogger<RunGrain> log) : Grain, IRunGrain
{
    private RunSpec? _spec;
    private OuterOptimizer? _outer;
    private OuterState<float>? _counters;
    private Slot[] _slots = [];
    private long _committed;
    private readonly Dictionary<int, (WorkerRoundReport Report, Guid Incarnation)> _submitted = [];
    private readonly Dictionary<long, RoundCommit> _history = [];
    private readonly Dictionary<long, TaskCompletionSource<RoundCommit>> _waiting = [];
    private TaskCompletionSource<bool> _allJoined = New<bool>();
    private readonly TaskCompletionSource<bool> _started = New<bool>();
    private string? _failure;
    private bool _finished;
    private double _lastTrainLoss = double.NaN;
    private long _bytesReceived;
    private long[] _dataPositions = [];
    private readonly List<string> _events = [];
    private readonly HashSet<Guid> _dropped = [];
    private Task? _committing;
    private IGrainTimer? _leases;

    // Streaming fragments: the fragments in the order they synchronise within a round, the one open now, what each
    // worker sent over the open round, the round's restart decision and each shard's latest blob. One fragment: [0].
    private int[] _order = [0];
    private int _sync;
    private readonly Dictionary<int, long> _roundBytes = [];
    private bool? _roundRestart;
    private BlobRef[] _roundBlobs = [];
    private readonly Dictionary<(long Round, int Sync), TaskCompletionSource<bool>> _fragmentWaiting = [];
    private TaskCompletionSource<bool> _roundClosed = New<bool>();

    /// <inheritdoc />
    public async Task Start(RunSpec spec, long round, long roundsSinceRestart, long restarts, BlobRef[] blobs, long[]? dataPositions = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(blobs);
        if (blobs.Length != spec.Layout.Shards)
        {
            throw new ArgumentException($"{blobs.Length} blobs for {spec.Layout.Shards} shards.", nameof(blobs));
        }

        await Task.WhenAll(blobs.Select(b => GrainFactory.GetGrain<IShardGrain>(b.Shard).Load(spec, b, round)));
        _spec = spec;
        _outer = Outer.Create(Enum.Parse<OuterKind>(spec.OuterKind), Enum.Parse<OuterForm>(spec.OuterForm), spec.OuterLr, spec.OuterMomentum,
            RestartSchedule.Parse(spec.Restart));
        _counters = _outer.Init<float>(1);
        _counters.Restore(round, roundsSinceRestart, restarts);
        _committed = round;
        _order = new Loco.Core.Rounds.FragmentSchedule(spec.Layout.Fragments).SyncOrder(spec.InnerSteps);
        _sync = 0;
        _roundBytes.Clear();
        _roundRestart = null;
        _roundBlobs = new BlobRef[spec.Layout.Shards];
        foreach (BlobRef blob in blobs)
        {
            _roundBlobs[blob.Shard] = blob;
        }

        _slots = [.. Enumerable.Range(0, spec.Workers).Select(m => new Slot(m))];
        _dataPositions = dataPositions is { } positions && positions.Length == spec.Workers
            ? [.. positions]
            : [.. Enumerable.Repeat(round * spec.InnerSteps, spec.Workers)];
        _leases ??= this.RegisterGrainTimer(CheckLeasesAsync, TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(500));
        Event($"run started at round {round} of {spec.Rounds}: {spec.Workers} workers (a round commits over at least {spec.Quorum}), lease {spec.LeaseSeconds:G} s");
        _started.TrySetResult(true);
        log.LogInformation("run {Run}: started at round {Round} of {Rounds} with {Shards} shards", spec.RunId, round, spec.Rounds, spec.Layout.Shards);
    }

    /// <inheritdoc />
    public async Task<JoinTicket> Join(Guid incarnation, string host, int count, int[]? preferred = null)
    {
        // Interleaved: a worker may call before the coordinator's Start has finished; nothing below awaits, so a join
        // runs as one turn once the run exists.
        if (await Task.WhenAny(_started.Task, Task.Delay(TimeSpan.FromMinutes(1))) != _started.Task)
        {
            throw new RunRefusedException("the coordinator has not started its run within a minute.");
        }

        RunSpec spec = Spec();
        if (_committing is Task committing)
        {
            // Enter after the commit under way, with its weights.
            await committing;
        }

        if (_sync > 0)
        {
            // Streaming fragments: part of the open round has committed without this process, so it enters at the
            // round's end (a process joins at round boundaries).
            Task closed = _roundClosed.Task;
            if (await Task.WhenAny(closed, Task.Delay(TimeSpan.FromSeconds(60))) != closed)
            {
                throw new RunRefusedException($"run {spec.RunId} is in the middle of round {_committed + 1} (its fragments synchronise one by one); a process enters at a round's end.", slotsFull: true);
            }
        }

        if (count < 1 || count > spec.Workers)
        {
            throw new RunRefusedException($"a process asked for {count} workers; run {spec.RunId} has {spec.Workers}.");
        }

        if (_finished)
        {
            throw new RunRefusedException($"run {spec.RunId} has finished ({_committed} of {spec.Rounds} rounds); there is nothing to join.");
        }

        if (_failure is not null)
        {
            throw new RunRefusedException($"run {spec.RunId} has stopped: {_failure}");
        }

        Slot[] held = [.. _slots.Where(s => s.Incarnation == incarnation)];
        if (held.Length == 0)
        {
            if (_dropped.Contains(incarnation))
            {
                throw new RunRefusedException($"incarnation {incarnation} was dropped from run {spec.RunId} (its lease expired); start the worker again to rejoin.");
            }

            // A process that rejoins a coordinator that restarted asks for its own slots back (its data shards).
            Slot[] free = preferred is { Length: > 0 } && preferred.Length == count && preferred.All(m => _slots.ElementAtOrDefault(m)?.Incarnation is null)
                ? [.. preferred.Order().Select(m => _slots[m])]
                : [.. _slots.Where(s => s.Incarnation is null)];
            if (free.Length < count)
            {
                throw new RunRefusedException($"run {spec.RunId} has {free.Length} free worker slots of {spec.Workers}; this process asked for {count}.", slotsFull: true);
            }

            held = free[..count];
            foreach (Slot slot in held)
            {
                slot.Incarnation = incarnation;
                slot.Host = host;
                slot.Touch();
            }

            Event($"worker{(held.Length > 1 ? "s" : "")} {string.Join(", ", held.Select(s => s.Worker))} joined from {host} at round {_committed + 1}");
            ClusterMetrics.Workers.Add(held.Length, ClusterMetrics.Run(spec.RunId));
        }
        else if (held.Length != count)
        {
            throw new RunRefusedException($"incarnation {incarnation} holds {held.Length} workers and asked for {count}.");
        }

        if (_slots.All(s => s.Incarnation is not null))
        {
            _allJoined.TrySetResult(true);
        }

        return new JoinTicket([.. held.Select(s => s.Worker)], spec, _committed, _counters!.RoundsSinceRestart, _counters.Restarts,
            [.. held.Select(s => _dataPositions[s.Worker])]);
    }

    /// <inheritdoc />
    public async Task<bool> AwaitStart(TimeSpan wait)
    {
        Spec();
        Task done = await Task.WhenAny(_allJoined.Task, Task.Delay(wait));
        return done == _allJoined.Task;
    }

    /// <inheritdoc />
    public Task Submit(int worker, Guid incarnation, long round, WorkerRoundReport report)
    {
        if (_order.Length > 1)
        {
            throw new RunRefusedException($"run {Spec().RunId} streams {_order.Length} fragments: worker {worker} submits each fragment (SubmitFragment), not the round.");
        }

        return SubmitFragment(worker, incarnation, round, 0, report);
    }

    /// <inheritdoc />
    public Task SubmitFragment(int worker, Guid incarnation, long round, int sync, WorkerRoundReport report)
    {
        RunSpec spec = Spec();
        ArgumentNullException.ThrowIfNull(report);
        ThrowIfFailed();
        Slot slot = Member(worker, incarnation);
        if (round != _committed + 1)
        {
            throw new RunRefusedException($"worker {worker} submitted round {round}, but round {_committed + 1} is open.");
        }

        if (sync != _sync)
        {
            throw new RunRefusedException($"worker {worker} submitted fragment {sync + 1} of {_order.Length} of round {round}, but fragment {_sync + 1} is open.");
        }

        slot.Touch();
        slot.LastLoss = report.RoundMeanLoss;
        slot.BytesSent += report.BytesSent;
        _bytesReceived += report.BytesSent;
        _roundBytes[worker] = _roundBytes.GetValueOrDefault(worker) + report.BytesSent;
        _submitted[worker] = (report, incarnation);
        _ = CommitInBackground(spec);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<bool> AwaitFragment(long round, int sync, TimeSpan wait)
    {
        Spec();
        ThrowIfFailed();
        if (round <= _committed)
        {
            return _history.ContainsKey(round)
                ? true
                : throw new RunRefusedException($"round {round} was committed before this coordinator started (it resumed at round {_committed}).");
        }

        if (round == _committed + 1 && sync < _sync)
        {
            return true;
        }

        if (!_fragmentWaiting.TryGetValue((round, sync), out TaskCompletionSource<bool>? waiter))
        {
            waiter = New<bool>();
            _fragmentWaiting[(round, sync)] = waiter;
        }

        Task finished = await Task.WhenAny(waiter.Task, Task.Delay(wait));
        return finished == waiter.Task && await waiter.Task;
    }

    // The commit runs on the grain's scheduler after the submit has returned; a failure stops the run (Stop records it
    // for every waiter).
    private async Task CommitInBackground(RunSpec spec)
    {
        try
        {
            await TryCommitAsync(spec);
        }
        catch (Exception ex)
        {
            log.LogError(ex, "the commit failed");
        }
    }

    // The open round commits once every live worker has submitted and they are at least the quorum.
    private async Task TryCommitAsync(RunSpec spec)
    {
        Slot[] live = [.. _slots.Where(s => s.Incarnation is not null && !s.Left)];
        if (_committing is not null || _submitted.Count == 0 || _submitted.Count < spec.Quorum || live.Any(s => !_submitted.ContainsKey(s.Worker)))
        {
            return;
        }

        _committing = CommitFragment(spec, _committed + 1);
        try
        {
            await _committing;
        }
        finally
        {
            _committing = null;
        }
    }

    // Every half second: a worker not heard from for longer than its lease is taken for dead. Its slot is freed for a
    // rejoin, what it uploaded for the open round is dropped (a dead incarnation's chunks never count), and the round
    // commits over the others if they are enough.
    private async Task CheckLeasesAsync(CancellationToken cancellation)
    {
        if (_spec is not { } spec || _finished || _failure is not null)
        {
            return;
        }

        bool lost = false;
        foreach (Slot slot in _slots.Where(s => s.Incarnation is not null && !s.Left && s.SinceContact > spec.LeaseSeconds))
        {
            Event($"worker {slot.Worker} lost at round {_committed + 1}: no contact for {slot.SinceContact:F1} s (lease {spec.LeaseSeconds:G} s); its slot is free");
            _submitted.Remove(slot.Worker);
            _dropped.Add(slot.Incarnation!.Value);
            ClusterMetrics.Lost.Add(1, ClusterMetrics.Run(spec.RunId));
            ClusterMetrics.Workers.Add(-1, ClusterMetrics.Run(spec.RunId));
            slot.Incarnation = null;
            slot.Host = "";
            lost = true;
        }

        if (lost)
        {
            await TryCommitAsync(spec);
        }
    }

    private void Event(string text)
    {
        string line = $"{DateTime.UtcNow:HH:mm:ss} {text}";
        _events.Add(line);
        if (_events.Count > 500)
        {
            _events.RemoveAt(0);
        }

        log.LogInformation("{Event}", text);
    }

    // Every participant has uploaded the open fragment (with one fragment, the round): the restart decision (the rule on
    // the counters, Loco.Core's, taken once per round), the commit of the fragment's shards in parallel; after the
    // round's last fragment, the manifest by compare-and-set; then the waiters are released. A shard commits once per
    // round, when its fragment does; resetting its momentum right after its own step is the same as at the round's end,
    // since nothing reads it in between.
    private async Task CommitFragment(RunSpec spec, long round)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int sync = _sync;
        bool last = sync == _order.Length - 1;
        int[] contributors = [.. _submitted.Keys.Order()];
        WorkerRoundReport[] reports = [.. contributors.Select(m => _submitted[m].Report with { BytesSent = _roundBytes.GetValueOrDefault(m) })];
        Guid[] incarnations = [.. contributors.Select(m => _submitted[m].Incarnation)];
        if (_roundRestart is null)
        {
            OuterState<float> probe = _outer!.Init<float>(1);
            probe.Restore(_counters!.CompletedRounds, _counters.RoundsSinceRestart, _counters.Restarts);
            _outer.Advance(probe);
            _roundRestart = probe.Restarts > _counters.Restarts;
        }

        bool restart = _roundRestart.Value;
        OuterState<float> counters = _counters!;
        (int first, int count) = spec.Layout.ShardsOf(_order[sync]);
        BlobRef[] blobs;
        try
        {
            BlobRef[] committed = await Task.WhenAll(Enumerable.Range(first, count).Select(k => GrainFactory.GetGrain<IShardGrain>(k).Commit(round, contributors, incarnations, restart)));
            foreach (BlobRef blob in committed)
            {
                _roundBlobs[blob.Shard] = blob;
            }

            if (!last)
            {
                Fault.At($"commit:{round}:fragment:{sync}");
                _sync++;
                _submitted.Clear();
                Release(round, sync);
                return;
            }

            blobs = [.. _roundBlobs];
            _outer!.Advance(counters);
            foreach (int m in contributors)
            {
                _dataPositions[m] += spec.InnerSteps;
            }

            Fault.At($"commit:{round}:before-manifest");
            await store.WriteManifestAsync(new RunManifest
            {
                RunId = spec.RunId,
                Round = round,
                RoundsSinceRestart = counters.RoundsSinceRestart,
                Restarts = counters.Restarts,
                Contributors = contributors,
                DataPositions = [.. _dataPositions],
                ConfigHash = spec.ConfigHash,
                Flags = spec.Flags,
                Blobs = blobs,
                TrainLoss = MeanLoss(reports),
                Items = spec.ItemsPerWorkerRound * contributors.Length,
            }, round - 1);
            Fault.At($"commit:{round}:after-manifest");
        }
        catch (Exception ex)
        {
            Stop($"round {round} could not be committed: {ex.Message}");
            throw;
        }

        double loss = MeanLoss(reports);
        TagList tags = ClusterMetrics.Run(spec.RunId);
        ClusterMetrics.Rounds.Add(1, tags);
        ClusterMetrics.Bytes.Add(reports.Sum(r => r.BytesSent), tags);
        ClusterMetrics.ReduceSeconds.Record(clock.Elapsed.TotalSeconds, tags);
        ClusterMetrics.TrainLoss.Record(loss, tags);
        if (restart)
        {
            ClusterMetrics.Restarts.Add(1, tags);
        }

        var commit = new RoundCommit(round, contributors, loss, spec.ItemsPerWorkerRound * contributors.Length, restart, counters.RoundsSinceRestart,
            counters.Restarts, reports, clock.Elapsed.TotalSeconds);
        _committed = round;
        _lastTrainLoss = loss;
        _submitted.Clear();
        _sync = 0;
        _roundBytes.Clear();
        _roundRestart = null;
        _history[round] = commit;
        if (_waiting.Remove(round, out TaskCompletionSource<RoundCommit>? waiter))
        {
            waiter.TrySetResult(commit);
        }

        Release(round, sync);
        _roundClosed.TrySetResult(true);
        _roundClosed = New<bool>();

        await store.DropBlobsBeforeAsync(round - 1);
        if (contributors.Length < spec.Workers)
        {
            Event($"round {round} committed over workers {string.Join(", ", contributors)} ({contributors.Length} of {spec.Workers})");
        }

        if (restart)
        {
            Event($"round {round}: the outer momentum was reset (restart {counters.Restarts})");
        }
    }

    // The fragment synchronised sync-th in round `round` has committed.
    private void Release(long round, int sync)
    {
        if (_fragmentWaiting.Remove((round, sync), out TaskCompletionSource<bool>? waiter))
        {
            waiter.TrySetResult(true);
        }
    }

    // The loss in the in-process order: 0 + loss_first + … over the contributors, divided by their count.
    private static double MeanLoss(WorkerRoundReport[] reports)
    {
        double loss = 0;
        foreach (WorkerRoundReport r in reports)
        {
            loss += r.RoundMeanLoss;
        }

        return loss / reports.Length;
    }

    /// <inheritdoc />
    public async Task<RoundCommit?> AwaitCommit(long round, TimeSpan wait)
    {
        Spec();
        ThrowIfFailed();
        if (_history.TryGetValue(round, out RoundCommit? done))
        {
            return done;
        }

        if (round <= _committed)
        {
            throw new RunRefusedException($"round {round} was committed before this coordinator started (it resumed at round {_committed}).");
        }

        if (!_waiting.TryGetValue(round, out TaskCompletionSource<RoundCommit>? waiter))
        {
            waiter = New<RoundCommit>();
            _waiting[round] = waiter;
        }

        Task finished = await Task.WhenAny(waiter.Task, Task.Delay(wait));
        return finished == waiter.Task ? await waiter.Task : null;
    }

    /// <inheritdoc />
    public Task<Membership> Heartbeat(Guid incarnation)
    {
        Slot[] held = [.. _slots.Where(s => s.Incarnation == incarnation && !s.Left)];
        foreach (Slot slot in held)
        {
            slot.Touch();
        }

        return Task.FromResult(held.Length > 0 ? Membership.Member : _dropped.Contains(incarnation) ? Membership.Dropped : Membership.Unknown);
    }

    /// <inheritdoc />
    public Task Leave(Guid incarnation)
    {
        foreach (Slot slot in _slots.Where(s => s.Incarnation == incarnation && !s.Left))
        {
            slot.Left = true;
            slot.Touch();
            ClusterMetrics.Workers.Add(-1, ClusterMetrics.Run(_spec?.RunId ?? ""));
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task Fail(Guid incarnation, string message)
    {
        if (_slots.Where(s => s.Incarnation == incarnation).Select(s => s.Worker).ToArray() is { Length: > 0 } workers)
        {
            Stop($"worker {string.Join(", ", workers)}: {message}");
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task Finish()
    {
        _finished = true;
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<RunStatus> Status()
    {
        RunSpec spec = Spec();
        var slots = _slots.Where(s => s.Joined)
            .Select(s => new WorkerStatus(s.Worker, s.Host, s.SinceContact, s.LastLoss, s.BytesSent, s.Incarnation is not null && !s.Left)).ToArray();
        return Task.FromResult(new RunStatus(spec.RunId, _committed, spec.Rounds, spec.Workers, slots, _lastTrainLoss, _bytesReceived,
            _finished, [.. _events]));
    }

    private void Stop(string reason)
    {
        _failure ??= reason;
        log.LogError("run stopped: {Reason}", reason);
        foreach (TaskCompletionSource<RoundCommit> waiter in _waiting.Values)
        {
            waiter.TrySetException(new RunRefusedException($"the run has stopped: {reason}"));
        }

        _waiting.Clear();
        foreach (TaskCompletionSource<bool> waiter in _fragmentWaiting.Values)
        {
            waiter.TrySetException(new RunRefusedException($"the run has stopped: {reason}"));
        }

        _fragmentWaiting.Clear();
        _allJoined.TrySetException(new RunRefusedException($"the run has stopped: {reason}"));
    }

    private void ThrowIfFailed()
    {
        if (_failure is not null)
        {
            throw new RunRefusedException($"the run has stopped: {_failure}");
        }
    }

    private Slot Member(int worker, Guid incarnation)
    {
        Slot? slot = _slots.ElementAtOrDefault(worker);
        return slot is not null && slot.Incarnation == incarnation && !slot.Left
            ? slot
            : throw new RunRefusedException($"worker {worker} (incarnation {incarnation}) is not part of the run.");
    }

    private RunSpec Spec() => _spec ?? throw new InvalidOperationException("the run has not been started by its coordinator yet.");

    private static TaskCompletionSource<T> New<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class Slot(int worker)
    {
        private long _contact = Environment.TickCount64;

        public int Worker { get; } = worker;
        public Guid? Incarnation
        {
            get => _incarnation;
            set
            {
                _incarnation = value;
                Joined |= value is not null;
            }
        }

        private Guid? _incarnation;

        public bool Joined { get; private set; }
        public string Host { get; set; } = "";
        public double LastLoss { get; set; } = double.NaN;
        public long BytesSent { get; set; }
        public bool Left { get; set; }
        public double SinceContact => (Environment.TickCount64 - _contact) / 1000.0;
        public void Touch() => _contact = Environment.TickCount64;
    }
}
