namespace Loco.Cluster.Storage;

/// <summary>The manifest was not at the round a compare-and-set expected: another coordinator wrote it, or a stale one tried to.</summary>
public sealed class ManifestConflictException(string message) : Exception(message);
