using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Loco.Torch.Training;

/// <summary>
/// A module's trainable parameters stored as one contiguous float32 vector on the module's device, in the fixed order of
/// <c>named_parameters()</c> (each shared parameter once), with their gradients in a second contiguous vector. Every
/// parameter becomes a view into <see cref="Data"/> and its gradient a view into <see cref="Gradient"/>, so autograd
/// accumulates straight into the flat gradient and an optimizer can update all weights with a few operations on one
/// tensor (see <see cref="ModuleOptimizers"/>). Copies to and from a span on the CPU are one transfer (through a pinned
/// staging vector on a GPU). DESIGN.md §4: the outer step works on this one contiguous buffer.
/// </summary>
/// <remarks>
/// Get it with <see cref="Of"/>: a module has one flat buffer for its life (a second would re-point its parameters and
/// leave the first stale). Move the module to its device before flattening it.
/// </remarks>
public sealed class FlatParameters
{
    private const int CopyChunk = 1 << 26; // floats per span copy (256 MB), so spans stay within int-sized byte lengths

    private static readonly ConditionalWeakTable<nn.Module, FlatParameters> Registry = [];

    private readonly Parameter[] _parameters;
    private readonly int[] _offsets;
    private readonly Tensor? _staging;

    private FlatParameters(nn.Module module)
    {
        var seen = new HashSet<IntPtr>();
        var named = new List<(string, Parameter)>();
        foreach ((string name, Parameter p) in module.named_parameters())
        {
            if (seen.Add(p.Handle))
            {
                named.Add((name, p));
            }
        }

        if (named.Count == 0)
        {
            throw new ArgumentException("The module has no trainable parameters.", nameof(module));
        }

        _parameters = [.. named.Select(n => n.Item2)];
        Names = [.. named.Select(n => n.Item1)];
        Shapes = [.. _parameters.Select(p => p.shape)];
        Device = _parameters[0].device;
        _offsets = new int[_parameters.Length + 1];
        long total = 0;
        for (int i = 0; i < _parameters.Length; i++)
        {
            Parameter p = _parameters[i];
            if (p.dtype != ScalarType.Float32)
            {
                throw new ArgumentException($"Parameter '{Names[i]}' is {p.dtype}; the flat buffer is float32.", nameof(module));
            }

            if (p.device_type != Device.type || p.device_index != Device.index)
            {
                throw new ArgumentException($"Parameter '{Names[i]}' is on {p.device}, not on {Device} like the others.", nameof(module));
            }

            _offsets[i] = (int)total;
            total += p.numel();
            if (total > int.MaxValue)
            {
                throw new ArgumentException("More than 2³¹ − 1 parameters do not fit one flat buffer.", nameof(module));
            }
        }

        _offsets[^1] = (int)total;
        Length = (int)total;
        using (no_grad())
        {
            Tensor data = empty(total, ScalarType.Float32, Device);
            Gradient = zeros(total, ScalarType.Float32, Device);
            for (int i = 0; i < _parameters.Length; i++)
            {
                Parameter p = _parameters[i];
                using Tensor slot = data.narrow(0, _offsets[i], p.numel()).view(p.shape);
                slot.copy_(p);
                p.set_(slot);
                p.grad = Gradient.narrow(0, _offsets[i], p.numel()).view(p.shape);
            }

            // One trainable tensor over the whole buffer (the same storage as every parameter), for the optimizers.
            Data = new Parameter(data, requires_grad: true);
            Data.grad = Gradient;
        }

        if (Device.type != DeviceType.CPU)
        {
            _staging = empty(total, ScalarType.Float32, CPU);
            if (cuda.is_available())
            {
                _staging = _staging.pin_memory();
            }
        }
    }

    /// <summary>The flat buffer of <paramref name="module"/>'s parameters, created (and the parameters re-pointed into it) on first use.</summary>
    public static FlatParameters Of(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        lock (Registry)
        {
            if (!Registry.TryGetValue(module, out FlatParameters? flat))
            {
                flat = new FlatParameters(module);
                Registry.Add(module, flat);
            }

            return flat;
        }
    }

    /// <summary>Total number of weights.</summary>
    public int Length { get; }

    /// <summary>Where the weights live.</summary>
    public Device Device { get; }

    /// <summary>All weights as one trainable vector (every parameter is a view into it); its gradient is <see cref="Gradient"/>.</summary>
    public Parameter Data { get; }

    /// <summary>All gradients as one vector (every parameter's gradient is a view into it).</summary>
    public Tensor Gradient { get; }

