using System.Numerics;
using Loco.Core.Optimizers;

namespace Loco.Core.Rounds.Reducers;

/// <summary>
/// A reducer whose outer step is taken where the global weights live, not by the participant that runs the round: a
/// cluster whose shards hold the weights and the outer momentum (DESIGN.md §7). The round still hands it each local
/// worker's Δ_m through <see cref="IReducer{T}.Begin"/> and <see cref="IReducer{T}.Add"/>; then, instead of taking the
/// mean and stepping itself, it calls <see cref="Commit"/>, which waits for the round to be committed and writes the
/// committed global weights back.
/// </summary>
/// <remarks>
/// The outer step applied elsewhere is Loco.Core's own (<see cref="OuterOptimizer.Apply{T}"/> on each slice, which is
/// exact because the step is element by element), so a run through such a reducer gives the same weights as the
/// in-process round. The outer momentum never leaves where the step is taken: the participant's
/// <see cref="OuterState{T}.Momentum"/> is left alone and only its counters follow the commit.
/// </remarks>
public interface IRemoteOuterStep<T> : IReducer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// After every local worker's <see cref="IReducer{T}.Add"/>: waits until the round is committed, writes the committed
    /// global weights into <paramref name="global"/> and sets <paramref name="state"/>'s counters to the committed ones.
    /// </summary>
    void Commit(Span<T> global, OuterState<T> state);

    /// <summary>
    /// Streaming fragments: after <see cref="IReducer{T}.BeginSlice"/> and every local worker's <see cref="IReducer{T}.Add"/>,
    /// hands that fragment's synchronisation over and returns without waiting for it (the workers go on training
    /// during the overlap τ).
    /// </summary>
    void SubmitSlice();

    /// <summary>
    /// Streaming fragments: waits for the last synchronisation submitted of the fragment that starts at
    /// <paramref name="start"/> and writes its committed global weights into <paramref name="global"/> (that fragment's
    /// slice); does nothing when none is pending.
    /// </summary>
    void FetchSlice(int start, Span<T> global);

    /// <summary>
    /// Streaming fragments: the round's inner steps and synchronisations are done (the fragments synchronised at the
    /// round's end not yet fetched nor merged: the round writes every fragment still pending into
    /// <paramref name="global"/> here, and merges those of its end afterwards); waits until the round is committed
    /// and sets <paramref name="state"/>'s counters to the committed ones. When the round could not be committed (the
    /// coordinator went away) it may put back the global weights, the counters and the workers of an earlier round,
    /// from which the training loop goes on.
    /// </summary>
    void EndRound(Span<T> global, OuterState<T> state);
}
