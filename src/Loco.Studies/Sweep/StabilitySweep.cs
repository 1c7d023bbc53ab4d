using System.Diagnostics;
using Loco.Torch.Data;
using Loco.Torch.Models;
using Loco.Torch.Training;

namespace Loco.Studies.Sweep;

/// <summary>
/// Runs every cell of a <see cref="SweepOptions"/> grid that the output folder does not already hold, up to N at a
/// time, each driven by its own thread; each finished cell is appended to the folder at once. By default a cell is
/// trained in this process (<see cref="SweepCellRunner"/>, one TorchSharp thread), one at a time: two TorchSharp
/// trainings on two threads of one process are not safe (see <see cref="CollectionPause"/>). To run cells side by
/// side, set <see cref="Train"/> to a trainer that runs each cell in its own process, as <c>loco sweep --parallel N</c> does.
/// </summary>
public sealed class StabilitySweep
{
    private readonly TokenCorpus _corpus;

    /// <summary>A sweep of <paramref name="options"/> on <paramref name="corpus"/>; validates both (bad input names the flag).</summary>
    public StabilitySweep(TokenCorpus corpus, SweepOptions options)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        options.CheckCorpus(corpus);
        _corpus = corpus;
        Options = options;
        _train = (cell, token) => SweepCellRunner.Run(_corpus, Options, cell, token);
        _inProcess = true;
    }

    /// <summary>The settings.</summary>
    public SweepOptions Options { get; }

    private readonly Func<SweepCell, CancellationToken, SweepCellResult> _train;
    private readonly bool _inProcess;

    /// <summary>
    /// How one cell is trained: <see cref="SweepCellRunner.Run"/> in this process by default; replaceable (e.g. by a
    /// trainer that runs each cell in a child process, or one that counts trainings).
    /// </summary>
    public Func<SweepCell, CancellationToken, SweepCellResult> Train
    {
        get => _train;
        init
        {
            _train = value ?? throw new ArgumentNullException(nameof(value));
            _inProcess = false;
        }
    }

    /// <summary>
    /// Runs the cells <paramref name="folder"/> does not hold (all of them without a folder), <paramref name="parallel"/>
    /// at a time, longest first; reports each finished cell to <paramref name="progress"/> (from a worker thread).
    /// With the default in-process trainer <paramref name="parallel"/> must be 1 (see the class remarks).
    /// </summary>
    public SweepResult Run(SweepFolder? folder, int parallel, Action<SweepProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parallel, 1);
        if (parallel > 1 && _inProcess)
        {
            throw new ArgumentException("TorchSharp trainings on several threads of one process are not safe; run cells side by side in separate processes (set Train).", nameof(parallel));
        }

        var clock = Stopwatch.StartNew();
        IReadOnlyList<SweepCellResult> resumed = folder?.Finished ?? [];
        var results = new List<SweepCellResult>(resumed);
        HashSet<string> have = [.. resumed.Select(r => r.Cell.Key)];
        // Longest cells (most inner steps; then largest H) first, so that the last ones to finish are short and the threads end together.
        long Work(SweepCell c) => (long)Options.RoundsAt(c.InnerSteps) * c.InnerSteps;
        SweepCell[] pending = [.. Options.Cells().Where(c => !have.Contains(c.Key)).OrderByDescending(Work).ThenByDescending(c => c.InnerSteps)];
        folder?.Begin();

        int total = Options.Cells().Count;
        long workLeft = pending.Sum(Work);
        long workDone = 0;
        int next = -1;
        var gate = new object();
        Exception? failure = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        void Worker()
        {
            while (!stop.IsCancellationRequested)
            {
                int i = Interlocked.Increment(ref next);
                if (i >= pending.Length)
                {
                    return;
                }

                SweepCellResult result;
                try
                {
                    result = Train(pending[i], stop.Token);
                    folder?.Append(result);
                }
                catch (Exception ex)
                {
                    lock (gate)
                    {
                        failure ??= ex;
                    }

                    stop.Cancel();
                    return;
                }

                lock (gate)
                {
                    results.Add(result);
                    workDone += Work(pending[i]);
                    workLeft -= Work(pending[i]);
                    TimeSpan elapsed = clock.Elapsed;
                    TimeSpan? remaining = workDone > 0 ? elapsed * ((double)workLeft / workDone) : null;
                    progress?.Invoke(new SweepProgress(results.Count, total, result, elapsed, remaining));
                }
            }
        }

        int threads = Math.Min(parallel, Math.Max(pending.Length, 1));
        if (threads == 1)
        {
            Worker();
        }
        else
        {
            // Dedicated threads (not the thread pool), each driving one cell at a time start to end.
            Thread[] workers = [.. Enumerable.Range(0, threads).Select(t => new Thread(Worker, maxStackSize: 16 << 20) { IsBackground = true, Name = $"sweep-{t}" })];
            foreach (Thread t in workers)
            {
                t.Start();
            }

            foreach (Thread t in workers)
            {
                t.Join();
            }
        }

        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }

        cancellationToken.ThrowIfCancellationRequested();
        var result = new SweepResult(Options, results, pending.Length, resumed.Count, clock.Elapsed.TotalSeconds);
        folder?.Rewrite(result.Cells);
        return result;
    }

    /// <summary>
    /// A sensible number of cells to run at once: on the CPU one per core (each cell uses one thread), on CUDA up to 4
    /// (the GPU overlaps small models' kernels); never more than the memory of the machine holds at about
    /// <paramref name="bytesPerCell"/> each, and at least 1.
    /// </summary>
    public static int DefaultParallelism(string device, long bytesPerCell)
    {
        int byCores = device.Trim().Equals("cuda", StringComparison.OrdinalIgnoreCase) ? Math.Min(4, Environment.ProcessorCount) : Environment.ProcessorCount;
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        long byMemory = bytesPerCell > 0 && available > 0 ? available / 2 / bytesPerCell : byCores;
        return (int)Math.Clamp(Math.Min(byCores, byMemory), 1, 64);
    }

    /// <summary>Rough memory of one cell (see <see cref="TrainingMemory"/>).</summary>
    public static long BytesPerCell(LlamaConfig model, int workers, int batch, int context) => TrainingMemory.Bytes(model, workers, batch, context);
}
