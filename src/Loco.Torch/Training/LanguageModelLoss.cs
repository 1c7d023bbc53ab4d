using Loco.Torch.Data;
using Loco.Torch.Models;
using static TorchSharp.torch;

namespace Loco.Torch.Training;

/// <summary>Next-token cross-entropy of a <see cref="Llama"/> on batches from one worker's <see cref="BatchSampler"/>.</summary>
public sealed class LanguageModelLoss : IMinibatchLoss
{
    private readonly Llama _model;
    private readonly long[] _inputs;
    private readonly long[] _targets;
    private readonly Device _device;

    /// <summary>Batches of <paramref name="batch"/> rows of <paramref name="context"/> tokens.</summary>
    public LanguageModelLoss(Llama model, BatchSampler sampler, int batch, int context, Device device)
    {
        _model = model;
        Sampler = sampler;
        Batch = batch;
        Context = context;
        _device = device;
        _inputs = new long[batch * context];
        _targets = new long[batch * context];
    }

    /// <summary>The worker's data stream.</summary>
    public BatchSampler Sampler { get; }

    /// <summary>B.</summary>
    public int Batch { get; }

    /// <summary>T.</summary>
    public int Context { get; }

    /// <inheritdoc />
    public long ItemsPerBatch => (long)Batch * Context;

    /// <inheritdoc />
    public Tensor Next()
    {
        Sampler.NextBatch(Batch, Context, _inputs, _targets);
        Tensor x = tensor(_inputs, [Batch, Context], device: _device);
        Tensor y = tensor(_targets, [Batch, Context], device: _device);
        return _model.Loss(x, y);
    }
}

/// <summary>Validation loss (nats per token) of given global weights, on a fixed walk over the validation split.</summary>
public sealed class ValidationLoss : IDisposable
{
    private readonly Llama _model;
    private readonly FlatParameters _flat;
    private readonly ValidationBatches _batches;
    private readonly Device _device;
    private readonly long[] _inputs;
    private readonly long[] _targets;

    /// <summary>Evaluates with <paramref name="model"/> (a scratch copy of the trained shape) on <paramref name="batches"/>.</summary>
    public ValidationLoss(Llama model, ValidationBatches batches, Device device)
    {
        _model = model;
        _flat = FlatParameters.Of(model);
        _batches = batches;
        _device = device;
        _inputs = new long[batches.BatchSize * batches.Context];
        _targets = new long[batches.BatchSize * batches.Context];
    }

    /// <summary>The parameters of the evaluated model, by name and shape, as one vector.</summary>
    public FlatParameters Parameters => _flat;

    /// <summary>Tokens one evaluation scores.</summary>
    public long Tokens => (long)_batches.Windows * _batches.Context;

    /// <summary>Mean cross-entropy of weights <paramref name="weights"/> over every validation target.</summary>
    public double Compute(float[] weights)
    {
        _flat.CopyFrom(weights);
        using var grad = no_grad();
        double sum = 0;
        long count = 0;
        for (int i = 0; i < _batches.Count; i++)
        {
            CollectionPause.Ensure();
            using var scope = NewDisposeScope();
            int rows = _batches.Fill(i, _inputs, _targets);
            int n = rows * _batches.Context;
            Tensor x = tensor(_inputs.AsSpan(0, n).ToArray(), [rows, _batches.Context], device: _device);
            Tensor y = tensor(_targets.AsSpan(0, n).ToArray(), [rows, _batches.Context], device: _device);
            sum += _model.Loss(x, y).item<float>() * (double)n;
            count += n;
        }

        return sum / count;
    }

    /// <inheritdoc />
    public void Dispose() => _model.Dispose();
}
