namespace Loco.Cluster.Protocol;

/// <summary>What a heartbeat learns about its process.</summary>
public enum Membership
{
    /// <summary>Part of the run; the lease is renewed.</summary>
    Member,

    /// <summary>Dropped: its lease expired and its slot was freed. The process must start again to rejoin.</summary>
    Dropped,

    /// <summary>Unknown to this coordinator (it restarted from its manifest): the process joins again, into its own slots.</summary>
    Unknown,
}
