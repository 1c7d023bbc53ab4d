using System.Numerics;

namespace Loco.Core.Rounds;

/// <summary>
/// One worker of the two-phase family: it holds fast weights f, an inner optimizer and its own data.
/// A simulated data stream and a TorchSharp model are both workers; the round does not know which.
/// </summary>
public interface IWorker<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Number of weights.</summary>
    int Dimension { get; }

    /// <summary>Starts a round: f ← s. Resets the inner optimizer's state if the worker is configured to.</summary>
    void BeginRound(ReadOnlySpan<T> global);

    /// <summary>One inner step of the inner optimizer on the worker's next minibatch.</summary>
    void InnerStep();

    /// <summary>Copies the fast weights f into <paramref name="destination"/>.</summary>
    void CopyWeights(Span<T> destination);
}

/// <summary>
/// Averages pseudo-gradients over all workers. In one process this is a division; across a cluster it is
/// an all-reduce. Either way every participant ends with the same mean.
/// </summary>
public interface IReducer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Given the sum of this participant's <paramref name="localWorkers"/> pseudo-gradients in <paramref name="buffer"/>,
    /// overwrites it with the mean over all workers of all participants.
    /// </summary>
    void Mean(Span<T> buffer, int localWorkers);
}

/// <summary>All workers live in this process: the mean is the local sum divided by the local count.</summary>
public sealed class InProcessReducer<T> : IReducer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The shared instance (the reducer has no state).</summary>
    public static InProcessReducer<T> Instance { get; } = new();

    /// <inheritdoc />
    public void Mean(Span<T> buffer, int localWorkers)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(localWorkers);
        if (localWorkers > 1)
        {
            T m = T.CreateChecked(localWorkers);
            if (buffer.Length < Chunks.ParallelThreshold)
            {
                System.Numerics.Tensors.TensorPrimitives.Divide(buffer, m, buffer);
            }
            else
            {
                DivideInSlices(buffer, m);
            }
        }
    }

    private static unsafe void DivideInSlices(Span<T> buffer, T m)
    {
        fixed (T* b = buffer)
        {
            nint at = (nint)b;
            Chunks.For(buffer.Length, (start, n) =>
            {
                var slice = new Span<T>((T*)at + start, n);
                System.Numerics.Tensors.TensorPrimitives.Divide(slice, m, slice);
            });
        }
    }
}

/// <summary>Sees the worker-averaged fast weights after each inner step (for within-round curves).</summary>
public interface IInnerStepObserver<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Called after inner step <paramref name="step"/> (1..H) of every worker, with mean_m f_m.</summary>
    void OnInnerStep(int step, ReadOnlySpan<T> meanFastWeights);
}
