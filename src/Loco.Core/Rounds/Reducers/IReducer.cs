using System.Numerics;

namespace Loco.Core.Rounds.Reducers;

/// <summary>
/// Averages the workers' pseudo-gradients: the seam at which an all-reduce, a cluster or a codec (compression, error
/// feedback) sits. The round is written once (<see cref="TwoPhaseRound{T}"/>); how Δ is averaged is this interface.
/// </summary>
/// <remarks>
/// <para><b>Who calls it.</b> <see cref="TwoPhaseRound{T}"/>, once per round and from one thread:
/// <see cref="Begin"/>, then <see cref="Add"/> once for each of this participant's workers with that worker's own
/// pseudo-gradient Δ_m = s − f_m, in increasing worker index, then <see cref="Mean"/>. The span given to
/// <see cref="Add"/> is only valid during the call (the round reuses it for the next worker): copy or encode what must
/// be kept. Implementations may parallelise internally.</para>
/// <para><b>What it guarantees.</b> After <see cref="Mean"/> every participant's destination holds the same mean over
/// all workers of all participants: (1/M) Σ_m Δ_m.</para>
/// <para><b>Determinism.</b> The sum runs in worker-index order, never in arrival order, so a run's bits depend on
/// neither timing nor where the workers live; a reducer that lossily encodes Δ_m (a codec) decodes in that same order.</para>
/// <para>DESIGN.md §4 (the reducer contract), §7 (the cluster), §8 (codecs). A decorator wraps another reducer and
/// transforms each Δ_m on its way in (see the README's custom-reducer example).</para>
/// </remarks>
public interface IReducer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Starts a round's reduction over <paramref name="localWorkers"/> workers of <paramref name="dimension"/> weights.</summary>
    void Begin(int dimension, int localWorkers);

    /// <summary>
    /// Starts the reduction of one fragment (<see cref="FragmentSchedule"/>): entries [<paramref name="start"/>,
    /// <paramref name="start"/> + <paramref name="length"/>) of a <paramref name="dimension"/>-long pseudo-gradient; the
    /// <see cref="Add"/> and <see cref="Mean"/> calls that follow carry that slice. A reducer that keeps per-entry state
    /// (a codec's error feedback) or keys by position (stochastic rounding) uses the offset; the default is
    /// <see cref="Begin"/> over the slice.
    /// </summary>
    void BeginSlice(int start, int length, int dimension, int localWorkers) => Begin(length, localWorkers);

    /// <summary>Adds worker <paramref name="worker"/>'s pseudo-gradient (workers in increasing index, each once).</summary>
    void Add(int worker, ReadOnlySpan<T> pseudoGradient);

    /// <summary>Writes the mean over all workers into <paramref name="destination"/> and ends the round's reduction.</summary>
    void Mean(Span<T> destination);
}
