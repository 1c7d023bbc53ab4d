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
