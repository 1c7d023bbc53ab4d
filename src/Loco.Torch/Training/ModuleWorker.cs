using Loco.Core.Rounds;
using static TorchSharp.torch;

namespace Loco.Torch.Training;

/// <summary>Per-worker settings of the inner loop.</summary>
/// <param name="Schedule">The inner learning rate by the worker's inner step.</param>
/// <param name="ClipNorm">Clip the global gradient norm to this value before each step; 0 = no clipping.</param>
/// <param name="ResetStateEachRound">Reset the inner optimizer's state at every sync (default: it persists, as in DiLoCo).</param>
public sealed record InnerLoopOptions(LearningRateSchedule Schedule, double ClipNorm = 1.0, bool ResetStateEachRound = false);

/// <summary>
/// A worker of the two-phase round that trains a TorchSharp module: its own copy of the model, its own inner optimizer
/// and its own minibatches. <see cref="BeginRound"/> copies the global weights into the module; each
/// <see cref="InnerStep"/> is one minibatch step (learning-rate schedule by the worker's inner step, gradient clipping,
/// the optimizer's weight decay). A non-finite loss stops with <see cref="TrainingDivergedException"/> before any update.
/// </summary>
public sealed class ModuleWorker : IFragmentWorker<float>, IReportsLoss, IDisposable
{
    private readonly IMinibatchLoss _loss;
    private readonly IModuleOptimizer _optimizer;
    private readonly InnerLoopOptions _options;
    private int _stepInRound;
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
    }

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

    /// <summary>The minibatch loss of the last inner step (NaN before the first): what restart rules read.</summary>
    public double LastLoss => _lastLoss;

    /// <summary>Mean minibatch loss of the inner steps of the current (or last) round.</summary>
    public double RoundMeanLoss => _stepInRound == 0 ? double.NaN : _roundLossSum / _stepInRound;

    /// <inheritdoc />
    public void BeginRound(ReadOnlySpan<float> global)
    {
        Flat.CopyFrom(global);
        if (_options.ResetStateEachRound)
        {
            _optimizer.ResetState();
        }

        ContinueRound();
    }

    /// <inheritdoc />
    public void ContinueRound()
    {
        Round++;
        _stepInRound = 0;
        _roundLossSum = 0;
    }

    /// <inheritdoc />
    public void CopyWeights(int start, Span<float> destination) => Flat.CopyTo(start, destination);

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
        double value = loss.item<float>();
        if (!double.IsFinite(value))
        {
            throw new TrainingDivergedException(Round, _stepInRound + 1, Index, value);
        }

        loss.backward();
        if (_options.ClipNorm > 0)
        {
            Flat.ClipGradientNorm(_options.ClipNorm);
        }

        _optimizer.Step();
        InnerStepsTaken++;
        _stepInRound++;
        _roundLossSum += value;
        _lastLoss = value;
    }

    /// <inheritdoc />
    public void CopyWeights(Span<float> destination) => Flat.CopyTo(destination);

    /// <inheritdoc />
    public void Dispose()
    {
        _optimizer.Dispose();
        Module.Dispose();
    }
}
