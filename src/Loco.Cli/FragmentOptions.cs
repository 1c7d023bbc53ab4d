using System.CommandLine;
using Loco.Core.Family;
using Loco.Core.Rounds;

namespace Loco.Cli;

/// <summary>The flags of streaming fragments (DESIGN.md §8): <c>--fragments</c>, <c>--overlap</c>, <c>--merge</c>.</summary>
internal sealed class FragmentOptions
{
    public Option<int?> Fragments { get; } = Options.Int("--fragments",
        "P, split the weights into P contiguous fragments that synchronise at staggered inner steps ⌊p·H/P⌋ (Streaming DiLoCo): each sync sends 1/P of the weights. Default: 1.");

    public Option<int?> Overlap { get; } = Options.Int("--overlap",
        "τ, inner steps a worker keeps training while its fragment is averaged, before it merges the average (0 ≤ τ < H/P). Default: 0.");

    public Option<double?> Merge { get; } = Options.Double("--merge",
        "α in [0, 1): a worker's fragment becomes α·local + (1 − α)·averaged when it merges (torchft's fragment_update_alpha). Default: 0.");

    public IEnumerable<Option> All => [Fragments, Overlap, Merge];

    /// <summary>The schedule, or null when no fragment flag was given (the plain round).</summary>
    public FragmentSchedule? Read(ParseResult r)
    {
        int? count = r.GetValue(Fragments);
        int? overlap = r.GetValue(Overlap);
        double? merge = r.GetValue(Merge);
        if (count is null && overlap is null && merge is null)
        {
            return null;
        }

        if (count is < 1)
        {
            throw new InvalidInputException("--fragments", $"the number of fragments must be at least 1 (got {count}).");
        }

        return new FragmentSchedule(count ?? 1, overlap ?? 0, merge ?? 0);
    }
}
