namespace Loco.Studies.Claims;

/// <summary>A claim's result on one problem.</summary>
public sealed record ClaimRun(ClaimProblem Problem, ClaimResult Result);
