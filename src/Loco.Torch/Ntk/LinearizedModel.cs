using System.Numerics.Tensors;

namespace Loco.Torch.Ntk;

/// <summary>
/// The MLP linearised at θ₀: f_lin(θ) = f(θ₀) + J (θ − θ₀), with J the Jacobian at θ₀. Its full-batch gradient step
/// moves the residual exactly by r ← (I − ηK) r with K = J Jᵀ / n, the empirical NTK.
/// </summary>
public sealed class LinearizedModel : IRegressionModel
{
    private readonly double[] _jacobian;
    private readonly double[] _theta0;
    private readonly double[] _offset;
    private readonly double[] _step;

    /// <summary>The linearisation with Jacobian <paramref name="jacobian"/> (n × P, row-major) at <paramref name="theta0"/>, where the outputs are <paramref name="outputs0"/> and the targets <paramref name="targets"/>.</summary>
    public LinearizedModel(double[] jacobian, double[] theta0, ReadOnlySpan<double> outputs0, ReadOnlySpan<double> targets)
    {
        ArgumentNullException.ThrowIfNull(jacobian);
        ArgumentNullException.ThrowIfNull(theta0);
        if (outputs0.Length != targets.Length || jacobian.Length != targets.Length * theta0.Length)
        {
            throw new ArgumentException($"J has {jacobian.Length} entries; expected n × P = {targets.Length} × {theta0.Length}.");
        }

        _jacobian = jacobian;
        _theta0 = theta0;
        _offset = new double[targets.Length];
        TensorPrimitives.Subtract(outputs0, targets, _offset); // r(θ₀) = f(θ₀) − y
        _step = new double[theta0.Length];
        Samples = targets.Length;
        Dimension = theta0.Length;
    }

    /// <inheritdoc />
    public int Dimension { get; }

    /// <inheritdoc />
    public int Samples { get; }

    /// <summary>J (n × P, row-major).</summary>
    public ReadOnlySpan<double> JacobianMatrix => _jacobian;

    /// <inheritdoc />
    public void Residual(ReadOnlySpan<double> theta, Span<double> residual)
    {
        if (theta.Length != Dimension || residual.Length != Samples)
        {
            throw new ArgumentException($"θ has {theta.Length} entries and r {residual.Length}; expected {Dimension} and {Samples}.");
        }

        // r = f(θ₀) − y + J (θ − θ₀)
        TensorPrimitives.Subtract(theta, _theta0, _step);
        for (int j = 0; j < Samples; j++)
        {
            residual[j] = _offset[j] + TensorPrimitives.Dot(_jacobian.AsSpan(j * Dimension, Dimension), _step);
        }
    }

    /// <inheritdoc />
    public void Gradient(ReadOnlySpan<double> theta, Span<double> gradient, Span<double> residual)
    {
        Residual(theta, residual);
        // ∇L = Jᵀ r / n
        gradient.Clear();
        for (int j = 0; j < Samples; j++)
        {
            TensorPrimitives.MultiplyAdd(_jacobian.AsSpan(j * Dimension, Dimension), residual[j] / Samples, gradient, gradient);
        }
    }
}
