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
    private readonly TorchSharp.Modules.AdamW _optimizer;
    private readonly string[] _order;

    public AdamWModuleOptimizer(FlatParameters flat, double weightDecay, double beta1, double beta2, double eps)
    {
        int[] matrices = [.. Enumerable.Range(0, flat.Names.Count).Where(i => flat.Parameters[i].dim() >= 2)];
        int[] others = [.. Enumerable.Range(0, flat.Names.Count).Where(i => flat.Parameters[i].dim() < 2)];
        _order = [.. matrices.Concat(others).Select(i => flat.Names[i])];
        var groups = new List<TorchSharp.Modules.AdamW.ParamGroup>
        {
            new(matrices.Select(i => flat.Parameters[i]).ToArray(), new TorchSharp.Modules.AdamW.Options { weight_decay = weightDecay }),
        };
        if (others.Length > 0)
        {
            groups.Add(new(others.Select(i => flat.Parameters[i]).ToArray(), new TorchSharp.Modules.AdamW.Options { weight_decay = 0.0 }));
        }

        _optimizer = optim.AdamW(groups, lr: 1e-3, beta1: beta1, beta2: beta2, eps: eps, weight_decay: weightDecay);
    }

    public void SetLearningRate(double lr)
    {
        foreach (var group in _optimizer.ParamGroups)
        {
            group.LearningRate = lr;
        }
    }

    public void ZeroGrad() => _optimizer.zero_grad();

    public void Step() => _optimizer.step();

    // state_dict lists the states group by group, parameter by parameter: the order the groups were built in.
    private IEnumerable<(string Name, TorchSharp.Modules.AdamW.State State)> States()
    {
        var dict = _optimizer.state_dict();
        for (int i = 0; i < dict.State.Count; i++)
        {
            yield return (_order[i], (TorchSharp.Modules.AdamW.State)dict.State[i]);
        }
    }

    public void ResetState()
    {
        using (no_grad())
        {
            foreach ((_, TorchSharp.Modules.AdamW.State s) in States())
            {
                s.step = 0;
                s.exp_avg.zero_();
                s.exp_avg_sq.zero_();
            }
        }
    }

    public OptimizerSnapshot Save()
    {
        var snapshot = new OptimizerSnapshot();
        foreach ((string name, TorchSharp.Modules.AdamW.State s) in States())
        {
            snapshot.Buffers[$"exp_avg/{name}"] = Tensors.ToArray(s.exp_avg);
            snapshot.Buffers[$"exp_avg_sq/{name}"] = Tensors.ToArray(s.exp_avg_sq);
            snapshot.Counters[$"step/{name}"] = s.step;
        }

        return snapshot;
    }

    public void Load(OptimizerSnapshot snapshot)
    {
        using (no_grad())
        {
            foreach ((string name, TorchSharp.Modules.AdamW.State s) in States())
            {
                Tensors.CopyInto(s.exp_avg, Require(snapshot.Buffers, $"exp_avg/{name}"));
                Tensors.CopyInto(s.exp_avg_sq, Require(snapshot.Buffers, $"exp_avg_sq/{name}"));
                s.step = Require(snapshot.Counters, $"step/{name}");
            }
        }
    }

    internal static T Require<T>(Dictionary<string, T> values, string key) =>
        values.TryGetValue(key, out T? value) ? value : throw new InvalidDataException($"The optimizer state has no '{key}'.");

    public void Dispose() => _optimizer.Dispose();
}

internal sealed class SgdModuleOptimizer : IModuleOptimizer
{
    private readonly TorchSharp.Modules.SGD _optimizer;
    private readonly FlatParameters _flat;

    public SgdModuleOptimizer(FlatParameters flat, double momentum, bool nesterov, double weightDecay)
    {
        _flat = flat;
        _optimizer = optim.SGD(flat.Parameters, learningRate: 1e-3, momentum: momentum, nesterov: nesterov, weight_decay: weightDecay);
    }

    public void SetLearningRate(double lr)
    {
        foreach (var group in _optimizer.ParamGroups)
        {
            group.LearningRate = lr;
        }
    }

    public void ZeroGrad() => _optimizer.zero_grad();

    public void Step() => _optimizer.step();

    private IEnumerable<(string Name, TorchSharp.Modules.SGD.State State)> States()
    {
        var dict = _optimizer.state_dict();
        for (int i = 0; i < dict.State.Count; i++)
        {
            yield return (_flat.Names[i], (TorchSharp.Modules.SGD.State)dict.State[i]);
        }
    }

    public void ResetState()
    {
        foreach ((_, TorchSharp.Modules.SGD.State s) in States())
        {
            s.momentum_buffer?.Dispose();
            s.momentum_buffer = null!;
        }
    }

    public OptimizerSnapshot Save()
    {
        var snapshot = new OptimizerSnapshot();
        foreach ((string name, TorchSharp.Modules.SGD.State s) in States())
        {
            if (s.momentum_buffer is not null)
            {
                snapshot.Buffers[$"momentum_buffer/{name}"] = Tensors.ToArray(s.momentum_buffer);
            }
        }

        return snapshot;
    }

    public void Load(OptimizerSnapshot snapshot)
    {
        ResetState();
        int i = 0;
        foreach ((string name, TorchSharp.Modules.SGD.State s) in States())
        {
            if (snapshot.Buffers.TryGetValue($"momentum_buffer/{name}", out float[]? values))
            {
                Tensor buffer = zeros_like(_flat.Parameters[i]).DetachFromDisposeScope();
                Tensors.CopyInto(buffer, values);
                s.momentum_buffer = buffer;
            }

            i++;
        }
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
