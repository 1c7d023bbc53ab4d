using Loco.Core.Family;

namespace Loco.Core.Rounds;

/// <summary>
/// Streaming DiLoCo's fragments (Douillard et al. 2025, arXiv 2501.18512; DESIGN.md §8): the flat weights split into P
/// contiguous slices; fragment p synchronises after inner step t_p = ⌊p·H/P⌋ of each round (t_0 = 0 means at the
/// round's end, after step H), so a worker sends 1/P of its weights at a time and each fragment still synchronises once
/// every H inner steps. With overlap τ the worker keeps training for τ inner steps while its fragment is averaged and
/// then merges: f ← α·f + (1 − α)·s on the fragment (α = 0, the default, takes the global fragment as is, like
/// torchft's <c>fragment_update_alpha</c>). P = 1 with τ = 0 is the plain round.
/// </summary>
/// <param name="Count">P, the number of fragments (at least 1, at most the number of weights).</param>
/// <param name="Overlap">τ, inner steps a worker trains on while its fragment is averaged (0 ≤ τ·P &lt; H).</param>
/// <param name="Alpha">α in [0, 1): how much of its own fragment a worker keeps when it merges.</param>
public sealed record FragmentSchedule(int Count, int Overlap = 0, double Alpha = 0)
{
    /// <summary>Explicit synchronisation steps t_p in [0, H), one per fragment (null: ⌊p·H/P⌋). For tests and studies.</summary>
    public IReadOnlyList<int>? Offsets { get; init; }

    /// <summary>P = 1, τ = 0, α = 0: the plain round.</summary>
    public static FragmentSchedule None { get; } = new(1);

    /// <summary>Whether this is the plain round (one fragment, no overlap, no mixing).</summary>
    public bool IsPlain => Count == 1 && Overlap == 0 && Alpha == 0 && Offsets is null;

    /// <summary>
    /// Checks the schedule against a round of <paramref name="dimension"/> weights and H = <paramref name="innerSteps"/>;
    /// a bad value is an <see cref="InvalidInputException"/> naming its flag.
    /// </summary>
    public void Validate(int dimension, int innerSteps)
    {
        if (Count < 1)
        {
            throw new InvalidInputException("--fragments", $"the number of fragments must be at least 1 (got {Count}).");
        }

        if (Count > dimension)
        {
            throw new InvalidInputException("--fragments", $"{Count} fragments of {dimension} weights: each fragment needs at least one weight.");
        }

        if (Overlap < 0 || (long)Overlap * Count >= innerSteps)
        {
            throw new InvalidInputException("--overlap",
                $"τ = {Overlap} must be at least 0 and below H/P = {innerSteps}/{Count} (a fragment's average must arrive before its next one starts).");
        }

        if (!double.IsFinite(Alpha) || Alpha < 0 || Alpha >= 1)
        {
            throw new InvalidInputException("--merge", $"α must lie in [0, 1) (got {Alpha}); 0 takes the averaged fragment as is.");
        }

        if (Offsets is { } offsets)
        {
            if (offsets.Count != Count)
            {
                throw new InvalidInputException("--fragments", $"{offsets.Count} offsets for {Count} fragments.");
            }

            if (offsets.Any(t => t < 0 || t >= innerSteps))
            {
                throw new InvalidInputException("--fragments", $"every offset must lie in [0, H = {innerSteps}).");
            }
        }
    }

    /// <summary>
    /// Checks what fragments cannot be combined with: resetting the inner optimizer's state at every sync (fragments
    /// synchronise at different steps, so there is no one sync to reset at) and a restart rule that reads the whole
    /// round's Δ (which fragments never gather at once).
    /// </summary>
    public void CheckFamily(FamilyConfig family)
    {
        ArgumentNullException.ThrowIfNull(family);
        Validate(int.MaxValue, family.InnerSteps);
        if (family.ResetInnerState && !IsPlain)
        {
            throw new InvalidInputException("--reset-inner-state", "fragments synchronise at different inner steps, so the inner state persists with --fragments; leave one out.");
        }

        CheckRestart(family.OuterOptimizer.Restart);
    }

    /// <summary>Refuses a restart rule that reads the whole round's Δ when there is more than one fragment.</summary>
    public void CheckRestart(Loco.Core.Optimizers.RestartSchedule restart)
    {
        ArgumentNullException.ThrowIfNull(restart);
        if (Count > 1 && restart.ObservesRound)
        {
            throw new InvalidInputException("--restart",
                $"the rule '{restart}' reads the whole round (its Δ·v or its loss), which fragments never gather at once; with --fragments use a fixed period or none.");
        }
    }

    /// <summary>Where fragment <paramref name="p"/> starts: ⌊p·D/P⌋ (so lengths differ by at most one).</summary>
    public int Start(int p, int dimension) => (int)((long)p * dimension / Count);

    /// <summary>Fragment <paramref name="p"/>'s length.</summary>
    public int Length(int p, int dimension) => Start(p + 1, dimension) - Start(p, dimension);

    /// <summary>t_p: the inner step after which fragment <paramref name="p"/> synchronises (0: at the round's end).</summary>
    public int Offset(int p, int innerSteps) => Offsets is { } o ? o[p] : (int)((long)p * innerSteps / Count);

    /// <summary>The inner step (1..H) after which fragment <paramref name="p"/> synchronises: t_p, or H when t_p = 0.</summary>
    public int SyncStep(int p, int innerSteps)
    {
        int t = Offset(p, innerSteps);
        return t == 0 ? innerSteps : t;
    }

    /// <summary>
    /// The fragments in the order they synchronise within a round: by <see cref="SyncStep"/>, ties by index (the order
    /// in which the round visits them). With the default offsets, 1, 2, …, P − 1, then 0 at the round's end.
    /// </summary>
    public int[] SyncOrder(int innerSteps) =>
        [.. Enumerable.Range(0, Count).OrderBy(p => SyncStep(p, innerSteps)).ThenBy(p => p)];

    /// <summary>Bytes one worker sends per round when each fragment is encoded by itself with <paramref name="encodedBytes"/>.</summary>
    public long BytesPerRound(int dimension, Func<int, int> encodedBytes)
    {
        ArgumentNullException.ThrowIfNull(encodedBytes);
        long total = 0;
        for (int p = 0; p < Count; p++)
        {
            total += encodedBytes(Length(p, dimension));
        }

        return total;
    }

    /// <inheritdoc />
    public override string ToString() => IsPlain ? "none" : $"P={Count}, τ={Overlap}, α={Alpha:G4}";
}
