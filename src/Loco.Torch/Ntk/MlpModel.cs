using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Loco.Torch.Ntk;

/// <summary>The real (non-linearised) MLP on a regression set: residuals and gradients by TorchSharp autograd in float64 on the CPU.</summary>
public sealed class MlpModel : IRegressionModel, IDisposable
{
    private readonly Tensor _inputs;
    private readonly Tensor _targets;

    /// <summary>The MLP <paramref name="mlp"/> on <paramref name="data"/>.</summary>
    public MlpModel(Mlp mlp, RegressionData data)
    {
        ArgumentNullException.ThrowIfNull(mlp);
        ArgumentNullException.ThrowIfNull(data);
        if (data.InputDim != mlp.InputDim)
        {
            throw new ArgumentException($"The data have {data.InputDim} inputs per sample; the MLP takes {mlp.InputDim}.", nameof(data));
        }

        Mlp = mlp;
        Data = data;
        _inputs = tensor(data.Inputs, [data.Samples, data.InputDim], ScalarType.Float64);
        _targets = tensor(data.Targets, ScalarType.Float64);
    }

    /// <summary>The network.</summary>
    public Mlp Mlp { get; }

    /// <summary>The regression set.</summary>
    public RegressionData Data { get; }

    /// <inheritdoc />
    public int Dimension => Mlp.ParameterCount;

    /// <inheritdoc />
    public int Samples => Data.Samples;

    /// <summary>f(x_j; θ) for every sample.</summary>
    public double[] Outputs(ReadOnlySpan<double> theta)
    {
        Training.CollectionPause.Ensure(); // TorchSharp scalars and the collector: see CollectionPause
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return Mlp.Forward(Weights(theta, false), _inputs).data<double>().ToArray();
    }

    /// <inheritdoc />
    public void Residual(ReadOnlySpan<double> theta, Span<double> residual)
    {
        CheckLengths(theta.Length, residual.Length);
        Training.CollectionPause.Ensure(); // TorchSharp scalars and the collector: see CollectionPause
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor r = Mlp.Forward(Weights(theta, false), _inputs) - _targets;
        r.data<double>().CopyTo(residual);
    }

    /// <inheritdoc />
    public void Gradient(ReadOnlySpan<double> theta, Span<double> gradient, Span<double> residual)
    {
        CheckLengths(theta.Length, residual.Length);
        if (gradient.Length != Dimension)
        {
            throw new ArgumentException($"The gradient has {gradient.Length} entries; the MLP has {Dimension} weights.", nameof(gradient));
        }

        Training.CollectionPause.Ensure(); // TorchSharp scalars and the collector: see CollectionPause
        using var scope = NewDisposeScope();
        Tensor w = Weights(theta, true);
        Tensor r = Mlp.Forward(w, _inputs) - _targets;
        using Scalar half = (0.5 / Samples).ToScalar(); // held for the call (see CollectionPause)
        Tensor loss = r.square().sum().mul_(half);
        loss.backward();
        r.detach().data<double>().CopyTo(residual);
        w.grad!.data<double>().CopyTo(gradient);
    }

    /// <summary>A fresh float64 tensor holding <paramref name="theta"/>.</summary>
    internal static Tensor Weights(ReadOnlySpan<double> theta, bool requiresGrad)
    {
        Tensor w = empty([theta.Length], ScalarType.Float64);
        theta.CopyTo(MemoryMarshal.Cast<byte, double>(w.bytes));
        return requiresGrad ? w.requires_grad_(true) : w;
    }

    private void CheckLengths(int theta, int residual)
    {
        if (theta != Dimension || residual != Samples)
        {
            throw new ArgumentException($"θ has {theta} entries and r {residual}; expected {Dimension} and {Samples}.");
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _inputs.Dispose();
        _targets.Dispose();
    }
}
