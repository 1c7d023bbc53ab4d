namespace Loco.Cluster;

/// <summary>The coordinator refused a worker: the run has finished, has all its workers, or does not know this incarnation.</summary>
[GenerateSerializer]
public sealed class RunRefusedException : Exception
{
    /// <summary>With a message.</summary>
    public RunRefusedException(string message) : base(message)
    {
    }
}
