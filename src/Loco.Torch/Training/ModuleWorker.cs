using Loco.Core.Rounds;
using static TorchSharp.torch;

namespace Loco.Torch.Training;

/// <summary>Per-worker settings of the inner loop.</summary>
/// <param name="Schedule">The inner learning rate by the worker's inner step.</param>
/// <param name="ClipNorm">Clip the global gradient norm to this value before each step; 0 = no clipping.</param>
/// <param name="ResetStateEachRound">Reset the inner optimizer's state at every sync (default: it persists, as in DiLoCo).</param>
public sealed record InnerLoopOptions(LearningRateSchedule Schedule, double ClipNorm = 1.0, bool ResetStateEachRound = false)
{
    /// <summary>
    /// The forward and backward pass's precision. The module decides how it computes (<see cref="Models.Llama.Precision"/>);
    /// the worker adds dynamic loss scaling for fp16 (<see cref="LossScaler"/>).
    /// </summary>
    public Precision Precision { get; init; } = Precision.Fp32;

    /// <summary>
    /// How often the worker reads its losses back from the device to look for a non-finite one (<c>--check-every</c>):
    /// 0 (the default) only before its weights leave it (once per synchronisation, so a GPU step never waits for the host),
    /// 1 after every forward pass before its backward pass (the check of earlier versions), N every N steps.
    /// </summary>
    public int CheckEvery
    {
        get => _checkEvery;
        init => _checkEvery = value >= 0
            ? value
            : throw new Loco.Core.Family.InvalidInputException("--check-every", $"must be 0 (once per synchronisation) or a positive number of inner steps (got {value}).");
    }

    private readonly int _checkEvery;
}

/// <summary>
/// A worker of the two-phase round that trains a TorchSharp module: its own copy of the model, its own inner optimizer
/// and its own minibatches. <see cref="BeginRound(ReadOnlySpan{float})"/> copies the global weights into the module; each
/// <see cref="InnerStep"/> is one minibatch step (learning-rate schedule by the worker's inner step, gradient clipping,
/// the optimizer's weight decay). A non-finite loss stops the round with <see cref="TrainingDivergedException"/>, naming its
/// round and step, before the worker's weights leave it (so the global weights never see it).
/// </summary>
/// <remarks>
/// The losses stay on the device: each step keeps its loss as a device scalar, and the worker reads them back in one
/// transfer when its weights are read (<see cref="CopyWeights(Span{float})"/>, the start of the next round), when
/// <see cref="LastLoss"/> or <see cref="RoundMeanLoss"/> is read, or every <see cref="InnerLoopOptions.CheckEvery"/>
/// steps. With <c>CheckEvery = 1</c> it reads each loss before the backward pass, as earlier versions did.
/// </remarks>
public sealed class ModuleWorker : IFragmentWorker<float>, IReportsLoss, IDisposable
{
    private readonly IMinibatchLoss _loss;
    private readonly IModuleOptimizer _optimizer;
    private readonly InnerLoopOptions _options;
    private readonly List<Tensor> _pending = [];
    private int _lossesRead;
    private double _roundLossSum;
    private double _lastLoss = double.NaN;

