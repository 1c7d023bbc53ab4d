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
    /// TorchSharp's AdamW (PyTorch semantics, β = (0.9, 0.95) by default as for language models), with decoupled weight
    /// decay applied only to matrices (parameters of two or more dimensions), as nanoGPT does.
    /// </summary>
    public static Func<FlatParameters, IModuleOptimizer> AdamW(double weightDecay = 0.0, double beta1 = 0.9, double beta2 = 0.95, double eps = 1e-8) =>
        flat => new AdamWModuleOptimizer(flat, weightDecay, beta1, beta2, eps);

    /// <summary>TorchSharp's SGD (coupled weight decay; heavy-ball or Nesterov momentum when <paramref name="momentum"/> &gt; 0).</summary>
    public static Func<FlatParameters, IModuleOptimizer> Sgd(double momentum = 0.0, bool nesterov = false, double weightDecay = 0.0) =>
        flat => new SgdModuleOptimizer(flat, momentum, nesterov, weightDecay);
}

internal sealed class AdamWModuleOptimizer : IModuleOptimizer
{
    private readonly FlatParameters _flat;
    private readonly TorchSharp.Modules.AdamW _optimizer;
    private readonly double _weightDecay;
    private readonly Tensor? _decayMask;
    private double _lr = 1e-3;

    // One AdamW over the whole flat buffer: the same per-weight arithmetic as AdamW over each parameter, in a handful of
    // operations per step instead of a dozen per parameter. Decoupled weight decay (matrices only) is applied before the
    // Adam update, as PyTorch's AdamW does: w ← w − lr·wd·mask·w.
    public AdamWModuleOptimizer(FlatParameters flat, double weightDecay, double beta1, double beta2, double eps)
    {
        _flat = flat;
        _weightDecay = weightDecay;
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

        _optimizer = optim.AdamW([flat.Data], lr: 1e-3, beta1: beta1, beta2: beta2, eps: eps, weight_decay: 0.0);
    }

    public void SetLearningRate(double lr)
    {
        _lr = lr;
        foreach (var group in _optimizer.ParamGroups)
        {
            group.LearningRate = lr;
        }
    }

    public void ZeroGrad() => _flat.ZeroGradients();

    public void Step()
    {
        if (_decayMask is not null)
        {
            using (no_grad())
            {
                _flat.Data.addcmul_(_flat.Data, _decayMask, -_lr * _weightDecay);
            }
        }

        _optimizer.step();
    }

    private TorchSharp.Modules.AdamW.State? State()
    {
        var dict = _optimizer.state_dict();
        return dict.State.Count == 0 ? null : (TorchSharp.Modules.AdamW.State)dict.State[0];
    }

    public void ResetState()
    {
        using (no_grad())
        {
            if (State() is { } s)
            {
                s.step = 0;
                s.exp_avg.zero_();
                s.exp_avg_sq.zero_();
            }
        }
    }

    // Saved per parameter name, as the checkpoint format has it.
    public OptimizerSnapshot Save()
    {
        var snapshot = new OptimizerSnapshot();
        if (State() is not { } s)
        {
            return snapshot;
        }

        float[] avg = Tensors.ToArray(s.exp_avg), avgSq = Tensors.ToArray(s.exp_avg_sq);
        for (int i = 0; i < _flat.Names.Count; i++)
        {
            string name = _flat.Names[i];
            snapshot.Buffers[$"exp_avg/{name}"] = avg.AsSpan(_flat.Offset(i), _flat.Count(i)).ToArray();
            snapshot.Buffers[$"exp_avg_sq/{name}"] = avgSq.AsSpan(_flat.Offset(i), _flat.Count(i)).ToArray();
            snapshot.Counters[$"step/{name}"] = s.step;
        }

        return snapshot;
    }

    public void Load(OptimizerSnapshot snapshot)
    {
        if (State() is not { } s)
        {
            return;
        }

        float[] avg = new float[_flat.Length], avgSq = new float[_flat.Length];
        long step = 0;
        for (int i = 0; i < _flat.Names.Count; i++)
        {
            string name = _flat.Names[i];
            Place(Require(snapshot.Buffers, $"exp_avg/{name}"), avg, i, name);
            Place(Require(snapshot.Buffers, $"exp_avg_sq/{name}"), avgSq, i, name);
            long count = Require(snapshot.Counters, $"step/{name}");
            step = i == 0 ? count : step == count ? step : throw new InvalidDataException($"The optimizer state has different step counts per parameter ('{name}').");
        }

        using (no_grad())
        {
            Tensors.CopyInto(s.exp_avg, avg);
            Tensors.CopyInto(s.exp_avg_sq, avgSq);
            s.step = step;
        }
    }

    private void Place(float[] values, float[] into, int index, string name)
    {
        if (values.Length != _flat.Count(index))
        {
            throw new InvalidDataException($"The saved optimizer buffer of '{name}' has {values.Length} entries; the parameter has {_flat.Count(index)}.");
        }

        values.CopyTo(into, _flat.Offset(index));
    }

    internal static T Require<T>(Dictionary<string, T> values, string key) =>
        values.TryGetValue(key, out T? value) ? value : throw new InvalidDataException($"The optimizer state has no '{key}'.");

    public void Dispose()
    {
        _optimizer.Dispose();
        _decayMask?.Dispose();
    }
}

internal sealed class SgdModuleOptimizer : IModuleOptimizer
{
    private readonly TorchSharp.Modules.SGD _optimizer;
    private readonly FlatParameters _flat;

    // One SGD over the whole flat buffer (coupled weight decay on every weight, as before).
    public SgdModuleOptimizer(FlatParameters flat, double momentum, bool nesterov, double weightDecay)
    {
        _flat = flat;
        _optimizer = optim.SGD([flat.Data], learningRate: 1e-3, momentum: momentum, nesterov: nesterov, weight_decay: weightDecay);
    }

    public void SetLearningRate(double lr)
    {
        foreach (var group in _optimizer.ParamGroups)
        {
            group.LearningRate = lr;
        }
    }

    public void ZeroGrad() => _flat.ZeroGradients();

    public void Step() => _optimizer.step();

    private TorchSharp.Modules.SGD.State? State()
    {
        var dict = _optimizer.state_dict();
        return dict.State.Count == 0 ? null : (TorchSharp.Modules.SGD.State)dict.State[0];
    }

    public void ResetState()
    {
        if (State() is { } s)
        {
            s.momentum_buffer?.Dispose();
            s.momentum_buffer = null!;
        }
    }

    public OptimizerSnapshot Save()
    {
        var snapshot = new OptimizerSnapshot();
        if (State() is { momentum_buffer: not null } s)
        {
            float[] all = Tensors.ToArray(s.momentum_buffer);
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
        if (State() is not { } s || !snapshot.Buffers.ContainsKey($"momentum_buffer/{_flat.Names[0]}"))
        {
            return;
        }

        float[] all = new float[_flat.Length];
        for (int i = 0; i < _flat.Names.Count; i++)
        {
            float[] values = AdamWModuleOptimizer.Require(snapshot.Buffers, $"momentum_buffer/{_flat.Names[i]}");
            if (values.Length != _flat.Count(i))
            {
                throw new InvalidDataException($"The saved momentum of '{_flat.Names[i]}' has {values.Length} entries; the parameter has {_flat.Count(i)}.");
            }

            values.CopyTo(all, _flat.Offset(i));
        }

        Tensor buffer = zeros_like(_flat.Data).DetachFromDisposeScope();
        Tensors.CopyInto(buffer, all);
        s.momentum_buffer = buffer;
    }

    public void Dispose() => _optimizer.Dispose();
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
