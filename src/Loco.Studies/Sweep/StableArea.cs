namespace Loco.Studies.Sweep;

/// <summary>How much of one (H, restart setting) grid is stable.</summary>
/// <param name="InnerSteps">H.</param>
/// <param name="RestartPeriod">K; 0 = no restart.</param>
/// <param name="Stable">Stable cells.</param>
/// <param name="Diverged">Cells whose loss became non-finite (a subset of the unstable ones).</param>
/// <param name="Cells">Cells in the grid.</param>
public sealed record StableArea(int InnerSteps, int RestartPeriod, int Stable, int Diverged, int Cells);
