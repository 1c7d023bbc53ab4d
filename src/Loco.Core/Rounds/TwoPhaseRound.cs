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
    private readonly IFragmentWorker<T>[] _fragmentWorkers = [];

    /// <summary>Creates a round over <paramref name="workers"/> (all of one dimension).</summary>
    /// <param name="workers">The workers of this participant, in index order.</param>
    /// <param name="outer">The outer optimizer.</param>
    /// <param name="innerSteps">H.</param>
    /// <param name="reducer">How pseudo-gradients are averaged (in process by default).</param>
    /// <param name="fragments">Streaming fragments (null: the plain round). Every worker must then be an
    /// <see cref="IFragmentWorker{T}"/>.</param>
    public TwoPhaseRound(IReadOnlyList<IWorker<T>> workers, OuterOptimizer outer, int innerSteps, IReducer<T>? reducer = null,
        FragmentSchedule? fragments = null)
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
        if (fragments is not null)
        {
            fragments.Validate(Dimension, innerSteps);
            fragments.CheckRestart(outer.Restart);

            _fragmentWorkers = new IFragmentWorker<T>[_workers.Length];
            for (int m = 0; m < _workers.Length; m++)
            {
                _fragmentWorkers[m] = _workers[m] as IFragmentWorker<T>
                    ?? throw new ArgumentException($"Worker {m} ({_workers[m].GetType().Name}) cannot read or write a slice of its weights, which fragments need.", nameof(workers));
            }

            Fragments = fragments;
        }
    }

    /// <summary>Streaming fragments, or null for the plain round.</summary>
    public FragmentSchedule? Fragments { get; }

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

        if (Fragments is not null)
        {
            RunFragmented(global, state, observer);
            return;
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

    // Streaming fragments: the workers step in lock-step; after inner step h, the fragments whose average arrived τ steps
    // ago merge, then those due at h synchronise (fragment p at t_p, or at H when t_p = 0), each through the reducer and
    // the outer step on its own slice. The round's counters advance once, at its end. Weights are written only at a
    // run's first round (BeginRound); later rounds keep the fast weights, which the merges update fragment by fragment.
    // With a remote reducer (a cluster) the outer step is taken where the weights live: a synchronisation is handed over
    // (SubmitSlice) and its committed slice fetched when the fragment merges, τ steps later, so the communication
    // overlaps the inner steps; the round's end waits for the round's commit, which sets the counters.
    private void RunFragmented(Span<T> global, OuterState<T> state, IInnerStepObserver<T>? observer)
    {
        if (state.Momentum.Length != Dimension)
        {
            throw new ArgumentException($"The outer state has {state.Momentum.Length} entries; the workers have {Dimension}.", nameof(state));
        }

        FragmentSchedule fragments = Fragments!;
        int count = fragments.Count, h0 = InnerSteps, overlap = fragments.Overlap;
        bool first = state.CompletedRounds == 0;
        foreach (IFragmentWorker<T> worker in _fragmentWorkers)
        {
            if (first)
            {
                worker.BeginRound(global);
            }
            else
            {
                worker.ContinueRound();
            }
        }

        IRemoteOuterStep<T>? remote = Reducer as IRemoteOuterStep<T>;
        RestartContext observed = default;
        bool observedSet = false;
        for (int h = 1; h <= h0; h++)
        {
            foreach (IFragmentWorker<T> worker in _fragmentWorkers)
            {
                worker.InnerStep();
            }

            observer?.OnInnerStep(h, MeanFastWeights());
            if (overlap > 0)
            {
                for (int p = 0; p < count; p++)
                {
                    // Synchronised at step `at` (1..H) of this round or, past H, of the last one (none before the first).
                    int at = fragments.SyncStep(p, h0), merge = at + overlap;
                    if (merge == h || (merge - h0 == h && !first))
                    {
                        Fetch(remote, fragments, p, global);
                        Merge(fragments, p, global);
                    }
                }
            }

            for (int p = 0; p < count; p++)
            {
                if (fragments.SyncStep(p, h0) != h)
                {
                    continue;
                }

                int start = fragments.Start(p, Dimension), length = fragments.Length(p, Dimension);
                Span<T> delta = _delta.AsSpan(start, length), scratch = _scratch.AsSpan(0, length), s = global.Slice(start, length);
                Reducer.BeginSlice(start, length, Dimension, _workers.Length);
                for (int m = 0; m < _fragmentWorkers.Length; m++)
                {
                    _fragmentWorkers[m].CopyWeights(start, scratch);
                    TensorPrimitives.Subtract(s, scratch, scratch);
                    Reducer.Add(m, scratch);
                }

                if (remote is not null)
                {
                    remote.SubmitSlice();
                    if (overlap == 0 && h < h0)
                    {
                        Fetch(remote, fragments, p, global);
                        Merge(fragments, p, global);
                    }

                    continue;
                }

                Reducer.Mean(delta);
                if (count == 1)
                {
                    // One fragment is the whole Δ: a restart rule may read it, with the momentum before the step.
                    observed = Outer.Observe<T>(delta, state, MeanLoss());
                    observedSet = true;
                }

                Outer.Apply(s, delta, state.Momentum.AsSpan(start, length));
                if (overlap == 0)
                {
                    Merge(fragments, p, global);
                }
            }
        }

        if (remote is not null)
        {
            // The fragments synchronised at the round's end (τ = 0) merge after the round's commit: the state the reducer
            // keeps for a rollback is the one before these merges at every round, so a round put back merges them again
            // from the weights it was put back to. (Fragments are disjoint: merging them last gives the same weights.)
            remote.EndRound(global, state);
            if (overlap == 0)
            {
                for (int p = 0; p < count; p++)
                {
                    if (fragments.SyncStep(p, h0) == h0)
                    {
                        Merge(fragments, p, global);
                    }
                }
            }

            return;
        }

        Outer.Advance(state, observedSet ? observed : Outer.Observe<T>(ReadOnlySpan<T>.Empty, state, MeanLoss()));
    }

    // With a remote reducer, fragment p's committed global weights are fetched before it merges.
    private void Fetch(IRemoteOuterStep<T>? remote, FragmentSchedule fragments, int p, Span<T> global)
    {
        if (remote is not null)
        {
            int start = fragments.Start(p, Dimension);
            remote.FetchSlice(start, global.Slice(start, fragments.Length(p, Dimension)));
        }
    }

    // f ← α f + (1 − α) s on fragment p of every worker; α = 0 copies s exactly (so P = 1, τ = 0 is the plain round).
    private void Merge(FragmentSchedule fragments, int p, ReadOnlySpan<T> global)
    {
        int start = fragments.Start(p, Dimension), length = fragments.Length(p, Dimension);
        ReadOnlySpan<T> s = global.Slice(start, length);
        if (fragments.Alpha == 0)
        {
            foreach (IFragmentWorker<T> worker in _fragmentWorkers)
            {
                worker.SetWeights(start, s);
            }

            return;
        }

        T alpha = T.CreateChecked(fragments.Alpha), keep = T.CreateChecked(1 - fragments.Alpha);
        Span<T> f = _scratch.AsSpan(0, length);
        foreach (IFragmentWorker<T> worker in _fragmentWorkers)
        {
            worker.CopyWeights(start, f);
            TensorPrimitives.Multiply(f, alpha, f);
            TensorPrimitives.MultiplyAdd(s, keep, f, f);
            worker.SetWeights(start, f);
        }
    }

    // The mean of the workers' last losses, over those that report one (NaN when none does).
    // The workers' mean loss for the restart schedule; only a schedule that observes rounds reads it (a worker may pay a
    // pass over its weights to report it).
    private double MeanLoss()
    {
        if (!Outer.Restart.ObservesRound)
        {
            return double.NaN;
        }

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
