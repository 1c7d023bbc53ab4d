using System.Net;
using Loco.Cluster.Grains;
using Loco.Cluster.Protocol;
using Loco.Torch.Data;
using Loco.Torch.Training;

namespace Loco.Cluster.Hosting;

/// <summary>How a worker process joins.</summary>
/// <param name="Join">The coordinator's gateway.</param>
/// <param name="Device">cpu or cuda (null: the run's).</param>
/// <param name="Threads">TorchSharp threads (null: the run's).</param>
/// <param name="ConnectWait">How long to keep trying to reach the coordinator.</param>
/// <param name="LocalWorkers">Workers this process runs (one after the other, like the in-process trainer).</param>
public sealed record WorkerOptions(IPEndPoint Join, string? Device = null, int? Threads = null, TimeSpan? ConnectWait = null, int LocalWorkers = 1)
{
    /// <summary>Where to write each round's pseudo-gradients and committed weights (<see cref="ClusterReducer.DumpFolder"/>); null: nowhere.</summary>
    public string? DumpFolder { get; init; }

    /// <summary>The host name the worker reports.</summary>
    public string Host { get; init; } = Environment.MachineName;

    /// <summary>The cluster's certificate, when the coordinator has one.</summary>
    public Security.ClusterCertificate? Certificate { get; init; }
}

/// <summary>How a worker process ended.</summary>
/// <param name="Workers">Its worker indices.</param>
/// <param name="Outcome">The training loop's outcome.</param>
/// <param name="BytesSent">Payload bytes it uploaded.</param>
public sealed record WorkerResult(int[] Workers, TrainingOutcome Outcome, long BytesSent)
{
    /// <summary>The indices as text, "0" or "0,1".</summary>
    public string Name => string.Join(",", Workers);
}

/// <summary>
/// <c>loco worker</c>: joins a coordinator, rebuilds the run's settings from the flags it is given (checking that they
/// hash to the coordinator's), and trains its one worker through the one training loop of Loco.Torch
/// (<see cref="LanguageModelTraining.Train"/>) with a <see cref="ClusterReducer"/>; heartbeats while it runs; leaves when
/// the run is done.
/// </summary>
public static class ClusterWorker
{
    /// <summary>Builds the run's data and settings from its flags (the command line's own parser).</summary>
    public delegate (TokenCorpus Corpus, TrainingOptions Options) RunBuilder(IReadOnlyDictionary<string, string> flags);

