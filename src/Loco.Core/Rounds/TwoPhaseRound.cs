using System.Numerics;
using System.Numerics.Tensors;
using Loco.Core.Optimizers;
using Loco.Core.Rounds.Reducers;

namespace Loco.Core.Rounds;

/// <summary>
/// The round of the two-phase family, written once for every backend (DESIGN.md §1):
/// every worker starts from the global weights s and takes H inner steps; the pseudo-gradient
/// Δ = s − mean_m f_m is averaged through the reducer; the outer optimizer moves s and its restart
/// schedule may reset the momentum. Allocation-free after construction (for vectors under
/// <see cref="Chunks.ParallelThreshold"/>, with the in-process reducer).
/// </summary>
/// <remarks>
/// The order follows torchft's <c>local_sgd.py</c> DiLoCo: keep the global weights, take the inner steps, form each
/// worker's pseudo-gradient s − f_m (global minus local, as in DiLoCo, Douillard et al. 2023, arXiv 2311.08105),
/// average them through the <see cref="IReducer{T}"/>, take the outer step. With one worker and a plain outer step this
/// is Lookahead (Zhang et al. 2019, arXiv 1907.08610); the family and its theory: Agarwala (2026), arXiv 2603.26954.
/// </remarks>
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
        Reducer = reducer ?? new InProcessReducer<T>();
        _delta = new T[Dimension];
        _scratch = new T[Dimension];
    }

    /// <summary>Number of weights.</summary>
    public int Dimension { get; }

    /// <summary>H, inner steps per round.</summary>
    public int InnerSteps { get; }

    /// <summary>The outer optimizer.</summary>
    public OuterOptimizer Outer { get; }

    /// <summary>How pseudo-gradients are averaged (each worker's Δ_m goes to it; see <see cref="IReducer{T}"/>).</summary>
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

    // Each worker's Δ_m = s − f_m goes to the reducer in worker-index order; the reducer leaves Δ = mean_m Δ_m; then the
    // outer step. The vector arithmetic is element by element, in slices across cores for long vectors (Chunks: same
    // bits as one pass).
    private void Synchronise(Span<T> global, OuterState<T> state)
    {
        if (state.Momentum.Length != Dimension)
        {
            throw new ArgumentException($"The outer state has {state.Momentum.Length} entries; the workers have {Dimension}.", nameof(state));
        }

        double loss = MeanLoss();
        if (Reducer is IRemoteOuterStep<T> remote)
        {
            // The outer step is taken where the global weights live (a cluster's shards): hand over each Δ_m, then take
            // the committed weights back.
            SynchroniseRemotely(remote, global, state);
            return;
        }

        if (Dimension < Chunks.ParallelThreshold)
        {
            // One pass on this thread, allocation-free.
            T[] delta = _delta, scratch = _scratch;
            Reducer.Begin(Dimension, _workers.Length);
            for (int m = 0; m < _workers.Length; m++)
            {
                _workers[m].CopyWeights(scratch);
                TensorPrimitives.Subtract(global, scratch, scratch);
                Reducer.Add(m, scratch);
            }

            Reducer.Mean(delta);
            Outer.Step(global, delta, state, loss);
            return;
        }

        SynchroniseInSlices(global, state, loss);
    }

    private void SynchroniseRemotely(IRemoteOuterStep<T> remote, Span<T> global, OuterState<T> state)
    {
        T[] scratch = _scratch;
        remote.Begin(Dimension, _workers.Length);
        for (int m = 0; m < _workers.Length; m++)
        {
            _workers[m].CopyWeights(scratch);
            TensorPrimitives.Subtract(global, scratch, scratch);
            remote.Add(m, scratch);
        }

        remote.Commit(global, state);
    }

    // Long vectors: the same element-by-element arithmetic in slices across cores (a few closures per round, so kept
    // out of Synchronise, whose short-vector path must not allocate).
    private unsafe void SynchroniseInSlices(Span<T> global, OuterState<T> state, double loss)
    {
        T[] delta = _delta, scratch = _scratch;
        fixed (T* g = global)
        {
            nint at = (nint)g;
            Reducer.Begin(Dimension, _workers.Length);
            for (int m = 0; m < _workers.Length; m++)
            {
                _workers[m].CopyWeights(scratch);
                Chunks.For(Dimension, (start, n) =>
                {
                    Span<T> f = scratch.AsSpan(start, n);
                    TensorPrimitives.Subtract(new ReadOnlySpan<T>((T*)at + start, n), f, f);
                });
                Reducer.Add(m, scratch);
            }

            Reducer.Mean(delta);
            RestartContext observed = Outer.Observe<T>(delta, state, loss);
            T[] momentum = state.Momentum;
            OuterOptimizer outer = Outer;
            Chunks.For(Dimension, (start, n) => outer.Apply(new Span<T>((T*)at + start, n), delta.AsSpan(start, n), momentum.AsSpan(start, n)));
            Outer.Advance(state, observed);
        }
    }

    // The mean of the workers' last losses, over those that report one (NaN when none does).
    private double MeanLoss()
    {
        double sum = 0;
        int count = 0;
        foreach (IWorker<T> worker in _workers)
        {
            if (worker is IReportsLoss reporter)
            {
                sum += reporter.LastLoss;
                count++;
            }
        }

        return count == 0 ? double.NaN : sum / count;
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
