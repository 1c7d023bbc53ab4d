namespace Loco.Studies.Sweep;

/// <summary>How much of one (H, restart setting) grid is stable.</summary>
/// <param name="InnerSteps">H.</param>
/// <param name="Restart">The restart rule as <see cref="SweepCell.Label"/> writes it: 0 = no restart, K, or an adaptive rule's spec.</param>
/// <param name="Stable">Stable cells.</param>
/// <param name="Diverged">Cells whose loss became non-finite (a subset of the unstable ones).</param>
/// <param name="Cells">Cells in the grid.</param>
public sealed record StableArea(int InnerSteps, string Restart, int Stable, int Diverged, int Cells);
