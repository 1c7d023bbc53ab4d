using System.Numerics;
using System.Numerics.Tensors;

namespace Loco.Core.Optimizers;

/// <summary>
/// The outer optimizer of the two-phase family, written once for every backend: a small immutable value
/// (kind, form, learning rate, momentum, restart schedule) whose <see cref="Step{T}"/> moves flat global
/// weights by the averaged pseudo-gradient Δ = s − mean_m f_m. Build one with <see cref="Outer"/>.
/// </summary>
/// <param name="Kind">Plain, heavy-ball or Nesterov.</param>
/// <param name="Form">PyTorch or EMA parameterisation (ignored for <see cref="OuterKind.None"/>).</param>
/// <param name="LearningRate">α in the PyTorch form, ν in the EMA form.</param>
/// <param name="Momentum">β, in [0, 1).</param>
/// <param name="Restart">When the momentum buffer is reset.</param>
public sealed record OuterOptimizer(OuterKind Kind, OuterForm Form, double LearningRate, double Momentum, RestartSchedule Restart)
{
    /// <summary>The same optimizer with its momentum reset every <paramref name="every"/> completed rounds (0 = never).</summary>
    public OuterOptimizer WithRestart(int every) => this with { Restart = RestartSchedule.Every(every) };

    /// <summary>The same optimizer with another restart schedule.</summary>
    public OuterOptimizer WithRestart(RestartSchedule schedule) => this with { Restart = schedule };

    /// <summary>
    /// The learning rate of the PyTorch form that makes the same steps: α = ν(1 − β) for the EMA form.
    /// </summary>
    public double EquivalentPyTorchLearningRate =>
        Form == OuterForm.Ema && Kind != OuterKind.None ? LearningRate * (1 - Momentum) : LearningRate;

    /// <summary>Fresh state (zero momentum, zero rounds) for <paramref name="dimension"/> parameters.</summary>
    public OuterState<T> Init<T>(int dimension) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        return new OuterState<T>(dimension);
    }

    /// <summary>
    /// One outer step: moves <paramref name="global"/> by the averaged pseudo-gradient <paramref name="delta"/>,
    /// updates the momentum, counts the round and applies the restart schedule. Allocation-free.
    /// </summary>
    public void Step<T>(Span<T> global, ReadOnlySpan<T> delta, OuterState<T> state) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (global.Length != delta.Length || global.Length != state.Momentum.Length)
        {
            throw new ArgumentException($"Dimension mismatch: global {global.Length}, delta {delta.Length}, momentum {state.Momentum.Length}.");
        }

        Apply(global, delta, state.Momentum);
        Advance(state);
    }

    /// <summary>
    /// The arithmetic of one outer step on (a slice of) the weights and momentum, without counting the round: element by
    /// element, so disjoint slices may be moved separately (in parallel) and give the same result as one call. Follow it
    /// with one <see cref="Advance{T}"/> per round.
    /// </summary>
    public void Apply<T>(Span<T> global, ReadOnlySpan<T> delta, Span<T> v) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (global.Length != delta.Length || global.Length != v.Length)
        {
            throw new ArgumentException($"Dimension mismatch: global {global.Length}, delta {delta.Length}, momentum {v.Length}.");
        }

        T lr = T.CreateChecked(LearningRate);
        T beta = T.CreateChecked(Momentum);
        switch (Kind, Form)
        {
            case (OuterKind.None, _):
                // s ← s − α Δ
                TensorPrimitives.MultiplyAdd(delta, -lr, global, global);
                break;
            case (OuterKind.HeavyBall, OuterForm.PyTorch):
                // v ← β v + Δ;  s ← s − α v
                TensorPrimitives.MultiplyAdd(v, beta, delta, v);
                TensorPrimitives.MultiplyAdd(v, -lr, global, global);
                break;
            case (OuterKind.Nesterov, OuterForm.PyTorch):
                // v ← β v + Δ;  s ← s − α (Δ + β v)
                TensorPrimitives.MultiplyAdd(v, beta, delta, v);
                TensorPrimitives.MultiplyAdd(delta, -lr, global, global);
                TensorPrimitives.MultiplyAdd(v, -(lr * beta), global, global);
                break;
            case (OuterKind.HeavyBall, OuterForm.Ema):
                // m ← β m + (1 − β) Δ;  s ← s − ν m
                TensorPrimitives.Multiply(v, beta, v);
                TensorPrimitives.MultiplyAdd(delta, T.One - beta, v, v);
                TensorPrimitives.MultiplyAdd(v, -lr, global, global);
                break;
            case (OuterKind.Nesterov, OuterForm.Ema):
                // m' ← β m + (1 − β) Δ;  s ← s − ν((1 + β) m' − β m) = s − ν(β² m + (1 − β²) Δ);  m ← m'
                TensorPrimitives.MultiplyAdd(v, -(lr * beta * beta), global, global);
                TensorPrimitives.MultiplyAdd(delta, -(lr * (T.One - beta * beta)), global, global);
                TensorPrimitives.Multiply(v, beta, v);
                TensorPrimitives.MultiplyAdd(delta, T.One - beta, v, v);
                break;
            default:
                throw new InvalidOperationException($"Unknown outer kind {Kind} / form {Form}.");
        }
    }

    /// <summary>Counts a completed round and applies the restart schedule (resets the momentum when it says so).</summary>
    public void Advance<T>(OuterState<T> state) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(state);
        state.CompletedRounds++;
        state.RoundsSinceRestart++;
        if (Restart.ShouldRestart(new RestartContext(state.CompletedRounds, state.RoundsSinceRestart)))
        {
            ResetMomentum(state);
        }
    }

    /// <summary>Sets the momentum buffer to zero (a restart), leaving the weights alone.</summary>
    public static void ResetMomentum<T>(OuterState<T> state) where T : unmanaged
    {
        Array.Clear(state.Momentum);
        state.RoundsSinceRestart = 0;
        state.Restarts++;
    }

    /// <inheritdoc />
    public override string ToString()
    {
        string core = Kind switch
        {
            OuterKind.None => $"plain(lr={LearningRate:G4})",
            _ => $"{(Kind == OuterKind.HeavyBall ? "heavy-ball" : "nesterov")}[{(Form == OuterForm.Ema ? "ema" : "pytorch")}](lr={LearningRate:G4}, momentum={Momentum:G4})",
        };
        return Restart is NeverRestart ? core : $"{core}, restart {Restart}";
    }
}

