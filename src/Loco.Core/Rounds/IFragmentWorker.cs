using System.Numerics;

namespace Loco.Core.Rounds;

/// <summary>
/// A worker whose fast weights can be read and written a slice at a time: what streaming fragments need
/// (<see cref="FragmentSchedule"/>), since each fragment is averaged and merged on its own inner step.
/// </summary>
public interface IFragmentWorker<T> : IWorker<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Starts a round without touching the fast weights (with fragments, each fragment is merged when it synchronises):
    /// the per-round bookkeeping of <see cref="IWorker{T}.BeginRound"/> alone. The inner optimizer's state persists.
    /// </summary>
    void ContinueRound();

    /// <summary>Copies f[<paramref name="start"/> .. + length) into <paramref name="destination"/>.</summary>
    void CopyWeights(int start, Span<T> destination);

    /// <summary>Overwrites f[<paramref name="start"/> .. + length) with <paramref name="values"/>.</summary>
    void SetWeights(int start, ReadOnlySpan<T> values);
}
