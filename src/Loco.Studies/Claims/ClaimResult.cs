namespace Loco.Studies.Claims;

/// <summary>A claim's run on one problem: its registered criterion, its first-edition criterion, and what it wrote.</summary>
/// <param name="Criterion">The registered (second-edition) criterion on this run.</param>
/// <param name="FirstEdition">The first edition's criterion on this run (kept in the report as a finding).</param>
/// <param name="Figures">PNG paths written.</param>
/// <param name="Tables">CSV paths written.</param>
/// <param name="Notes">Anything a reader should know (caveats, what was reduced), or null.</param>
public sealed record ClaimResult(CriterionOutcome Criterion, CriterionOutcome FirstEdition, IReadOnlyList<string> Figures, IReadOnlyList<string> Tables,
    string? Notes = null)
{
    /// <summary>Whether the registered criterion held.</summary>
    public bool Held => Criterion.Held;

    /// <summary>The registered criterion's measured line.</summary>
    public string Measured => Criterion.Measured;
}
