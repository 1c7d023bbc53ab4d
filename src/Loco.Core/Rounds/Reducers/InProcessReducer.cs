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
    private int _length;
    private int _workers;
    private int _next = -1;

    /// <inheritdoc />
    public void Begin(int dimension, int localWorkers)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(localWorkers);
        // Kept at its largest length, so fragments of unequal lengths (BeginSlice) do not reallocate.
        if (_sum.Length < dimension)
        {
            _sum = new T[dimension];
        }
        else if (dimension < Chunks.ParallelThreshold)
        {
            Array.Clear(_sum, 0, dimension);
        }
        else
        {
            ClearInSlices(_sum, dimension);
        }

        _length = dimension;

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

        if (pseudoGradient.Length != _length)
        {
            throw new ArgumentException($"The pseudo-gradient has {pseudoGradient.Length} entries; the round has {_length}.", nameof(pseudoGradient));
        }

        AddInto(_sum, _length, pseudoGradient);
        _next++;
    }

    /// <inheritdoc />
    public void Mean(Span<T> destination)
    {
        if (_next != _workers || _workers == 0)
        {
            throw new InvalidOperationException($"Mean after {Math.Max(_next, 0)} of {_workers} workers: every worker adds its pseudo-gradient first.");
        }

        if (destination.Length != _length)
        {
            throw new ArgumentException($"The destination has {destination.Length} entries; the round has {_length}.", nameof(destination));
        }

        DivideInto(_sum, _length, T.CreateChecked(_workers), destination);
        _next = -1;
    }

    private static void ClearInSlices(T[] sum, int length) => Chunks.For(length, (start, n) => sum.AsSpan(start, n).Clear());

    // The short paths stay allocation-free: the closures of the sliced paths live in methods of their own (a captured
    // parameter would allocate its closure on every call). Only the first length entries of sum are in use.
    private static void AddInto(T[] sum, int length, ReadOnlySpan<T> delta)
    {
        if (length < Chunks.ParallelThreshold)
        {
            Span<T> s = sum.AsSpan(0, length);
            TensorPrimitives.Add(s, delta, s);
        }
        else
        {
            AddInSlices(sum, length, delta);
        }
    }

    private static unsafe void AddInSlices(T[] sum, int length, ReadOnlySpan<T> delta)
    {
        fixed (T* d = delta)
        {
            nint at = (nint)d;
            Chunks.For(length, (start, n) =>
            {
                Span<T> s = sum.AsSpan(start, n);
                TensorPrimitives.Add(s, new ReadOnlySpan<T>((T*)at + start, n), s);
            });
        }
    }

    private static void DivideInto(T[] sum, int length, T count, Span<T> destination)
    {
        if (length < Chunks.ParallelThreshold)
        {
            TensorPrimitives.Divide(sum.AsSpan(0, length), count, destination);
        }
        else
        {
            DivideInSlices(sum, length, count, destination);
        }
    }

    private static unsafe void DivideInSlices(T[] sum, int length, T count, Span<T> destination)
    {
        fixed (T* d = destination)
        {
            nint at = (nint)d;
            Chunks.For(length, (start, n) => TensorPrimitives.Divide(sum.AsSpan(start, n), count, new Span<T>((T*)at + start, n)));
        }
    }
}
