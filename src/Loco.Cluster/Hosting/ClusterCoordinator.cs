using System.Diagnostics;
using System.Net;
using Loco.Cluster.Grains;
using Loco.Cluster.Protocol;
using Loco.Cluster.Storage;
using Loco.Core.Family;
using Loco.Torch.Data;
using Loco.Torch.Training;
using Microsoft.Extensions.Logging;

namespace Loco.Cluster.Hosting;

/// <summary>How a coordinator runs.</summary>
public sealed record CoordinatorOptions
{
    /// <summary>Where workers join (the silo's gateway); the silo-to-silo port is the next one unless <see cref="SiloPort"/> says otherwise.</summary>
    public required IPEndPoint Listen { get; init; }

    /// <summary>The run folder: train.csv, loss.png, checkpoint/ and the store's cluster/.</summary>
    public required string OutFolder { get; init; }

    /// <summary>Redis HOST:PORT for membership and the manifest; null = the embedded file store and in-process membership.</summary>
    public string? Redis { get; init; }

    /// <summary>Shards the weights are cut into (each a grain).</summary>
    public int Shards { get; init; } = 2;

    /// <summary>The silo-to-silo port (0: the gateway's + 1).</summary>
    public int SiloPort { get; init; }

    /// <summary>The fewest workers a round may commit over (<see cref="RunSpec.MinWorkers"/>; 0: all).</summary>
    public int MinWorkers { get; init; }

    /// <summary>Seconds after which a silent worker is taken for dead (<see cref="RunSpec.LeaseSeconds"/>).</summary>
    public double LeaseSeconds { get; init; } = 10;

    /// <summary>The data plane's port (0: the gateway's + 2; -1: none, the chunks travel as grain calls).</summary>
    public int DataPort { get; init; }

    /// <summary>Floats per upload or download chunk.</summary>
    public int ChunkFloats { get; init; } = ShardLayout.DefaultChunkFloats;

    /// <summary>The manifest to resume from (<c>loco coordinator --resume</c>), or null for a new run.</summary>
    public RunManifest? Resume { get; init; }

    /// <summary>The id of the run to resume (its record's).</summary>
    public string? RunId { get; init; }

    /// <summary>Orleans' log level on standard error.</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Warning;

    /// <summary>The cluster's certificate (<c>loco cluster-cert</c>): every connection is mutual TLS with it; null: plain TCP.</summary>
    public Security.ClusterCertificate? Certificate { get; init; }

    /// <summary>Where the status page listens (<see cref="Dashboard.DashboardServer"/>); null: no page.</summary>
    public IPEndPoint? Dashboard { get; init; }
}

/// <summary>What the coordinator reports as it goes.</summary>
public sealed record CoordinatorLoop
{
    /// <summary>Round 0 (the initial weights' validation loss) and every committed round, with its commit (null for round 0).</summary>
    public Action<RoundReport, RoundCommit?>? OnRound { get; init; }

    /// <summary>Each event of the run as it happens (joins, losses, commits over fewer workers, restarts of the momentum).</summary>
    public Action<string>? OnEvent { get; init; }

    /// <summary>Where the final checkpoint (and one on a stop) goes; null: none.</summary>
    public string? CheckpointFolder { get; init; }
}

/// <summary>How a coordinator's run ended.</summary>
/// <param name="History">Round 0 and every committed round.</param>
/// <param name="Failure">Why the run stopped early (a worker failed or diverged), or null.</param>
/// <param name="Stopped">Whether the cancellation token stopped it.</param>
/// <param name="BytesReceived">Payload bytes the shards received.</param>
public sealed record CoordinatorOutcome(IReadOnlyList<RoundReport> History, string? Failure, bool Stopped, long BytesReceived)
{
    /// <summary>Whether every round was committed.</summary>
    public bool Finished => Failure is null && !Stopped;
}