    /// <summary>Runs one worker process to the end of the run.</summary>
    public static async Task<WorkerResult> RunAsync(WorkerOptions options, RunBuilder build, TextWriter log, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(build);
        ArgumentNullException.ThrowIfNull(log);
        await using WorkerConnection connection = await WorkerConnection.ConnectAsync(options.Join, options.ConnectWait ?? TimeSpan.FromSeconds(30),
            cancellationToken: cancellationToken, certificate: options.Certificate);
        var incarnation = Guid.NewGuid();
        IRunGrain run = connection.Client.GetGrain<IRunGrain>(IRunGrain.Key);
        JoinTicket ticket = await JoinAsync(run, incarnation, options, log, cancellationToken);
        string m = string.Join(",", ticket.Workers);
        try
        {
            (TokenCorpus corpus, TrainingOptions settings) = build(ticket.Spec.Flags);
            settings = settings with
            {
                Device = options.Device ?? settings.Device,
                Threads = options.Threads ?? settings.Threads,
                LocalWorkers = ticket.Workers,
                Evaluates = false,
            };
            RunSettings.EnsureSame(ticket.Spec.Settings, RunSettings.Of(corpus, settings));
            LanguageModelTraining? created = null;
            DataPlane.NetworkFaults? faults = DataPlane.NetworkFaults.FromEnvironment(ticket.Workers[0]);
            using DataPlane.DataPlaneClient? data = ticket.Spec.DataPort > 0
                ? new DataPlane.DataPlaneClient(new IPEndPoint(options.Join.Address, ticket.Spec.DataPort), options.Certificate) { Faults = faults }
                : null;
            if (options.DumpFolder is string dump)
            {
                Directory.CreateDirectory(dump);
            }

            var reducer = new ClusterReducer(connection.Client, ticket, incarnation, i => (created!.Trainer.Workers[i].RoundMeanLoss, created.Trainer.Workers[i].LastLoss), data)
            {
                Snapshots = new WorkerSnapshots(new LazyWorkers(() => created!.Trainer.Workers)) { WithWeights = settings.Fragments is not null },
                Host = options.Host,
                DumpFolder = options.DumpFolder,
                StallUploadInRound = long.TryParse(Environment.GetEnvironmentVariable("LOCO_FAULT_STALL_UPLOAD"), out long stall) ? stall : 0,
                FaultLog = log,
                CodecSeed = settings.Seed,
                ErrorFeedback = settings.ErrorFeedback,
            };
            using LanguageModelTraining training = LanguageModelTraining.Create(corpus, settings with { Reducer = reducer });
            created = training;
            log.WriteLine($"loco worker {m}: joined {options.Join} as worker {m} of {ticket.Spec.Workers} (run {ticket.Spec.RunId}; {training.ParameterCount:N0} weights, " +
                          $"{ticket.Spec.Layout.Shards} shards); round {ticket.CommittedRound} is committed.");
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var dropped = new CancellationTokenSource();
            Task heartbeat = HeartbeatAsync(run, m, incarnation, log, stop.Token, dropped);
            while (!await run.AwaitStart(TimeSpan.FromSeconds(10)))
            {
                log.WriteLine($"loco worker {m}: waiting for the run's other workers to join.");
            }

            if (ticket.CommittedRound > 0)
            {
                // A worker that enters a run under way starts from the committed global weights, with the round and
                // restart counters (its learning-rate clock follows), and its data shard where the slot's last
                // contribution left it; its inner optimizer starts afresh.
                float[] global = new float[training.ParameterCount];
                reducer.Download(ticket.CommittedRound, global);
                training.Trainer.Restore(global, new float[global.Length], ticket.CommittedRound, ticket.RoundsSinceRestart, ticket.Restarts);
                for (int i = 0; i < ticket.Workers.Length; i++)
                {
                    // With fragments a round goes on from the fast weights rather than from the global ones: start them there.
                    training.Trainer.Workers[i].SetWeights(0, global);
                    var loss = (LanguageModelLoss)training.Trainer.Workers[i].Loss;
                    loss.Sampler.Skip(ticket.DataPositions?[i] ?? ticket.CommittedRound * ticket.Spec.InnerSteps, loss.Batch, loss.Context);
                }

                log.WriteLine($"loco worker {m}: entering round {ticket.CommittedRound + 1} with the committed weights; data shard{(ticket.Workers.Length > 1 ? "s" : "")} at " +
                              $"minibatch {string.Join(", ", ticket.DataPositions ?? [])}.");
            }

            reducer.Snapshots!.Take(ticket.CommittedRound);
            if (options.DumpFolder is string folder)
            {
                File.WriteAllBytes(Path.Combine(folder, $"global-r{ticket.CommittedRound}-w{ticket.Workers[0]}.bin"),
                    System.Runtime.InteropServices.MemoryMarshal.AsBytes(training.Trainer.Global.AsSpan()).ToArray());
            }

            using var both = CancellationTokenSource.CreateLinkedTokenSource(stop.Token, dropped.Token);
            TrainingOutcome outcome = await Task.Run(() => training.Train(new TrainingLoop
            {
                OnRound = report =>
                {
                    if (report.Round > 0)
                    {
                        var (compute, upload, wait, download) = reducer.LastRoundSeconds;
                        log.WriteLine($"loco worker {m}: round {report.Round}/{settings.Rounds} train {report.TrainLoss:F4} " +
                                      $"(compute {compute:F2} s, upload {upload:F2} s, wait {wait:F2} s, download {download:F2} s)");
                    }
                },
            }, both.Token), CancellationToken.None);
            stop.Cancel();
            await heartbeat;
            if (dropped.IsCancellationRequested)
            {
                throw new RunRefusedException("the coordinator dropped this worker (no contact for longer than its lease); start it again to rejoin.");
            }

            if (faults is not null)
            {
                (int duplicated, int droppedRequests, int delayed) = faults.Injected;
                log.WriteLine($"loco worker {m}: network faults injected (LOCO_FAULT_NETWORK): {duplicated} uploads duplicated, {droppedRequests} requests dropped, {delayed} delayed.");
            }

            if (outcome.Diverged is { } diverged)
            {
                await run.Fail(incarnation, $"diverged at round {diverged.Round}, step {diverged.Step} (loss {diverged.Loss})");
            }
            else
            {
                await run.Leave(incarnation);
            }

            return new WorkerResult(ticket.Workers, outcome, reducer.BytesSent);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not RunRefusedException)
        {
            // Tell the coordinator why this worker stops (best effort), then let the caller report it.
            try
            {
                await run.Fail(incarnation, ex.Message);
            }
            catch (Exception)
            {
                // The coordinator may be gone too.
            }

            throw;
        }
    }

    // The trainer's workers, read when first needed (the reducer is made before the trainer that uses it).
    private sealed class LazyWorkers(Func<IReadOnlyList<ModuleWorker>> workers) : IReadOnlyList<ModuleWorker>
    {
        public ModuleWorker this[int index] => workers()[index];

        public int Count => workers().Count;

        public IEnumerator<ModuleWorker> GetEnumerator() => workers().GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    // Joins; while the run only lacks a free slot (a lost worker's frees when its lease expires), asks again every second
    // for up to the connect wait.
    private static async Task<JoinTicket> JoinAsync(IRunGrain run, Guid incarnation, WorkerOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        TimeSpan wait = options.ConnectWait ?? TimeSpan.FromSeconds(30);
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return await run.Join(incarnation, options.Host, options.LocalWorkers);
            }
            catch (RunRefusedException ex) when (ex.SlotsFull && clock.Elapsed < wait)
            {
                if (attempt == 0)
                {
                    log.WriteLine($"loco worker: {ex.Message} Waiting for a slot to free (up to {wait.TotalSeconds:F0} s).");
                }

                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    private static async Task HeartbeatAsync(IRunGrain run, string worker, Guid incarnation, TextWriter log, CancellationToken stop, CancellationTokenSource dropped)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                // Unknown: a coordinator that restarted; the training thread rejoins at its next call.
                if (await run.Heartbeat(incarnation) == Membership.Dropped)
                {
                    log.WriteLine($"loco worker {worker}: the coordinator dropped this process (its lease expired).");
                    dropped.Cancel();
                    return;
                }

                await Task.Delay(TimeSpan.FromSeconds(1), stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex)
            {
                log.WriteLine($"loco worker {worker}: heartbeat failed ({ex.GetType().Name}: {ex.Message})");
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