    /// <summary>Creates worker <paramref name="index"/> over <paramref name="module"/>.</summary>
    public ModuleWorker(int index, nn.Module module, IMinibatchLoss loss, Func<FlatParameters, IModuleOptimizer> optimizer, InnerLoopOptions options)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(options);
        Index = index;
        Module = module;
        Flat = FlatParameters.Of(module);
        _loss = loss;
        _optimizer = optimizer(Flat);
        _options = options;
        Scaler = options.Precision == Precision.Fp16 ? new LossScaler() : null;
    }

    /// <summary>The fp16 loss scaler (null in fp32 and bf16).</summary>
    public LossScaler? Scaler { get; }

    /// <summary>The worker's index, 0-based.</summary>
    public int Index { get; }

    /// <summary>The worker's own model.</summary>
    public nn.Module Module { get; }

    /// <summary>The model's parameters as one vector.</summary>
    public FlatParameters Flat { get; }

    /// <summary>The inner optimizer.</summary>
    public IModuleOptimizer Optimizer => _optimizer;

    /// <summary>The worker's minibatch loss (and data stream).</summary>
    public IMinibatchLoss Loss => _loss;

    /// <inheritdoc />
    public int Dimension => Flat.Length;

    /// <summary>Rounds begun so far (the current round's 1-based number while it runs).</summary>
    public long Round { get; set; }

    /// <summary>Inner steps taken over the whole run (the learning-rate schedule's clock).</summary>
    public long InnerStepsTaken { get; set; }

    /// <summary>
    /// The minibatch loss of the last inner step (NaN before the first): what restart rules read. Reading it first reads
    /// the pending losses (and throws <see cref="TrainingDivergedException"/> on a non-finite one).
    /// </summary>
    public double LastLoss
    {
        get
        {
            CheckLosses();
            return _lastLoss;
        }
    }

    /// <summary>Mean minibatch loss of the inner steps of the current (or last) round (reads the pending losses first).</summary>
    public double RoundMeanLoss
    {
        get
        {
            CheckLosses();
            return _lossesRead == 0 ? double.NaN : _roundLossSum / _lossesRead;
        }
    }

    /// <summary>
    /// Reads the losses of the steps not yet read back from the device (one transfer) and throws
    /// <see cref="TrainingDivergedException"/> at the first non-finite one, with its round and step.
    /// </summary>
    public void CheckLosses()
    {
        if (_pending.Count == 0)
        {
            return;
        }

        float[] values;
        try
        {
            using Tensor all = stack(_pending);
            using Tensor host = all.cpu();
            values = host.data<float>().ToArray();
        }
        finally
        {
            foreach (Tensor t in _pending)
            {
                t.Dispose();
            }

            _pending.Clear();
        }

        foreach (float value in values)
        {
            Record(value);
        }
    }

    private void Record(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new TrainingDivergedException(Round, _lossesRead + 1, Index, value);
        }

        _lossesRead++;
        _roundLossSum += value;
        _lastLoss = value;
    }

    /// <inheritdoc />
    public void BeginRound(ReadOnlySpan<float> global)
    {
        CheckLosses();
        Flat.CopyFrom(global);
        if (_options.ResetStateEachRound)
        {
            _optimizer.ResetState();
        }

        ContinueRound();
    }

    /// <summary>Starts a round from global weights that live on the worker's device (<see cref="DeviceRound"/>).</summary>
    public void BeginRound(Tensor global)
    {
        ArgumentNullException.ThrowIfNull(global);
        CheckLosses();
        using (no_grad())
        {
            Flat.Data.copy_(global);
        }

        if (_options.ResetStateEachRound)
        {
            _optimizer.ResetState();
        }

        ContinueRound();
    }

    /// <inheritdoc />
    public void ContinueRound()
    {
        CheckLosses();
        Round++;
        _lossesRead = 0;
        _roundLossSum = 0;
    }

    /// <inheritdoc />
    public void CopyWeights(int start, Span<float> destination)
    {
        CheckLosses();
        Flat.CopyTo(start, destination);
    }

    /// <inheritdoc />
    public void SetWeights(int start, ReadOnlySpan<float> values) => Flat.CopyFrom(start, values);

    /// <inheritdoc />
    public void InnerStep()
    {
        CollectionPause.Ensure();
        using var scope = NewDisposeScope();
        _optimizer.SetLearningRate(_options.Schedule.At(InnerStepsTaken));
        _optimizer.ZeroGrad();
        Tensor loss = _loss.Next();
        if (_options.CheckEvery == 1)
        {
            Record(loss.item<float>()); // before the backward pass: the worker's state stays as after the last good step
        }
        else
        {
            _pending.Add(loss.detach().DetachFromDisposeScope());
        }

        (Scaler is null ? loss : Scaler.Scaled(loss)).backward();
        if (Scaler is null || Scaler.Unscale(Flat))
        {
            if (_options.ClipNorm > 0)
            {
                Flat.ClipGradientNorm(_options.ClipNorm);
            }

            _optimizer.Step();
        }

        InnerStepsTaken++;
        if (_options.CheckEvery > 1 && _pending.Count >= _options.CheckEvery)
        {
            CheckLosses();
        }
    }

    /// <inheritdoc />
    public void CopyWeights(Span<float> destination)
    {
        CheckLosses();
        Flat.CopyTo(destination);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (Tensor t in _pending)
        {
            t.Dispose();
        }

        _pending.Clear();
        _optimizer.Dispose();
        Module.Dispose();
    }
}