/// <summary>
/// <c>loco coordinator</c>: holds a run. It starts the silo (run grain and shard grains), writes round 0 to the store
/// (the seeded initial weights and zero momentum as shard blobs, then the manifest), waits for the workers, and as each
/// round commits reads its weights back from the store to evaluate the validation loss, reports the round, and at the
/// end writes the checkpoint (global weights and outer momentum, in <c>loco train</c>'s layout).
/// </summary>
public sealed class ClusterCoordinator : IAsyncDisposable
{
    private readonly CoordinatorSilo _silo;
    private readonly IRunStore _store;
    private readonly ValidationLoss _validation;
    private readonly TokenCorpus _corpus;
    private readonly TrainingOptions _options;
    private readonly List<RoundReport> _history = [];
    private readonly List<Dashboard.DashboardRound> _rounds = [];
    private readonly Lock _roundsGate = new();
    private Dashboard.DashboardServer? _dashboard;
    private RunManifest? _resumed;

    private ClusterCoordinator(CoordinatorSilo silo, IRunStore store, RunSpec spec, ValidationLoss validation, TokenCorpus corpus, TrainingOptions options, float[] initial)
    {
        _silo = silo;
        _store = store;
        Spec = spec;
        _validation = validation;
        _corpus = corpus;
        _options = options;
        Initial = initial;
    }

    /// <summary>The run.</summary>
    public RunSpec Spec { get; }

    /// <summary>Where workers join.</summary>
    public IPEndPoint Gateway => _silo.Gateway;

    /// <summary>The grains, from inside the silo.</summary>
    public IGrainFactory Grains => _silo.Grains;

    /// <summary>The run's initial global weights.</summary>
    public float[] Initial { get; }

    /// <summary>The store's description.</summary>
    public string StoreDescription => _store.Description;

    /// <summary>The status page's address, when it has one.</summary>
    public Uri? DashboardAddress => _dashboard?.Address;

    /// <summary>The run as the status page shows it: the run grain's status and the rounds committed so far.</summary>
    public async Task<Dashboard.DashboardSnapshot> SnapshotAsync()
    {
        RunStatus status = await Grains.GetGrain<IRunGrain>(IRunGrain.Key).Status();
        Dashboard.DashboardRound[] rounds;
        lock (_roundsGate)
        {
            rounds = [.. _rounds];
        }

        string model = Spec.Flags.TryGetValue("--model", out string? m) ? m : TrainingDefaults.Model;
        return Dashboard.DashboardSnapshot.Of(status, $"{model} ({Spec.Layout.Dimension:N0} weights)", rounds);
    }

    // Keeps a round for the status page.
    private void Record(RoundReport report, RoundCommit? commit)
    {
        var round = new Dashboard.DashboardRound(report.Round, Dashboard.DashboardSnapshot.Finite(report.TrainLoss), Dashboard.DashboardSnapshot.Finite(report.ValidationLoss),
            commit?.Reports.Sum(x => x.BytesSent) ?? 0, commit?.Contributors ?? [], commit?.Restarted ?? false, report.Seconds);
        lock (_roundsGate)
        {
            _rounds.Add(round);
        }
    }

    /// <summary>
    /// Starts the coordinator of a run of <paramref name="options"/> (its <see cref="TrainingOptions.Flags"/> are what the
    /// workers receive) on <paramref name="corpus"/>.
    /// </summary>
    public static async Task<ClusterCoordinator> StartAsync(CoordinatorOptions o, TokenCorpus corpus, TrainingOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Family.Restart.ObservesRound)
        {
            throw new InvalidInputException("--restart",
                $"the rule '{options.Family.Restart.Spec}' reads each round's pseudo-gradient across all weights; the cluster's shards each see a slice, " +
                "so it runs in process only (loco train without --processes). Rules on the round counters (every:K) run on the cluster.");
        }

        if (options.Flags is null)
        {
            throw new ArgumentException("The workers rebuild the run from its flags: TrainingOptions.Flags must be set.", nameof(options));
        }

        if (o.Resume is not null && o.RunId is null)
        {
            throw new ArgumentException("A resume needs the run's id.", nameof(o));
        }

        Endpoints.EnsureFree(o.Listen, "--listen");
        if (o.DataPort >= 0)
        {
            Endpoints.EnsureFree(new IPEndPoint(o.Listen.Address, o.DataPort > 0 ? o.DataPort : o.Listen.Port + 2), "--listen");
        }

