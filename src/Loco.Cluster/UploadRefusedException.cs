namespace Loco.Cluster;

/// <summary>A shard refused an upload (wrong round, worker, chunk or length, a bad checksum, non-finite values); nothing of it reached the weights.</summary>
[GenerateSerializer]
public sealed class UploadRefusedException : Exception
{
    /// <summary>With a message.</summary>
    public UploadRefusedException(string message) : base(message)
    {
    }
}
