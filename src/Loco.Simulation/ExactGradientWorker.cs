using Loco.Core.Rounds;

namespace Loco.Simulation;

/// <summary>
/// A worker whose inner step is exact (full-population, noiseless) gradient descent on the linear model, in error
/// coordinates: each mode's error shrinks by (1 − ηλ_i) per step, so H steps give f = (1 − μ_i) s exactly (up to rounding).
/// </summary>
public sealed class ExactGradientWorker : IFragmentWorker<double>, IReportsLoss
{
    private readonly double[] _shrink;
    private readonly double[] _lambda;
    private readonly double[] _weights;

    /// <summary>A worker on modes <paramref name="lambda"/> with inner learning rate <paramref name="innerLr"/>.</summary>
    public ExactGradientWorker(IReadOnlyList<double> lambda, double innerLr)
    {
        _shrink = [.. lambda.Select(l => 1 - innerLr * l)];
        _lambda = [.. lambda];
        _weights = new double[_shrink.Length];
    }

    /// <summary>The population risk ½ Σ λ_i f_i² of the worker's weights (noiseless: no floor), computed when read.</summary>
    public double LastLoss
    {
        get
        {
            double sum = 0;
            for (int i = 0; i < _weights.Length; i++)
            {
                sum += _lambda[i] * _weights[i] * _weights[i];
            }

            return 0.5 * sum;
        }
    }

    /// <inheritdoc />
    public int Dimension => _weights.Length;

    /// <inheritdoc />
    public void BeginRound(ReadOnlySpan<double> global) => global.CopyTo(_weights);

    /// <inheritdoc />
    public void InnerStep()
    {
        // e ← e − η ∇R(e) = e − η λ e, mode by mode.
        for (int i = 0; i < _weights.Length; i++)
        {
            _weights[i] *= _shrink[i];
        }
    }

    /// <inheritdoc />
    public void CopyWeights(Span<double> destination) => _weights.CopyTo(destination);

    /// <inheritdoc />
    public void ContinueRound()
    {
    }

    /// <inheritdoc />
    public void CopyWeights(int start, Span<double> destination) => _weights.AsSpan(start, destination.Length).CopyTo(destination);

    /// <inheritdoc />
    public void SetWeights(int start, ReadOnlySpan<double> values) => values.CopyTo(_weights.AsSpan(start, values.Length));
}