        string runId = o.RunId ?? $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..8]}";
        string clusterFolder = Path.Combine(Path.GetFullPath(o.OutFolder), "cluster");
        IRunStore store = o.Redis is null ? new FileRunStore(clusterFolder) : new RedisRunStore(o.Redis, runId, Path.Combine(clusterFolder, "blobs"));
        (float[] initial, ValidationLoss validation) = LanguageModelTraining.CreateEvaluator(corpus, options);
        CoordinatorSilo silo = await CoordinatorSilo.StartAsync(o.Listen, store, o.Redis, o.SiloPort, o.LogLevel, cancellationToken, o.DataPort, o.Certificate);
        RunSpec spec = RunBootstrap.Spec(runId, corpus, options, initial.Length, o.Shards, o.ChunkFloats, silo.DataPort) with
        {
            MinWorkers = o.MinWorkers,
            LeaseSeconds = o.LeaseSeconds,
        };
        try
        {
            if (o.Resume is { } manifest)
            {
                if (manifest.ConfigHash != spec.ConfigHash)
                {
                    throw new InvalidInputException("--resume", $"the run's settings hash to {spec.ConfigHash}, its manifest says {manifest.ConfigHash}: the corpus or a setting changed since it was written.");
                }

                await silo.Grains.GetGrain<IRunGrain>(IRunGrain.Key).Start(spec, manifest.Round, manifest.RoundsSinceRestart, manifest.Restarts, manifest.Blobs,
                    manifest.DataPositions);
            }
            else
            {
                BlobRef[] blobs = await RunBootstrap.WriteRoundZeroAsync(store, spec, initial);
                await silo.Grains.GetGrain<IRunGrain>(IRunGrain.Key).Start(spec, 0, 0, 0, blobs);
                new RunRecord
                {
                    RunId = runId, Redis = o.Redis, Listen = o.Listen.ToString(), Shards = o.Shards, ChunkFloats = o.ChunkFloats, MinWorkers = o.MinWorkers,
                    LeaseSeconds = o.LeaseSeconds, Certificate = o.Certificate?.Path,
                }.Save(o.OutFolder);
            }
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }

        var coordinator = new ClusterCoordinator(silo, store, spec, validation, corpus, options, initial) { _resumed = o.Resume };
        if (o.Dashboard is IPEndPoint page)
        {
            try
            {
                coordinator._dashboard = await Dashboard.DashboardServer.StartAsync(page, coordinator.SnapshotAsync, cancellationToken);
            }
            catch
            {
                await coordinator.DisposeAsync();
                throw;
            }
        }

        return coordinator;
    }

    /// <summary>
    /// Runs to the last round: evaluates round 0, then waits for each commit, evaluates every
    /// <see cref="TrainingOptions.EvalEvery"/> rounds and after the last, reports, and writes the final checkpoint.
    /// </summary>
    /// <remarks>
    /// A resumed run continues <paramref name="history"/> (the rounds its train.csv holds, up to the manifest's): the
    /// manifest's round is added from the manifest when the history lacks it (a coordinator killed between writing the
    /// manifest and the row).
    /// </remarks>
    public async Task<CoordinatorOutcome> RunAsync(CoordinatorLoop loop, CancellationToken cancellationToken = default, IReadOnlyList<RoundReport>? history = null)
    {
        ArgumentNullException.ThrowIfNull(loop);
        IRunGrain run = Grains.GetGrain<IRunGrain>(IRunGrain.Key);
        float[] global = Initial, momentum = new float[Initial.Length];
        RoundCommit? last = null;
        string? failure = null;
        int events = 0;
        bool stopped = false;
        long from = 1;
        double before = 0;
        if (_resumed is { } resumed)
        {
            _history.AddRange((history ?? []).Where(h => h.Round <= resumed.Round));
            foreach (RoundReport earlier in _history)
            {
                Record(earlier, null); // their bytes and contributors are in train.csv, not here
            }
            before = _history.Count > 0 ? _history[^1].Seconds : 0;
            if (_history.Count == 0 || _history[^1].Round < resumed.Round)
            {
                (global, momentum) = await ReadCommittedAsync();
                var report = resumed.Round == 0
                    ? new RoundReport(0, double.NaN, _validation.Compute(global), 0)
                    : new RoundReport(resumed.Round, resumed.TrainLoss, _validation.Compute(global), resumed.Items, before);
                _history.Add(report);
                Record(report, null);
                loop.OnRound?.Invoke(report, null);
            }

            from = resumed.Round + 1;
            last = new RoundCommit(resumed.Round, resumed.Contributors, resumed.TrainLoss, resumed.Items, false, resumed.RoundsSinceRestart, resumed.Restarts, [], 0);
        }
        else
        {
            _history.Add(new RoundReport(0, double.NaN, _validation.Compute(Initial), 0));
            Record(_history[0], null);
            loop.OnRound?.Invoke(_history[0], null);
        }

        var clock = Stopwatch.StartNew();
        for (long r = from; r <= Spec.Rounds; r++)
        {
            RoundCommit? commit = null;
            try
            {
                while (commit is null && !cancellationToken.IsCancellationRequested)
                {
                    commit = await run.AwaitCommit(r, TimeSpan.FromSeconds(1));
                    events = await ReportEvents(run, loop, events);
                }
            }
            catch (RunRefusedException ex)
            {
                failure = ex.Message;
                break;
            }

            if (commit is null)
            {
                stopped = true;
                break;
            }

            last = commit;
            bool final = r == Spec.Rounds;
            double validation = double.NaN;
            if (final || (_options.EvalEvery > 0 && r % _options.EvalEvery == 0))
            {
                (global, momentum) = await ReadCommittedAsync();
                validation = _validation.Compute(global);
            }

            _history.Add(new RoundReport(r, commit.TrainLoss, validation, commit.Items, before + clock.Elapsed.TotalSeconds));
            Record(_history[^1], commit);
            loop.OnRound?.Invoke(_history[^1], commit);
        }

        await ReportEvents(run, loop, events);
        await run.Finish();
        if (loop.CheckpointFolder is string folder && last is not null && last.Round > 0)
        {
            (global, momentum) = await ReadCommittedAsync();
            TrainingCheckpoint.SaveGlobal(folder, new GlobalCheckpoint(_corpus, _options, global, momentum, last.Round, last.RoundsSinceRestart, last.Restarts,
                _history, _validation.Parameters.Names.Select((n, i) => (n, _validation.Parameters.Shapes[i])).ToDictionary(p => p.n, p => p.Item2)));
        }

        RunStatus status = await run.Status();
        if (failure is null && !stopped)
        {
            // Let the workers see the last commit and leave before the silo goes (bounded).
            var wait = Stopwatch.StartNew();
            while (status.Slots.Any(s => s.Connected) && wait.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(100, CancellationToken.None);
                status = await run.Status();
            }
        }

        return new CoordinatorOutcome(_history, failure, stopped, status.BytesReceived);
    }

    // Reports the events after the first <paramref name="seen"/>; returns how many there are now.
    private static async Task<int> ReportEvents(IRunGrain run, CoordinatorLoop loop, int seen)
    {
        if (loop.OnEvent is null)
        {
            return seen;
        }

        string[] events = (await run.Status()).Events;
        foreach (string e in events.Skip(seen))
        {
            loop.OnEvent(e);
        }

        return events.Length;
    }

    // The weights and momentum of the manifest's round, from the store (the shards wrote them there before the commit).
    private async Task<(float[] Global, float[] Momentum)> ReadCommittedAsync()
    {
        RunManifest manifest = await _store.ReadManifestAsync() ?? throw new InvalidDataException($"{_store.Description}: the run's manifest is missing.");
        float[] global = new float[Spec.Layout.Dimension], momentum = new float[Spec.Layout.Dimension];
        foreach (BlobRef blob in manifest.Blobs)
        {
            (int offset, int length) = Spec.Layout.Slice(blob.Shard);
            (float[] w, float[] v) = await _store.ReadBlobAsync(blob, length);
            w.CopyTo(global, offset);
            v.CopyTo(momentum, offset);
        }

        return (global, momentum);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_dashboard is not null)
        {
            await _dashboard.DisposeAsync();
        }

        await _silo.DisposeAsync();
        _validation.Dispose();
        (_store as IDisposable)?.Dispose();
    }
}
