namespace Loco.Studies.Claims;

/// <summary>
/// One claim of a paper, reproduced: the paper's sentence, our operational reading of it, the criterion registered
/// before the runs that judge it (and the first edition's criterion, kept as a finding), a run on one problem that
/// writes figures and tables, and the verdict over the problems run.
/// </summary>
public interface IClaim
{
    /// <summary>Lower-case identifier used in paths and on the command line, e.g. <c>restart-contraction</c>.</summary>
    string Id { get; }

    /// <summary>A short title for the report.</summary>
    string Title { get; }

    /// <summary>The paper the claim comes from.</summary>
    string Paper { get; }

    /// <summary>The paper's own sentence (from its abstract), quoted.</summary>
    string Quote { get; }

    /// <summary>Our operational reading of the sentence: what we test, in which model.</summary>
    string Reading { get; }

    /// <summary>The registered criterion, written before the runs that judge it.</summary>
    string Criterion { get; }

    /// <summary>The first edition's criterion (stricter than the paper's sentence where it differs), kept as a finding.</summary>
    string FirstEditionCriterion { get; }

    /// <summary>Runs the claim on <see cref="ClaimContext.Problem"/>: figures and tables into the output folder, both criteria judged.</summary>
    ClaimResult Run(ClaimContext context);

    /// <summary>The verdict over <paramref name="runs"/> (one per problem) and why.</summary>
    ClaimVerdict Judge(IReadOnlyList<ClaimRun> runs);
}
