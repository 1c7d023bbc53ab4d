using Loco.Core.Optimizers;
using Loco.Core.Rounds;
using Loco.Core.Rounds.Reducers;

namespace Loco.Torch.Training;

/// <summary>What one round did.</summary>
/// <param name="Round">Rounds completed, this one included.</param>
/// <param name="TrainLoss">Mean minibatch loss over every inner step of every worker in the round.</param>
/// <param name="ValidationLoss">Loss of the global weights after the round, or NaN when not evaluated this round.</param>
/// <param name="Items">Items (tokens) the round consumed across workers.</param>
/// <param name="Seconds">Wall-clock seconds since the start of training when the round ended (set by the caller).</param>
public readonly record struct RoundReport(long Round, double TrainLoss, double ValidationLoss, long Items, double Seconds = 0)
{
    /// <summary>Payload bytes this process's workers sent in the round, as encoded (0 where unknown: round 0, a resumed history).</summary>
    public long BytesSent { get; init; }

    /// <summary>‖s_after − s_before‖₂, the length of the round's outer step (NaN where unknown).</summary>
    public double OuterStepNorm { get; init; } = double.NaN;

    /// <summary>Whether the restart schedule reset the outer momentum after this round.</summary>
    public bool Restarted { get; init; }
}

/// <summary>
/// DiLoCo (any member of the two-phase family) for TorchSharp modules: M <see cref="ModuleWorker"/>s in this process,
/// run one after another by Loco.Core's <see cref="TwoPhaseRound{T}"/>; the global weights live in one flat fp32 buffer
/// that Loco.Core's <see cref="OuterOptimizer"/> moves. Optionally evaluates the global weights every N rounds.
/// </summary>
public sealed class DiLoCoTrainer : IDisposable
{
    private readonly ModuleWorker[] _workers;
    private readonly Func<float[], double>? _evaluate;
    private readonly float[] _before;
    private readonly float[] _global;
    private readonly DeviceRound? _device;
    private long _bytesBefore;

    /// <summary>
    /// Creates the trainer. The global weights start as worker 0's module weights (so a seeded model fixes them).
    /// </summary>
    /// <param name="workers">The workers (same module shape).</param>
    /// <param name="outer">The outer optimizer (with its restart schedule).</param>
    /// <param name="innerSteps">H.</param>
    /// <param name="evaluate">Loss of given global weights, e.g. validation loss; null = never evaluate.</param>
    /// <param name="evaluateEvery">Evaluate after every this many rounds (and when asked); 0 = only when asked.</param>
    /// <param name="reducer">How pseudo-gradients are averaged (in process by default).</param>
    /// <param name="fragments">Streaming fragments (null: the plain round).</param>
    /// <param name="outerOnDevice">
    /// Keep the global weights, the pseudo-gradients and the outer step on the workers' device (<see cref="DeviceRound"/>);
    /// only with the in-process reducer and no fragments. Null: on whenever the workers are not on the CPU and those hold.
    /// </param>
    public DiLoCoTrainer(IReadOnlyList<ModuleWorker> workers, OuterOptimizer outer, int innerSteps,
        Func<float[], double>? evaluate = null, int evaluateEvery = 0, IReducer<float>? reducer = null, FragmentSchedule? fragments = null,
        bool? outerOnDevice = null)
    {
        ArgumentNullException.ThrowIfNull(workers);
        ArgumentOutOfRangeException.ThrowIfNegative(evaluateEvery);
        _workers = [.. workers];
        Round = new TwoPhaseRound<float>(_workers, outer, innerSteps, reducer, fragments);
        _global = new float[Round.Dimension];
        _workers[0].CopyWeights(_global);
        State = outer.Init<float>(Round.Dimension);
        _before = new float[Round.Dimension];
        _evaluate = evaluate;
        EvaluateEvery = evaluateEvery;
        bool plain = Round.Reducer is InProcessReducer<float> && fragments is null;
        if (outerOnDevice == true && !plain)
        {
            throw new ArgumentException("The outer step runs on the device only with the in-process fp32 reducer and without fragments.", nameof(outerOnDevice));
        }

        if (outerOnDevice ?? (plain && _workers[0].Flat.Device.type != TorchSharp.DeviceType.CPU))
        {
            _device = new DeviceRound(_workers, outer, innerSteps, _global);
        }
    }

