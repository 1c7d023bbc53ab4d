using System.Numerics;
using System.Numerics.Tensors;
using Loco.Core.Optimizers;

namespace Loco.Core.Rounds;

/// <summary>
/// The round of the two-phase family, written once for every backend (DESIGN.md §1):
/// every worker starts from the global weights s and takes H inner steps; the pseudo-gradient
/// Δ = s − mean_m f_m is averaged through the reducer; the outer optimizer moves s and its restart
/// schedule may reset the momentum. Allocation-free after construction.
/// </summary>
public sealed class TwoPhaseRound<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IWorker<T>[] _workers;
    private readonly T[] _delta;
    private readonly T[] _scratch;

    /// <summary>Creates a round over <paramref name="workers"/> (all of one dimension).</summary>
    public TwoPhaseRound(IReadOnlyList<IWorker<T>> workers, OuterOptimizer outer, int innerSteps, IReducer<T>? reducer = null)
    {
        ArgumentNullException.ThrowIfNull(workers);
        ArgumentNullException.ThrowIfNull(outer);
        if (workers.Count == 0)
        {
            throw new ArgumentException("A round needs at least one worker.", nameof(workers));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(innerSteps);
        _workers = [.. workers];
        Dimension = _workers[0].Dimension;
        if (_workers.Any(w => w.Dimension != Dimension))
        {
            throw new ArgumentException("Every worker must have the same number of weights.", nameof(workers));
        }

        Outer = outer;
        InnerSteps = innerSteps;
        Reducer = reducer ?? InProcessReducer<T>.Instance;
        _delta = new T[Dimension];
        _scratch = new T[Dimension];
    }

    /// <summary>Number of weights.</summary>
    public int Dimension { get; }

    /// <summary>H, inner steps per round.</summary>
    public int InnerSteps { get; }

    /// <summary>The outer optimizer.</summary>
    public OuterOptimizer Outer { get; }

    /// <summary>How pseudo-gradients are averaged.</summary>
    public IReducer<T> Reducer { get; }

    /// <summary>The workers of this participant.</summary>
    public IReadOnlyList<IWorker<T>> Workers => _workers;

    /// <summary>The averaged pseudo-gradient Δ of the last round.</summary>
    public ReadOnlySpan<T> LastPseudoGradient => _delta;

    /// <summary>Runs one round in place on <paramref name="global"/> and <paramref name="state"/>.</summary>
    public void Run(Span<T> global, OuterState<T> state, IInnerStepObserver<T>? observer = null)
    {
        if (global.Length != Dimension)
        {
            throw new ArgumentException($"The global weights have {global.Length} entries; the workers have {Dimension}.", nameof(global));
        }

        foreach (IWorker<T> worker in _workers)
        {
            worker.BeginRound(global);
        }

        if (observer is null)
        {
            // Workers are independent within a round: each takes its H steps in turn.
            foreach (IWorker<T> worker in _workers)
            {
                for (int h = 0; h < InnerSteps; h++)
                {
                    worker.InnerStep();
                }
            }
        }
        else
        {
            // In lock-step, so the observer sees mean_m f_m after every inner step.
            for (int h = 1; h <= InnerSteps; h++)
            {
                foreach (IWorker<T> worker in _workers)
                {
                    worker.InnerStep();
                }

                observer.OnInnerStep(h, MeanFastWeights());
            }
        }

        Synchronise(global, state);
    }

    // Δ = s − mean_m f_m, formed as (Σ_m (s − f_m)) / M so that a cluster can all-reduce the sum; then the outer step.
    // The vector arithmetic is element by element, in slices across cores for long vectors (Chunks: same bits as one pass).
    private void Synchronise(Span<T> global, OuterState<T> state)
    {
        if (state.Momentum.Length != Dimension)
        {
            throw new ArgumentException($"The outer state has {state.Momentum.Length} entries; the workers have {Dimension}.", nameof(state));
        }

        T[] delta = _delta, scratch = _scratch;
        if (Dimension < Chunks.ParallelThreshold)
        {
            // One pass on this thread, allocation-free.
            Array.Clear(delta);
            foreach (IWorker<T> worker in _workers)
            {
                worker.CopyWeights(scratch);
                TensorPrimitives.Subtract(global, scratch, scratch);
                TensorPrimitives.Add(delta, scratch, delta);
            }

            Reducer.Mean(delta, _workers.Length);
            Outer.Step(global, delta, state);
            return;
        }

        SynchroniseInSlices(global, state);
    }

    // Long vectors: the same element-by-element arithmetic in slices across cores (a few closures per round, so kept
    // out of Synchronise, whose short-vector path must not allocate).
    private unsafe void SynchroniseInSlices(Span<T> global, OuterState<T> state)
    {
        T[] delta = _delta, scratch = _scratch;
        fixed (T* g = global)
        {
            nint at = (nint)g;
            Chunks.For(Dimension, (start, n) => delta.AsSpan(start, n).Clear());
            foreach (IWorker<T> worker in _workers)
            {
                worker.CopyWeights(scratch);
                Chunks.For(Dimension, (start, n) =>
                {
                    Span<T> f = scratch.AsSpan(start, n), d = delta.AsSpan(start, n);
                    TensorPrimitives.Subtract(new ReadOnlySpan<T>((T*)at + start, n), f, f);
                    TensorPrimitives.Add(d, f, d);
                });
            }

            Reducer.Mean(delta, _workers.Length);
            T[] momentum = state.Momentum;
            OuterOptimizer outer = Outer;
            Chunks.For(Dimension, (start, n) => outer.Apply(new Span<T>((T*)at + start, n), delta.AsSpan(start, n), momentum.AsSpan(start, n)));
        }

        Outer.Advance(state);
    }

    private ReadOnlySpan<T> MeanFastWeights()
    {
        Array.Clear(_delta);
        foreach (IWorker<T> worker in _workers)
        {
            worker.CopyWeights(_scratch);
            TensorPrimitives.Add(_delta, _scratch, _delta);
        }

        TensorPrimitives.Divide(_delta, T.CreateChecked(_workers.Length), _delta);
        return _delta;
    }
}
