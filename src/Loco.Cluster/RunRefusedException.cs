namespace Loco.Cluster;

/// <summary>The coordinator refused a worker: the run has finished, has all its workers, or does not know this incarnation.</summary>
[GenerateSerializer]
public sealed class RunRefusedException : Exception
{
    /// <summary>With a message.</summary>
    public RunRefusedException(string message, bool slotsFull = false) : base(message)
    {
        SlotsFull = slotsFull;
    }

    /// <summary>True when the run only lacks a free slot for now (a lost worker's slot frees when its lease expires): worth asking again.</summary>
    [Id(0)]
    public bool SlotsFull { get; private set; }
}
