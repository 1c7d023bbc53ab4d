using System.Runtime.InteropServices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Loco.Torch.Training;

/// <summary>
/// A module's trainable parameters seen as one contiguous float vector, in the fixed order of
/// <c>named_parameters()</c> (each shared parameter once). Copies go straight between the tensors' storage and
/// the span on the CPU; on another device through one CPU staging tensor per parameter. Allocation-free after construction.
/// </summary>
public sealed class FlatParameters
{
    private readonly Parameter[] _parameters;
    private readonly int[] _offsets;
    private readonly Tensor?[] _staging;

    /// <summary>Views the parameters of <paramref name="module"/>; all must be float32.</summary>
    public FlatParameters(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        var seen = new HashSet<IntPtr>();
        var named = new List<(string, Parameter)>();
        foreach ((string name, Parameter p) in module.named_parameters())
        {
            if (seen.Add(p.Handle))
            {
                named.Add((name, p));
            }
        }

        _parameters = [.. named.Select(n => n.Item2)];
        Names = [.. named.Select(n => n.Item1)];
        Shapes = [.. _parameters.Select(p => p.shape)];
        _offsets = new int[_parameters.Length + 1];
        _staging = new Tensor?[_parameters.Length];
        long total = 0;
        for (int i = 0; i < _parameters.Length; i++)
        {
            Parameter p = _parameters[i];
            if (p.dtype != ScalarType.Float32)
            {
                throw new ArgumentException($"Parameter '{Names[i]}' is {p.dtype}; the flat buffer is float32.", nameof(module));
            }

            if (!p.is_contiguous())
            {
                throw new ArgumentException($"Parameter '{Names[i]}' is not contiguous.", nameof(module));
            }

            _offsets[i] = (int)total;
            total += p.numel();
            if (total > int.MaxValue)
            {
                throw new ArgumentException("More than 2³¹ − 1 parameters do not fit one flat buffer.", nameof(module));
            }

            if (p.device_type != DeviceType.CPU)
            {
                _staging[i] = empty(p.shape, ScalarType.Float32, CPU);
            }
        }

        _offsets[^1] = (int)total;
        Length = (int)total;
    }

    /// <summary>Total number of weights.</summary>
    public int Length { get; }

    /// <summary>Parameter names, in buffer order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Parameter shapes, in buffer order.</summary>
    public IReadOnlyList<long[]> Shapes { get; }

    /// <summary>The parameters, in buffer order.</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>Where parameter <paramref name="index"/> starts in the buffer.</summary>
    public int Offset(int index) => _offsets[index];

    /// <summary>Copies the module's weights into <paramref name="destination"/> (length <see cref="Length"/>).</summary>
    public void CopyTo(Span<float> destination)
    {
        CheckLength(destination.Length);
        for (int i = 0; i < _parameters.Length; i++)
        {
            Span<float> target = destination[_offsets[i].._offsets[i + 1]];
            Tensor? staging = _staging[i];
            if (staging is null)
            {
                MemoryMarshal.Cast<byte, float>(_parameters[i].bytes).CopyTo(target);
            }
            else
            {
                staging.copy_(_parameters[i].detach());
                MemoryMarshal.Cast<byte, float>(staging.bytes).CopyTo(target);
            }
        }
    }

    /// <summary>Overwrites the module's weights with <paramref name="source"/> (length <see cref="Length"/>).</summary>
    public void CopyFrom(ReadOnlySpan<float> source)
    {
        CheckLength(source.Length);
        for (int i = 0; i < _parameters.Length; i++)
        {
            ReadOnlySpan<float> from = source[_offsets[i].._offsets[i + 1]];
            Tensor? staging = _staging[i];
            if (staging is null)
            {
                from.CopyTo(MemoryMarshal.Cast<byte, float>(_parameters[i].bytes));
            }
            else
            {
                from.CopyTo(MemoryMarshal.Cast<byte, float>(staging.bytes));
                using (no_grad())
                {
                    _parameters[i].copy_(staging);
                }
            }
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
