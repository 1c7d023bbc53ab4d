using System.Numerics.Tensors;
using Loco.Core.Numerics;
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
/// <remarks>
/// With S sub-batches the B samples of a step are drawn as S blocks of B/S, block j from its own stream
/// (stream + j), each in the order a worker with batch B/S on that stream would draw them (ε for the block, then z
/// sample by sample). One worker at batch M·B with S = M then sees exactly the samples of M workers at batch B whose
/// streams are stream, stream + 1, …: common random numbers for comparing the two.
/// </remarks>
public sealed class LinearRegressionWorker : IFragmentWorker<double>, IReportsLoss
{
    // Samples are drawn a chunk of rows at a time (at most this many values, 128 KiB of floats: in L2), so the
    // gradient takes one pass over D per chunk instead of one per sample.
    private const int ChunkValues = 32 * 1024;

    private readonly LinearRegressionProblem _problem;
    private readonly IInnerOptimizer<double> _optimizer;
    private readonly GaussianStream[] _streams;
    private readonly int _subBatch;
    private readonly bool _resetInnerState;
    private readonly double[] _weights;
    private readonly double[] _scaledError;
    private readonly double[] _negScaledTarget;
    private readonly double[] _gradientScale;
    private readonly double[] _gradient;
    private readonly int _rowsPerChunk;
    private readonly float[] _z;
    private readonly double[] _residuals;
    private readonly double[] _epsilon;

    /// <summary>Creates a worker with its own data stream (<paramref name="seed"/>, <paramref name="stream"/>).</summary>
    public LinearRegressionWorker(LinearRegressionProblem problem, InnerOptimizer inner, int batchSize, bool resetInnerState, ulong seed, ulong stream)
        : this(problem, inner, batchSize, resetInnerState, seed, stream, subBatches: 1)
    {
    }

    /// <summary>
    /// Creates a worker whose minibatch of <paramref name="batchSize"/> samples is <paramref name="subBatches"/> blocks
    /// of batchSize / subBatches, block j read from stream (<paramref name="seed"/>, <paramref name="stream"/> + j).
    /// </summary>
    public LinearRegressionWorker(LinearRegressionProblem problem, InnerOptimizer inner, int batchSize, bool resetInnerState, ulong seed, ulong stream, int subBatches)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(subBatches);
        if (batchSize % subBatches != 0)
        {
            throw new ArgumentException($"The batch size {batchSize} is not divisible by the number of sub-batches {subBatches}.", nameof(subBatches));
        }

        _problem = problem;
        _subBatch = batchSize / subBatches;
        _resetInnerState = resetInnerState;
        _optimizer = inner.Create<double>(problem.Dimension);
        _streams = new GaussianStream[subBatches];
        for (int j = 0; j < subBatches; j++)
        {
            _streams[j] = new GaussianStream(seed, stream + (ulong)j);
        }

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
        _rowsPerChunk = Math.Clamp(ChunkValues / d, 1, _subBatch);
        _z = new float[_rowsPerChunk * d];
        _residuals = new double[_rowsPerChunk];
        _epsilon = new double[_subBatch];
    }

    /// <inheritdoc />
    public int Dimension => _problem.Dimension;

    /// <summary>The fast weights f.</summary>
    public ReadOnlySpan<double> Weights => _weights;

    /// <summary>The minibatch loss ½ mean_b r_b² of the last inner step, at the weights before that step (NaN before the first).</summary>
    public double LastLoss { get; private set; } = double.NaN;

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

        // The samples of a block in chunks of rows: draw the chunk's z (floats: the generator's values, exactly), then each
        // row's residual, then add Σ_b r_b z_b to the gradient in one pass. The bits are those of taking the samples one
        // at a time (residual, then gradient += r_b z_b), in the same order, on every CPU.
        Array.Clear(_gradient);
        double noise = _problem.Noise, squares = 0;
        int samples = 0, d = _problem.Dimension;
        foreach (GaussianStream rng in _streams)
        {
            rng.Fill(_epsilon);
            for (int first = 0; first < _subBatch; first += _rowsPerChunk)
            {
                int rows = Math.Min(_rowsPerChunk, _subBatch - first);
                Span<float> z = _z.AsSpan(0, rows * d);
                rng.Fill(z);
                for (int b = 0; b < rows; b++)
                {
                    double residual = FixedOrder.Dot(z.Slice(b * d, d), _scaledError) - noise * _epsilon[first + b];
                    _residuals[b] = residual;
                    squares += residual * residual;
                    samples++;
                }

                FixedOrder.AddWeightedRows(z, _residuals.AsSpan(0, rows), _gradient);
            }
        }

        LastLoss = 0.5 * squares / samples;

        // g = √λ ⊙ (Σ_b r_b z_b) / B
        TensorPrimitives.Multiply(_gradient, _gradientScale, _gradient);
        _optimizer.Step(_weights, _gradient);
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