    /// <summary>Whether the global weights, the pseudo-gradients and the outer step live on the workers' device.</summary>
    public bool OuterOnDevice => _device is not null;

    /// <summary>The round (Loco.Core's).</summary>
    public TwoPhaseRound<float> Round { get; }

    /// <summary>The workers.</summary>
    public IReadOnlyList<ModuleWorker> Workers => _workers;

    /// <summary>
    /// The global weights s. With <see cref="OuterOnDevice"/> this host copy (and the outer state's momentum) is brought
    /// up to date from the device when read; write it only through <see cref="Restore"/>.
    /// </summary>
    public float[] Global
    {
        get
        {
            if (_device is { HostStale: true })
            {
                _device.PullToHost(_global, State.Momentum);
            }

            return _global;
        }
    }

    /// <summary>The outer optimizer's state (momentum, round counters).</summary>
    public OuterState<float> State { get; }

    /// <summary>Rounds completed.</summary>
    public long CompletedRounds => State.CompletedRounds;

    /// <summary>Evaluation period in rounds (0 = only when asked).</summary>
    public int EvaluateEvery { get; }

    /// <summary>Bytes one worker sends per round: one fp32 pseudo-gradient (with fragments, P slices that add up to it).</summary>
    public long BytesPerWorkerPerRound => 4L * Round.Dimension;

    /// <summary>Bytes one worker sends per round as <paramref name="encodedBytes"/> encodes each message (a whole Δ, or each fragment).</summary>
    public long EncodedBytesPerWorkerPerRound(Func<int, int> encodedBytes) =>
        (Round.Fragments ?? FragmentSchedule.None).BytesPerRound(Round.Dimension, encodedBytes);

    /// <summary>
    /// Runs one round. Throws <see cref="TrainingDivergedException"/> when a worker's loss is non-finite; the global
    /// weights and outer state are then as before the round.
    /// </summary>
    public RoundReport RunRound()
    {
        long restarts = State.Restarts;
        double stepNorm;
        if (_device is not null)
        {
            stepNorm = _device.Run(State);
        }
        else
        {
            _global.CopyTo(_before, 0);
            Round.Run(_global, State);
            stepNorm = System.Numerics.Tensors.TensorPrimitives.Distance<float>(_before, _global);
        }

        long bytes;
        if (Round.Reducer is ICountsBytes counter)
        {
            bytes = counter.BytesSent - _bytesBefore;
            _bytesBefore = counter.BytesSent;
        }
        else
        {
            bytes = BytesPerWorkerPerRound * _workers.Length;
        }

        double loss = 0;
        long items = 0;
        foreach (ModuleWorker worker in _workers)
        {
            loss += worker.RoundMeanLoss;
            items += worker.Loss.ItemsPerBatch * Round.InnerSteps;
        }

        long round = State.CompletedRounds;
        double validation = EvaluateEvery > 0 && round % EvaluateEvery == 0 ? Evaluate() : double.NaN;
        return new RoundReport(round, loss / _workers.Length, validation, items)
        {
            BytesSent = bytes, OuterStepNorm = stepNorm, Restarted = State.Restarts > restarts,
        };
    }

    /// <summary>The evaluation of the current global weights (NaN without an evaluator).</summary>
    public double Evaluate() => _evaluate is null ? double.NaN : _evaluate(Global);

    /// <summary>Restores the global weights, outer state and the workers' clocks (for resuming).</summary>
    public void Restore(ReadOnlySpan<float> global, ReadOnlySpan<float> momentum, long completedRounds, long roundsSinceRestart, long restarts)
    {
        global.CopyTo(_global);
        momentum.CopyTo(State.Momentum);
        _device?.Push(_global, State.Momentum);
        State.Restore(completedRounds, roundsSinceRestart, restarts);
        foreach (ModuleWorker worker in _workers)
        {
            worker.Round = completedRounds;
            worker.InnerStepsTaken = completedRounds * Round.InnerSteps;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _device?.Dispose();
        foreach (ModuleWorker worker in _workers)
        {
            worker.Dispose();
        }
    }
}
