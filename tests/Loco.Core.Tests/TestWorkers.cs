using Loco.Core.Optimizers;
using Loco.Core.Rounds;

namespace Loco.Core.Tests;

/// <summary>
/// A worker on the diagonal quadratic ½ Σ λ_i (w_i − t_i)², whose gradient is λ ⊙ (w − t) plus, if asked, a
/// perturbation drawn from its own System.Random sequence (independent of Loco's generators). The same
/// perturbation sequence can be replayed by hand in a test.
/// </summary>
internal sealed class QuadraticWorker : IWorker<double>
{
    private readonly double[] _lambda;
    private readonly double[] _target;
    private readonly double _noise;
    private readonly System.Random _random;
    private readonly IInnerOptimizer<double> _optimizer;
    private readonly double[] _weights;
    private readonly double[] _gradient;
    private readonly bool _reset;

    public QuadraticWorker(double[] lambda, double[] target, InnerOptimizer inner, double noise = 0, int seed = 0, bool reset = false)
    {
        _lambda = lambda;
        _target = target;
        _noise = noise;
        _random = new System.Random(seed);
        _optimizer = inner.Create<double>(lambda.Length);
        _weights = new double[lambda.Length];
        _gradient = new double[lambda.Length];
        _reset = reset;
    }

    public int Dimension => _lambda.Length;

    public double[] Weights => _weights;

    public void BeginRound(ReadOnlySpan<double> global)
    {
        global.CopyTo(_weights);
        if (_reset)
        {
            _optimizer.Reset();
        }
    }

    public void InnerStep()
    {
        Gradient(_lambda, _target, _weights, _noise, _random, _gradient);
        _optimizer.Step(_weights, _gradient);
    }

    public void CopyWeights(Span<double> destination) => _weights.CopyTo(destination);

    /// <summary>The gradient this worker uses, for replaying by hand.</summary>
    public static void Gradient(double[] lambda, double[] target, double[] w, double noise, System.Random random, double[] g)
    {
        for (int i = 0; i < w.Length; i++)
        {
            g[i] = lambda[i] * (w[i] - target[i]) + (noise > 0 ? noise * (random.NextDouble() - 0.5) : 0);
        }
    }
}

internal static class Assertions
{
    public static void Close(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double relative)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 0;
        foreach (double x in expected)
        {
            scale = Math.Max(scale, Math.Abs(x));
        }

        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(expected[i] - actual[i]);
            Assert.True(error <= relative * Math.Max(scale, 1e-300), $"entry {i}: expected {expected[i]:R}, got {actual[i]:R} (error {error:G3}, allowed {relative * scale:G3})");
        }
    }
}
