namespace Loco.Simulation;

/// <summary>Counts finished rounds across all runs; safe to read from another thread while a simulation runs.</summary>
public sealed class SimulationProgress
{
    private long _rounds;

    /// <summary>Rounds finished so far, summed over runs.</summary>
    public long RoundsDone => Interlocked.Read(ref _rounds);

    /// <summary>Rounds the whole simulation will run (runs × rounds), set when it starts.</summary>
    public long RoundsTotal { get; internal set; }

    internal void Add(long rounds) => Interlocked.Add(ref _rounds, rounds);
}
