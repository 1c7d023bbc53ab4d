using System.Numerics;
using System.Numerics.Tensors;

namespace Loco.Core.Rounds.Reducers;

/// <summary>
/// All workers live in this process: Δ_0 + Δ_1 + … summed in the order <see cref="Add"/> is called (worker-index order,
/// which it checks), then divided by the count. Long vectors are summed in slices across cores, element by element, so
/// the bits are the same as one pass. Holds one D-long accumulator; not thread-safe (one round uses one reducer).
/// </summary>
public sealed class InProcessReducer<T> : IReducer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[] _sum = [];
    private int _workers;
    private int _next = -1;

    /// <inheritdoc />
    public void Begin(int dimension, int localWorkers)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(localWorkers);
        if (_sum.Length != dimension)
        {
            _sum = new T[dimension];
        }
        else if (dimension < Chunks.ParallelThreshold)
        {
            Array.Clear(_sum);
        }
        else
        {
            ClearInSlices(_sum);
        }

        _workers = localWorkers;
        _next = 0;
    }

    /// <inheritdoc />
    public void Add(int worker, ReadOnlySpan<T> pseudoGradient)
    {
        if (_next < 0)
        {
            throw new InvalidOperationException("Add before Begin: a round's reduction starts with Begin.");
        }

        if (worker != _next || worker >= _workers)
        {
            throw new InvalidOperationException($"Worker {worker} added out of order: expected worker {_next} of {_workers} (the sum runs in worker-index order).");
        }

        if (pseudoGradient.Length != _sum.Length)
        {
            throw new ArgumentException($"The pseudo-gradient has {pseudoGradient.Length} entries; the round has {_sum.Length}.", nameof(pseudoGradient));
        }

        AddInto(_sum, pseudoGradient);
        _next++;
    }

    /// <inheritdoc />
    public void Mean(Span<T> destination)
    {
        if (_next != _workers || _workers == 0)
        {
            throw new InvalidOperationException($"Mean after {Math.Max(_next, 0)} of {_workers} workers: every worker adds its pseudo-gradient first.");
        }

        if (destination.Length != _sum.Length)
        {
            throw new ArgumentException($"The destination has {destination.Length} entries; the round has {_sum.Length}.", nameof(destination));
        }

        DivideInto(_sum, T.CreateChecked(_workers), destination);
        _next = -1;
    }

    private static void ClearInSlices(T[] sum) => Chunks.For(sum.Length, (start, n) => sum.AsSpan(start, n).Clear());

    // The short paths stay allocation-free: the closures of the sliced paths live in methods of their own (a captured
    // parameter would allocate its closure on every call).
    private static void AddInto(T[] sum, ReadOnlySpan<T> delta)
    {
        if (sum.Length < Chunks.ParallelThreshold)
        {
            TensorPrimitives.Add(sum, delta, sum);
        }
        else
        {
            AddInSlices(sum, delta);
        }
    }

    private static unsafe void AddInSlices(T[] sum, ReadOnlySpan<T> delta)
    {
        fixed (T* d = delta)
        {
            nint at = (nint)d;
            Chunks.For(sum.Length, (start, n) =>
            {
                Span<T> s = sum.AsSpan(start, n);
                TensorPrimitives.Add(s, new ReadOnlySpan<T>((T*)at + start, n), s);
            });
        }
    }

    private static void DivideInto(T[] sum, T count, Span<T> destination)
    {
        if (sum.Length < Chunks.ParallelThreshold)
        {
            TensorPrimitives.Divide(sum, count, destination);
        }
        else
        {
            DivideInSlices(sum, count, destination);
        }
    }

    private static unsafe void DivideInSlices(T[] sum, T count, Span<T> destination)
    {
        fixed (T* d = destination)
        {
            nint at = (nint)d;
            Chunks.For(sum.Length, (start, n) => TensorPrimitives.Divide(sum.AsSpan(start, n), count, new Span<T>((T*)at + start, n)));
        }
    }
}
