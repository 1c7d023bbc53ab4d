using static TorchSharp.torch;

namespace Loco.Torch.Ntk;

/// <summary>The Jacobian J_{jp} = ∂f(x_j; θ)/∂θ_p of an MLP's outputs, by autograd: one backward pass per sample.</summary>
public static class Jacobian
{
    /// <summary>J at <paramref name="theta"/>, row-major n × P.</summary>
    public static double[] Of(MlpModel model, ReadOnlySpan<double> theta)
    {
        ArgumentNullException.ThrowIfNull(model);
        int n = model.Samples;
        int p = model.Dimension;
        var jacobian = new double[n * p];
        Training.CollectionPause.Ensure(); // TorchSharp scalars and the collector: see CollectionPause
        using var scope = NewDisposeScope();
        Tensor w = MlpModel.Weights(theta, true);
        using Tensor inputs = tensor(model.Data.Inputs, [n, model.Data.InputDim], ScalarType.Float64);
        Tensor f = model.Mlp.Forward(w, inputs);
        for (int j = 0; j < n; j++)
        {
            Tensor g = autograd.grad([f[j]], [w], retain_graph: j < n - 1)[0];
            g.data<double>().CopyTo(jacobian.AsSpan(j * p, p));
        }

        return jacobian;
    }
}
