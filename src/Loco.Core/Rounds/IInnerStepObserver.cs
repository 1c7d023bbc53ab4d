using System.Numerics;

namespace Loco.Core.Rounds;

/// <summary>Sees the worker-averaged fast weights after each inner step (for within-round curves).</summary>
public interface IInnerStepObserver<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Called after inner step <paramref name="step"/> (1..H) of every worker, with mean_m f_m.</summary>
    void OnInnerStep(int step, ReadOnlySpan<T> meanFastWeights);
}
