namespace Loco.Cluster;

/// <summary>A coordinator, a silo or a Redis server that cannot be reached (after a bounded wait), or a port that cannot be taken.</summary>
public sealed class ClusterUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
