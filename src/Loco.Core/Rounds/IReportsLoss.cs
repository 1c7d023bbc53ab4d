namespace Loco.Core.Rounds;

/// <summary>
/// A worker that knows its training loss. The round averages <see cref="LastLoss"/> over such workers and hands it to
/// the restart schedule (<see cref="Optimizers.RestartContext.LastLoss"/>); workers that do not report leave it NaN.
/// </summary>
public interface IReportsLoss
{
    /// <summary>The loss of the worker's last inner step (NaN before the first).</summary>
    double LastLoss { get; }
}