/// <summary>Builders for outer optimizers, in the spirit of optax: <c>Outer.Nesterov(0.7, 0.9).WithRestart(every: 3)</c>.</summary>
public static class Outer
{
    /// <summary>s ← s − α Δ. With α = 1 every worker-average is taken as is (Lookahead with α = 1 is plain local SGD).</summary>
    public static OuterOptimizer Plain(double learningRate = 1.0) =>
        Create(OuterKind.None, OuterForm.PyTorch, learningRate, 0.0);

    /// <summary>Heavy-ball outer momentum.</summary>
    public static OuterOptimizer HeavyBall(double learningRate, double momentum, OuterForm form = OuterForm.PyTorch) =>
        Create(OuterKind.HeavyBall, form, learningRate, momentum);

    /// <summary>Nesterov outer momentum (DiLoCo's outer optimizer; customary α = 0.7, β = 0.9).</summary>
    public static OuterOptimizer Nesterov(double learningRate = 0.7, double momentum = 0.9, OuterForm form = OuterForm.PyTorch) =>
        Create(OuterKind.Nesterov, form, learningRate, momentum);

    /// <summary>Any member, validated.</summary>
    public static OuterOptimizer Create(OuterKind kind, OuterForm form, double learningRate, double momentum, int restartPeriod = 0)
    {
        if (!double.IsFinite(learningRate) || learningRate <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The outer learning rate must be a positive finite number.");
        }

        if (!double.IsFinite(momentum) || momentum < 0 || momentum >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "The outer momentum must lie in [0, 1).");
        }

        if (kind == OuterKind.None && momentum != 0)
        {
            throw new ArgumentException("A plain outer step (kind none) has no momentum; set momentum to 0 or choose heavy-ball or nesterov.", nameof(momentum));
        }

        return new OuterOptimizer(kind, form, learningRate, momentum, RestartSchedule.Every(restartPeriod));
    }
}
