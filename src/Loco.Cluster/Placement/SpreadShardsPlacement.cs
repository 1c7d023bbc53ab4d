using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace Loco.Cluster.Placement;

/// <summary>
/// Places shard k on silo k mod S of the S compatible silos (ordered by address), so that the shards, and with them the
/// upload and reduce traffic, spread evenly over the coordinator's silos in a way that does not depend on chance.
/// </summary>
[GenerateSerializer, Immutable]
public sealed class SpreadShardsPlacement : PlacementStrategy
{
    /// <summary>The one instance.</summary>
    public static SpreadShardsPlacement Instance { get; } = new();
}

/// <summary>Marks a grain class with integer keys for <see cref="SpreadShardsPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SpreadShardsAttribute() : PlacementAttribute(SpreadShardsPlacement.Instance);

/// <summary>The director of <see cref="SpreadShardsPlacement"/> (registered on every silo by <see cref="Hosting.CoordinatorSilo"/>).</summary>
public sealed class SpreadShardsPlacementDirector : IPlacementDirector
{
    /// <inheritdoc />
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        SiloAddress[] silos = [.. context.GetCompatibleSilos(target).OrderBy(s => s.ToString(), StringComparer.Ordinal)];
        long key = target.GrainIdentity.GetIntegerKey();
        return Task.FromResult(silos[(int)(Math.Abs(key) % silos.Length)]);
    }
}
