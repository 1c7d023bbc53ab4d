using System.Numerics;

namespace Loco.Core.Optimizers;

/// <summary>An inner (worker-side) optimizer on flat weights. Implementations allocate their state once, never per step.</summary>
public interface IInnerOptimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The learning rate used by the next step (a schedule may change it between steps).</summary>
    double LearningRate { get; set; }

    /// <summary>Updates <paramref name="weights"/> in place from <paramref name="gradient"/>.</summary>
    void Step(Span<T> weights, ReadOnlySpan<T> gradient);

    /// <summary>Forgets all state (momentum buffers, moment estimates, step count).</summary>
    void Reset();
}
