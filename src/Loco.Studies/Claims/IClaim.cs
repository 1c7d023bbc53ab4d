namespace Loco.Studies.Claims;

/// <summary>
/// One claim of a paper, reproduced: it states the claim and its pass/fail criterion (written before running),
/// computes the figures and tables into a folder, and says whether the criterion held and by how much.
/// </summary>
public interface IClaim
{
    /// <summary>Lower-case identifier used in paths and on the command line, e.g. <c>restart-contraction</c>.</summary>
    string Id { get; }

    /// <summary>A short title for the report.</summary>
    string Title { get; }

    /// <summary>The paper the claim comes from.</summary>
    string Paper { get; }

    /// <summary>The claim, one paragraph.</summary>
    string Statement { get; }

    /// <summary>The pass/fail criterion, fixed before running.</summary>
    string Criterion { get; }

    /// <summary>Computes the claim's figures and tables into <see cref="ClaimContext.OutputFolder"/> and checks the criterion.</summary>
    ClaimResult Run(ClaimContext context);
}
