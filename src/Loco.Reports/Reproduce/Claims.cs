namespace Loco.Reports.Reproduce;

/// <summary>Every reproduced claim, in the order.</summary>
/// <remarks>
/// The claim types live in the folder <c>Reproduce/Claims/</c> but in this namespace (<c>Loco.Reports.Reproduce</c>):
/// a namespace <c>Loco.Reports.Reproduce.Claims</c> would clash with this class (CS0101).
/// </remarks>
public static class Claims
{
    /// <summary>The claims, in the order the issue lists them.</summary>
    public static IReadOnlyList<IClaim> All { get; } =
    [
        new LaSnrClaim(),
        new MwNoiseClaim(),
        new SlaNesterovClaim(),
        new RestartContractionClaim(),
        new RestartStabilityClaim(),
    ];

    /// <summary>The ids of all claims, in order.</summary>
    public static IReadOnlyList<string> Ids => [.. All.Select(c => c.Id)];

    /// <summary>The claim with this id (case-insensitive), or null.</summary>
    public static IClaim? Find(string id) =>
        All.FirstOrDefault(c => string.Equals(c.Id, id, StringComparison.OrdinalIgnoreCase));
}
