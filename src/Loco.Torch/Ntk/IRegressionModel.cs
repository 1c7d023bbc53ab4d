namespace Loco.Torch.Ntk;

/// <summary>
/// A model trained on a fixed regression set with the squared loss L(θ) = (1/2n) Σ_j (f(x_j; θ) − y_j)²:
/// it gives the residual r = f(θ) − y and the full-batch gradient ∇L = Jᵀ r / n.
/// </summary>
public interface IRegressionModel
{
    /// <summary>P, the number of weights.</summary>
    int Dimension { get; }

    /// <summary>n, the number of samples.</summary>
    int Samples { get; }

    /// <summary>r = f(θ) − y into <paramref name="residual"/> (length n).</summary>
    void Residual(ReadOnlySpan<double> theta, Span<double> residual);

    /// <summary>∇L(θ) into <paramref name="gradient"/> (length P), and the residual r = f(θ) − y into <paramref name="residual"/>.</summary>
    void Gradient(ReadOnlySpan<double> theta, Span<double> gradient, Span<double> residual);
}

/// <summary>The loss of a residual: ‖r‖² / 2n.</summary>
public static class SquaredLoss
{
    /// <summary>‖r‖² / 2n.</summary>
    public static double Of(ReadOnlySpan<double> residual) =>
        System.Numerics.Tensors.TensorPrimitives.SumOfSquares(residual) / (2.0 * residual.Length);
}
