using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Loco.Torch.Training;

/// <summary>
/// The state of an inner optimizer as plain arrays, for checkpoints: per parameter (by its name) named float buffers
/// (e.g. AdamW's exp_avg and exp_avg_sq) and counters (e.g. AdamW's step).
/// </summary>
public sealed class OptimizerSnapshot
{
    /// <summary>Buffers, keyed "kind/parameter-name".</summary>
    public Dictionary<string, float[]> Buffers { get; } = new(StringComparer.Ordinal);

    /// <summary>Counters, keyed "kind/parameter-name".</summary>
    public Dictionary<string, long> Counters { get; } = new(StringComparer.Ordinal);
}

/// <summary>An inner optimizer of a TorchSharp module, with a settable learning rate and exportable state.</summary>
public interface IModuleOptimizer : IDisposable
{
    /// <summary>Sets the learning rate of the next step.</summary>
    void SetLearningRate(double lr);

    /// <summary>Clears the gradients.</summary>
    void ZeroGrad();

    /// <summary>One update from the current gradients.</summary>
    void Step();

    /// <summary>Forgets all state (moments, step counts), as at construction.</summary>
    void ResetState();

    /// <summary>Copies the state out.</summary>
    OptimizerSnapshot Save();

    /// <summary>Restores state saved by <see cref="Save"/> from a module of the same shape.</summary>
    void Load(OptimizerSnapshot snapshot);
}

/// <summary>Builds inner optimizers for modules.</summary>
public static class ModuleOptimizers
{
    /// <summary>
    /// AdamW with PyTorch's arithmetic (β = (0.9, 0.95) by default as for language models) over the module's flat buffer,
    /// with decoupled weight decay applied only to matrices (parameters of two or more dimensions), as nanoGPT does.
    /// </summary>
    public static Func<FlatParameters, IModuleOptimizer> AdamW(double weightDecay = 0.0, double beta1 = 0.9, double beta2 = 0.95, double eps = 1e-8) =>
        flat => new AdamWModuleOptimizer(flat, weightDecay, beta1, beta2, eps);

    /// <summary>SGD with PyTorch's arithmetic (coupled weight decay; heavy-ball or Nesterov momentum when <paramref name="momentum"/> &gt; 0).</summary>
    public static Func<FlatParameters, IModuleOptimizer> Sgd(double momentum = 0.0, bool nesterov = false, double weightDecay = 0.0) =>
        flat => new SgdModuleOptimizer(flat, momentum, nesterov, weightDecay);
}

// Both optimizers below update the whole flat buffer with a handful of tensor operations per step, with PyTorch's
// arithmetic; every Scalar is held until its call returns (TorchSharp's unrooted scalars: see CollectionPause).

internal sealed class AdamWModuleOptimizer : IModuleOptimizer
{
    private readonly FlatParameters _flat;
    private readonly double _weightDecay, _beta1, _beta2, _eps;
    private readonly Tensor? _decayMask;
    private readonly Tensor _expAvg, _expAvgSq, _denominator;
    private long _step;
    private double _lr = 1e-3;

    // AdamW (Loshchilov & Hutter; PyTorch's torch.optim.AdamW): w ← w − lr·wd·w (matrices only, before the update);
    // m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; w ← w − (lr/(1−β₁ᵗ)) · m / (√v/√(1−β₂ᵗ) + ε).
    public AdamWModuleOptimizer(FlatParameters flat, double weightDecay, double beta1, double beta2, double eps)
    {
        _flat = flat;
        (_weightDecay, _beta1, _beta2, _eps) = (weightDecay, beta1, beta2, eps);
        if (weightDecay != 0)
        {
            var mask = new float[flat.Length];
            for (int i = 0; i < flat.Parameters.Count; i++)
            {
                if (flat.Parameters[i].dim() >= 2)
                {
                    mask.AsSpan(flat.Offset(i), flat.Count(i)).Fill(1f);
                }
            }

            _decayMask = tensor(mask).to(flat.Device);
        }

        _expAvg = zeros(flat.Length, ScalarType.Float32, flat.Device);
        _expAvgSq = zeros(flat.Length, ScalarType.Float32, flat.Device);
        _denominator = empty(flat.Length, ScalarType.Float32, flat.Device);
    }

    public void SetLearningRate(double lr) => _lr = lr;

    public void ZeroGrad() => _flat.ZeroGradients();

    public void Step()
    {
        _step++;
        Tensor w = _flat.Data, g = _flat.Gradient;
        double bias1 = 1 - Math.Pow(_beta1, _step), bias2 = 1 - Math.Pow(_beta2, _step);
        using var decay = (-_lr * _weightDecay).ToScalar();
        using var beta1 = _beta1.ToScalar();
        using var oneMinusBeta1 = (1 - _beta1).ToScalar();
        using var beta2 = _beta2.ToScalar();
        using var oneMinusBeta2 = (1 - _beta2).ToScalar();
        using var sqrtBias2 = Math.Sqrt(bias2).ToScalar();
        using var eps = _eps.ToScalar();
        using var stepSize = (-_lr / bias1).ToScalar();
        using (no_grad())
        {
            if (_decayMask is not null)
            {
                w.addcmul_(w, _decayMask, decay);
            }

            _expAvg.mul_(beta1).add_(g, oneMinusBeta1);
            _expAvgSq.mul_(beta2).addcmul_(g, g, oneMinusBeta2);
            _denominator.copy_(_expAvgSq).sqrt_().div_(sqrtBias2).add_(eps);
            w.addcdiv_(_expAvg, _denominator, stepSize);
        }
    }

    public void ResetState()
    {
        _step = 0;
        _expAvg.zero_();
        _expAvgSq.zero_();
    }

