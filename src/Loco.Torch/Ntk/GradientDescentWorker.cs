using System.Numerics.Tensors;
using Loco.Core.Rounds;

namespace Loco.Torch.Ntk;

/// <summary>
/// The one worker (M = 1) of the NTK toy: full-batch gradient descent θ ← θ − η ∇L(θ) on a regression model, so the
/// round of <see cref="TwoPhaseRound{T}"/> sees H exact GD steps. A non-finite loss stops the run with <see cref="DivergedException"/>.
/// </summary>
public sealed class GradientDescentWorker : IWorker<double>
{
    private readonly IRegressionModel _model;
    private readonly double[] _weights;
    private readonly double[] _gradient;
    private readonly double[] _residual;

    /// <summary>Gradient descent with step <paramref name="innerLr"/> on <paramref name="model"/>.</summary>
    public GradientDescentWorker(IRegressionModel model, double innerLr)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!double.IsFinite(innerLr) || innerLr <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(innerLr), innerLr, "The inner learning rate must be a positive finite number.");
        }

        _model = model;
        InnerLr = innerLr;
        _weights = new double[model.Dimension];
        _gradient = new double[model.Dimension];
        _residual = new double[model.Samples];
    }

    /// <summary>η.</summary>
    public double InnerLr { get; }

    /// <inheritdoc />
    public int Dimension => _model.Dimension;

    /// <inheritdoc />
    public void BeginRound(ReadOnlySpan<double> global) => global.CopyTo(_weights);

    /// <inheritdoc />
    public void InnerStep()
    {
        _model.Gradient(_weights, _gradient, _residual);
        if (!double.IsFinite(SquaredLoss.Of(_residual)))
        {
            throw new DivergedException();
        }

        TensorPrimitives.MultiplyAdd(_gradient, -InnerLr, _weights, _weights);
    }

    /// <inheritdoc />
    public void CopyWeights(Span<double> destination) => _weights.CopyTo(destination);

    /// <summary>The loss stopped being finite during an inner step.</summary>
    public sealed class DivergedException() : Exception("The training loss is no longer finite.");
}
