namespace Loco.Studies.Claims;

/// <summary>The outcome of a claim: pass or fail against its criterion, the measured value(s), and what it wrote.</summary>
/// <param name="Passed">Whether the criterion held.</param>
/// <param name="Measured">The criterion value(s), one line.</param>
/// <param name="Figures">PNG paths written.</param>
/// <param name="Tables">CSV paths written.</param>
/// <param name="Notes">Anything a reader should know (caveats, what was reduced), or null.</param>
public sealed record ClaimResult(bool Passed, string Measured, IReadOnlyList<string> Figures, IReadOnlyList<string> Tables, string? Notes = null);
