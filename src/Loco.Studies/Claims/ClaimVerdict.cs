namespace Loco.Studies.Claims;

/// <summary>A claim's verdict over the problems it ran on, and one paragraph on why.</summary>
public sealed record ClaimVerdict(Verdict Verdict, string Why);
