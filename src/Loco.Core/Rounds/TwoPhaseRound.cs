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

        // Δ = s − mean_m f_m, formed as (Σ_m (s − f_m)) / M so that a cluster can all-reduce the sum.
        Array.Clear(_delta);
        foreach (IWorker<T> worker in _workers)
        {
            worker.CopyWeights(_scratch);
            TensorPrimitives.Subtract(global, _scratch, _scratch);
            TensorPrimitives.Add(_delta, _scratch, _delta);
        }

        Reducer.Mean(_delta, _workers.Length);
        Outer.Step(global, _delta, state);
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
