namespace Loco.Studies.Sweep;

/// <summary>Where a running sweep stands, reported after each finished cell.</summary>
/// <param name="Done">Cells finished, resumed ones included.</param>
/// <param name="Total">Cells in the sweep.</param>
/// <param name="Last">The cell that just finished.</param>
/// <param name="Elapsed">Wall-clock time of this run so far.</param>
/// <param name="Remaining">Estimated wall-clock time left (from the inner steps still to train at this run's pace), or null before any cell was trained.</param>
public sealed record SweepProgress(int Done, int Total, SweepCellResult Last, TimeSpan Elapsed, TimeSpan? Remaining);
