using System.Numerics;
using System.Numerics.Tensors;

namespace Loco.Core.Optimizers;

/// <summary>w ← w − η (g + λ w): torch.optim.SGD without momentum (λ is coupled L2 weight decay).</summary>
public sealed class SgdOptimizer<T>(double learningRate, double weightDecay = 0.0) : IInnerOptimizer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc />
    public double LearningRate { get; set; } = learningRate;

    /// <summary>Coupled L2 weight decay.</summary>
    public double WeightDecay { get; } = weightDecay;

    /// <inheritdoc />
    public void Step(Span<T> weights, ReadOnlySpan<T> gradient)
    {
        T lr = T.CreateChecked(LearningRate);
        if (WeightDecay != 0)
        {
            // w − η(g + λw) = (1 − ηλ) w − η g
            TensorPrimitives.Multiply(weights, T.One - lr * T.CreateChecked(WeightDecay), weights);
        }

        TensorPrimitives.MultiplyAdd(gradient, -lr, weights, weights);
    }

    /// <inheritdoc />
    public void Reset()
    {
    }
}

/// <summary>
/// torch.optim.SGD with momentum μ and dampening 0: b ← μ b + g (b = g at the first step), then
/// w ← w − η b (heavy-ball) or w ← w − η (g + μ b) (Nesterov). Weight decay is coupled L2.
/// </summary>
public sealed class MomentumOptimizer<T> : IInnerOptimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _buffer;
    private readonly T[] _gradient;

    /// <summary>Creates the optimizer with a zero momentum buffer.</summary>
    public MomentumOptimizer(int dimension, double learningRate, double momentum, bool nesterov, double weightDecay = 0.0)
    {
        _buffer = new T[dimension];
        _gradient = weightDecay != 0 ? new T[dimension] : [];
        LearningRate = learningRate;
        Momentum = momentum;
        Nesterov = nesterov;
        WeightDecay = weightDecay;
    }

    /// <inheritdoc />
    public double LearningRate { get; set; }

    /// <summary>μ.</summary>
    public double Momentum { get; }

    /// <summary>Nesterov's look-ahead form.</summary>
    public bool Nesterov { get; }

    /// <summary>Coupled L2 weight decay.</summary>
    public double WeightDecay { get; }

    /// <inheritdoc />
    public void Step(Span<T> weights, ReadOnlySpan<T> gradient)
    {
        T lr = T.CreateChecked(LearningRate);
        T mu = T.CreateChecked(Momentum);
        ReadOnlySpan<T> g = gradient;
        if (WeightDecay != 0)
        {
            TensorPrimitives.MultiplyAdd(weights, T.CreateChecked(WeightDecay), gradient, _gradient);
            g = _gradient;
        }

        // Starting from b = 0, μ·0 + g = g reproduces PyTorch's "b = g at the first step".
        TensorPrimitives.MultiplyAdd(_buffer, mu, g, _buffer);
        if (Nesterov)
        {
            TensorPrimitives.MultiplyAdd(g, -lr, weights, weights);
            TensorPrimitives.MultiplyAdd(_buffer, -(lr * mu), weights, weights);
        }
        else
        {
            TensorPrimitives.MultiplyAdd(_buffer, -lr, weights, weights);
        }
    }

    /// <inheritdoc />
    public void Reset() => Array.Clear(_buffer);
}

/// <summary>
/// torch.optim.AdamW: w ← w(1 − ηλ); m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
/// w ← w − (η / (1 − β₁ᵗ)) m / (√v / √(1 − β₂ᵗ) + ε).
/// </summary>
public sealed class AdamWOptimizer<T> : IInnerOptimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _m;
    private readonly T[] _v;

    /// <summary>Creates the optimizer with zero moment estimates.</summary>
    public AdamWOptimizer(int dimension, double learningRate = 1e-3, double weightDecay = 1e-2, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        _m = new T[dimension];
        _v = new T[dimension];
        LearningRate = learningRate;
        WeightDecay = weightDecay;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    /// <inheritdoc />
    public double LearningRate { get; set; }

    /// <summary>Decoupled weight decay λ.</summary>
    public double WeightDecay { get; }

    /// <summary>β₁.</summary>
    public double Beta1 { get; }

    /// <summary>β₂.</summary>
    public double Beta2 { get; }

    /// <summary>ε.</summary>
    public double Epsilon { get; }

    /// <summary>Steps taken since creation or the last reset (t).</summary>
    public long StepCount { get; private set; }

    /// <inheritdoc />
    public void Step(Span<T> weights, ReadOnlySpan<T> gradient)
    {
        StepCount++;
        T lr = T.CreateChecked(LearningRate);
        T b1 = T.CreateChecked(Beta1);
        T b2 = T.CreateChecked(Beta2);
        T eps = T.CreateChecked(Epsilon);
        T decay = T.One - lr * T.CreateChecked(WeightDecay);
        T stepSize = lr / (T.One - T.CreateChecked(Math.Pow(Beta1, StepCount)));
        T bc2Sqrt = T.Sqrt(T.One - T.CreateChecked(Math.Pow(Beta2, StepCount)));
        T oneMinusB1 = T.One - b1;
        T oneMinusB2 = T.One - b2;
        Span<T> m = _m;
        Span<T> v = _v;
        for (int i = 0; i < weights.Length; i++)
        {
            T g = gradient[i];
            T w = weights[i] * decay;
            T mi = m[i] * b1 + oneMinusB1 * g;
            T vi = v[i] * b2 + oneMinusB2 * g * g;
            m[i] = mi;
            v[i] = vi;
            weights[i] = w - stepSize * mi / (T.Sqrt(vi) / bc2Sqrt + eps);
        }
    }

    /// <inheritdoc />
    public void Reset()
    {
        Array.Clear(_m);
        Array.Clear(_v);
        StepCount = 0;
    }
}
