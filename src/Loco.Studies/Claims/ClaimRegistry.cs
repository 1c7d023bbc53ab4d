namespace Loco.Studies.Claims;

/// <summary>Every reproduced claim, in the order.</summary>
public static class ClaimRegistry
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