    // Saved per parameter name, as the checkpoint format has it.
    public OptimizerSnapshot Save()
    {
        var snapshot = new OptimizerSnapshot();
        float[] avg = Tensors.ToArray(_expAvg), avgSq = Tensors.ToArray(_expAvgSq);
        for (int i = 0; i < _flat.Names.Count; i++)
        {
            string name = _flat.Names[i];
            snapshot.Buffers[$"exp_avg/{name}"] = avg.AsSpan(_flat.Offset(i), _flat.Count(i)).ToArray();
            snapshot.Buffers[$"exp_avg_sq/{name}"] = avgSq.AsSpan(_flat.Offset(i), _flat.Count(i)).ToArray();
            snapshot.Counters[$"step/{name}"] = _step;
        }

        return snapshot;
    }

    public void Load(OptimizerSnapshot snapshot)
    {
        float[] avg = new float[_flat.Length], avgSq = new float[_flat.Length];
        long step = 0;
        for (int i = 0; i < _flat.Names.Count; i++)
        {
            string name = _flat.Names[i];
            _flat.Place(Require(snapshot.Buffers, $"exp_avg/{name}"), avg, i);
            _flat.Place(Require(snapshot.Buffers, $"exp_avg_sq/{name}"), avgSq, i);
            long count = Require(snapshot.Counters, $"step/{name}");
            step = i == 0 || step == count ? count : throw new InvalidDataException($"The optimizer state has different step counts per parameter ('{name}').");
        }

        Tensors.CopyInto(_expAvg, avg);
        Tensors.CopyInto(_expAvgSq, avgSq);
        _step = step;
    }

    internal static T Require<T>(Dictionary<string, T> values, string key) =>
        values.TryGetValue(key, out T? value) ? value : throw new InvalidDataException($"The optimizer state has no '{key}'.");

    public void Dispose()
    {
        _decayMask?.Dispose();
        _expAvg.Dispose();
        _expAvgSq.Dispose();
        _denominator.Dispose();
    }
}

internal sealed class SgdModuleOptimizer : IModuleOptimizer
{
    private readonly FlatParameters _flat;
    private readonly double _momentum, _weightDecay;
    private readonly bool _nesterov;
    private readonly Tensor _direction;
    private Tensor? _buffer;
    private double _lr = 1e-3;

    // SGD as torch.optim.SGD (dampening 0): d = g + wd·w; b ← d on the first step, else b ← μb + d;
    // d ← d + μb (Nesterov) or b (heavy-ball); w ← w − lr·d.
    public SgdModuleOptimizer(FlatParameters flat, double momentum, bool nesterov, double weightDecay)
    {
        _flat = flat;
        (_momentum, _nesterov, _weightDecay) = (momentum, nesterov, weightDecay);
        _direction = empty(flat.Length, ScalarType.Float32, flat.Device);
    }

    public void SetLearningRate(double lr) => _lr = lr;

    public void ZeroGrad() => _flat.ZeroGradients();

    public void Step()
    {
        Tensor w = _flat.Data, g = _flat.Gradient;
        using var decay = _weightDecay.ToScalar();
        using var mu = _momentum.ToScalar();
        using var step = (-_lr).ToScalar();
        using (no_grad())
        {
            _direction.copy_(g);
            if (_weightDecay != 0)
            {
                _direction.add_(w, decay);
            }

            if (_momentum != 0)
            {
                if (_buffer is null)
                {
                    _buffer = _direction.clone();
                }
                else
                {
                    _buffer.mul_(mu).add_(_direction);
                }

                if (_nesterov)
                {
                    _direction.add_(_buffer, mu);
                }
                else
                {
                    _direction.copy_(_buffer);
                }
            }

            w.add_(_direction, step);
        }
    }

    public void ResetState()
    {
        _buffer?.Dispose();
        _buffer = null;
    }

    public OptimizerSnapshot Save()
    {
        var snapshot = new OptimizerSnapshot();
        if (_buffer is not null)
        {
            float[] all = Tensors.ToArray(_buffer);
            for (int i = 0; i < _flat.Names.Count; i++)
            {
                snapshot.Buffers[$"momentum_buffer/{_flat.Names[i]}"] = all.AsSpan(_flat.Offset(i), _flat.Count(i)).ToArray();
            }
        }

        return snapshot;
    }

    public void Load(OptimizerSnapshot snapshot)
    {
        ResetState();
        if (!snapshot.Buffers.ContainsKey($"momentum_buffer/{_flat.Names[0]}"))
        {
            return;
        }

        float[] all = new float[_flat.Length];
        for (int i = 0; i < _flat.Names.Count; i++)
        {
            _flat.Place(AdamWModuleOptimizer.Require(snapshot.Buffers, $"momentum_buffer/{_flat.Names[i]}"), all, i);
        }

        _buffer = zeros(_flat.Length, ScalarType.Float32, _flat.Device);
        Tensors.CopyInto(_buffer, all);
    }

    public void Dispose()
    {
        _direction.Dispose();
        _buffer?.Dispose();
    }
}

/// <summary>Copies between float32 tensors (any device) and arrays.</summary>
internal static class Tensors
{
    public static float[] ToArray(Tensor t)
    {
        using Tensor cpu = t.detach().to(CPU).contiguous();
        return cpu.data<float>().ToArray();
    }

    public static void CopyInto(Tensor t, float[] values)
    {
        if (values.Length != t.numel())
        {
            throw new InvalidDataException($"A saved buffer has {values.Length} entries; the tensor has {t.numel()}.");
        }

        using Tensor source = tensor(values).reshape(t.shape);
        using (no_grad())
        {
            t.copy_(source);
        }
    }
}
