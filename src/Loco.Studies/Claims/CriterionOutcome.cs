namespace Loco.Studies.Claims;

/// <summary>One criterion judged on one run: whether it held, and the values it read (one line).</summary>
/// <param name="Held">Whether every bound of the criterion held.</param>
/// <param name="Measured">The measured values and each bound's result.</param>
public sealed record CriterionOutcome(bool Held, string Measured)
{
    /// <summary>"ok" or "FAILS", for a bound inside a measured line.</summary>
    public static string Mark(bool ok) => ok ? "ok" : "FAILS";
}
