using System.Numerics.Tensors;
using Loco.Core.Optimizers;
using Loco.Core.Problems;
using Loco.Core.Random;
using Loco.Core.Rounds;

namespace Loco.Simulation;

/// <summary>
/// A worker whose data is a fresh stream of Gaussian linear-regression samples. One inner step draws B samples
/// x_b = √λ ⊙ z_b, y_b = x_b·θ* + σε_b and applies the inner optimizer to the minibatch gradient
/// (1/B) Σ_b x_b (x_b·f − y_b) = √λ ⊙ (1/B) Σ_b z_b r_b with r_b = z_b·(√λ ⊙ (f − θ*)) − σε_b.
/// </summary>
public sealed class LinearRegressionWorker : IWorker<double>
{
    private readonly LinearRegressionProblem _problem;
    private readonly IInnerOptimizer<double> _optimizer;
    private readonly GaussianStream _rng;
    private readonly int _batch;
    private readonly bool _resetInnerState;
    private readonly double[] _weights;
    private readonly double[] _scaledError;
    private readonly double[] _negScaledTarget;
    private readonly double[] _gradientScale;
    private readonly double[] _gradient;
    private readonly double[] _z;
    private readonly double[] _epsilon;

    /// <summary>Creates a worker with its own data stream (<paramref name="seed"/>, <paramref name="stream"/>).</summary>
    public LinearRegressionWorker(LinearRegressionProblem problem, InnerOptimizer inner, int batchSize, bool resetInnerState, ulong seed, ulong stream)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        _problem = problem;
        _batch = batchSize;
        _resetInnerState = resetInnerState;
        _optimizer = inner.Create<double>(problem.Dimension);
        _rng = new GaussianStream(seed, stream);
        int d = problem.Dimension;
        _weights = new double[d];
        _scaledError = new double[d];

        // Precomputed so each step makes one pass for u and one for g: u = f ⊙ √λ − √λ ⊙ θ*, g = w ⊙ (√λ / B).
        _negScaledTarget = new double[d];
        TensorPrimitives.Multiply(problem.SqrtLambda, problem.ThetaStar, _negScaledTarget);
        TensorPrimitives.Negate(_negScaledTarget, _negScaledTarget);
        _gradientScale = new double[d];
        TensorPrimitives.Multiply(problem.SqrtLambda, 1.0 / batchSize, _gradientScale);
        _gradient = new double[d];
        _z = new double[d];
        _epsilon = new double[batchSize];
    }

    /// <inheritdoc />
    public int Dimension => _problem.Dimension;

    /// <summary>The fast weights f.</summary>
    public ReadOnlySpan<double> Weights => _weights;

    /// <inheritdoc />
    public void BeginRound(ReadOnlySpan<double> global)
    {
        global.CopyTo(_weights);
        if (_resetInnerState)
        {
            _optimizer.Reset();
        }
    }

    /// <inheritdoc />
    public void InnerStep()
    {
        // u = √λ ⊙ (f − θ*)
        TensorPrimitives.MultiplyAdd(_weights, _problem.SqrtLambda, _negScaledTarget, _scaledError);

        // One sample at a time, so its D draws are still in cache for the dot product and the update.
        _rng.Fill(_epsilon);
        Array.Clear(_gradient);
        double noise = _problem.Noise;
        for (int b = 0; b < _batch; b++)
        {
            _rng.Fill(_z);
            double residual = TensorPrimitives.Dot(_z, _scaledError) - noise * _epsilon[b];
            TensorPrimitives.MultiplyAdd(_z, residual, _gradient, _gradient);
        }

        // g = √λ ⊙ (Σ_b r_b z_b) / B
        TensorPrimitives.Multiply(_gradient, _gradientScale, _gradient);
        _optimizer.Step(_weights, _gradient);
    }

    /// <inheritdoc />
    public void CopyWeights(Span<double> destination) => _weights.CopyTo(destination);
}
