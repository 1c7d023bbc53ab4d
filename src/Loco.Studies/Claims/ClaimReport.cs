namespace Loco.Studies.Claims;

/// <summary>A claim run on every problem asked for, and its verdict.</summary>
/// <param name="Claim">The claim.</param>
/// <param name="Runs">One run per problem, in the order given (the first wrote into the claim's folder).</param>
/// <param name="Verdict">The verdict over the runs.</param>
public sealed record ClaimReport(IClaim Claim, IReadOnlyList<ClaimRun> Runs, ClaimVerdict Verdict);