    /// <summary>Parameter names, in buffer order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Parameter shapes, in buffer order.</summary>
    public IReadOnlyList<long[]> Shapes { get; }

    /// <summary>The parameters, in buffer order.</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>Where parameter <paramref name="index"/> starts in the buffer.</summary>
    public int Offset(int index) => _offsets[index];

    /// <summary>Number of weights of parameter <paramref name="index"/>.</summary>
    public int Count(int index) => _offsets[index + 1] - _offsets[index];

    /// <summary>Sets every gradient to zero (in place: the gradients stay views into <see cref="Gradient"/>).</summary>
    public void ZeroGradients() => Gradient.zero_();

    /// <summary>
    /// Scales the gradients so that their global L2 norm is at most <paramref name="maxNorm"/>, as PyTorch's
    /// <c>clip_grad_norm_</c>: g ← g · min(1, maxNorm / (‖g‖ + 1e-6)). Stays on the device (no synchronisation).
    /// </summary>
    public void ClipGradientNorm(double maxNorm)
    {
        using var scope = NewDisposeScope();
        using var max = maxNorm.ToScalar();
        using var tiny = 1e-6.ToScalar();
        using var one = 1.0.ToScalar();
        using (no_grad())
        {
            Tensor norm = Gradient.norm().add_(tiny);
            Tensor scale = full_like(norm, max).div_(norm).clamp_max_(one);
            Gradient.mul_(scale);
        }
    }

    /// <summary>Puts <paramref name="values"/> (one parameter's worth, e.g. from a checkpoint) at parameter <paramref name="index"/>'s place in <paramref name="into"/>.</summary>
    internal void Place(float[] values, float[] into, int index)
    {
        if (values.Length != Count(index))
        {
            throw new InvalidDataException($"A saved buffer of '{Names[index]}' has {values.Length} entries; the parameter has {Count(index)}.");
        }

        values.CopyTo(into, Offset(index));
    }

    /// <summary>Copies the module's weights into <paramref name="destination"/> (length <see cref="Length"/>).</summary>
    public void CopyTo(Span<float> destination)
    {
        CheckLength(destination.Length);
        CopyTo(0, destination);
    }

    /// <summary>Copies weights [<paramref name="start"/>, + destination's length) into <paramref name="destination"/>.</summary>
    public void CopyTo(int start, Span<float> destination)
    {
        CheckSlice(start, destination.Length);
        using (no_grad())
        {
            Tensor host = _staging ?? Data;
            if (_staging is not null)
            {
                using Tensor to = _staging.narrow(0, start, destination.Length);
                using Tensor from = Data.narrow(0, start, destination.Length);
                to.copy_(from);
            }

            for (int at = 0; at < destination.Length; at += CopyChunk)
            {
                int n = Math.Min(CopyChunk, destination.Length - at);
                using Tensor chunk = host.narrow(0, start + at, n);
                MemoryMarshal.Cast<byte, float>(chunk.bytes).CopyTo(destination.Slice(at, n));
            }
        }
    }

    /// <summary>Overwrites the module's weights with <paramref name="source"/> (length <see cref="Length"/>).</summary>
    public void CopyFrom(ReadOnlySpan<float> source)
    {
        CheckLength(source.Length);
        CopyFrom(0, source);
    }

    /// <summary>Overwrites weights [<paramref name="start"/>, + source's length) with <paramref name="source"/>.</summary>
    public void CopyFrom(int start, ReadOnlySpan<float> source)
    {
        CheckSlice(start, source.Length);
        using (no_grad())
        {
            Tensor host = _staging ?? Data;
            for (int at = 0; at < source.Length; at += CopyChunk)
            {
                int n = Math.Min(CopyChunk, source.Length - at);
                using Tensor chunk = host.narrow(0, start + at, n);
                source.Slice(at, n).CopyTo(MemoryMarshal.Cast<byte, float>(chunk.bytes));
            }

            if (_staging is not null)
            {
                using Tensor to = Data.narrow(0, start, source.Length);
                using Tensor from = _staging.narrow(0, start, source.Length);
                to.copy_(from);
            }
        }
    }

    private void CheckSlice(int start, int length)
    {
        if (start < 0 || length < 0 || (long)start + length > Length)
        {
            throw new ArgumentException($"The slice [{start}, {(long)start + length}) lies outside the module's {Length} weights.");
        }
    }

    private void CheckLength(int length)
    {
        if (length != Length)
        {
            throw new ArgumentException($"The flat buffer has {length} entries; the module has {Length} weights.");
        }
    }
}
