using Loco.Core.Family;

namespace Loco.Theory.Dynamics;

/// <summary>What the recursion computes, beyond the member of the family and the spectrum.</summary>
public sealed record TheoryOptions
{
    /// <summary>Rounds to compute.</summary>
    public int Rounds { get; init; } = 100;

    /// <summary>Exact (finite-D) or high-dimensional recursion.</summary>
    public TheoryMode Mode { get; init; } = TheoryMode.Exact;

    /// <summary>Record the expected risk of the worker-averaged fast weights after every inner step.</summary>
    public bool RecordInnerSteps { get; init; }

    /// <summary>Record each atom's final signal and noise.</summary>
    public bool RecordModes { get; init; }

    /// <summary>The recursion diverges when its risk is non-finite or exceeds this many times its initial risk (as the simulator).</summary>
    public double DivergenceFactor { get; init; } = 1e12;

    /// <summary>Checks the options, naming the flag of a bad one.</summary>
    public void Validate() => FamilySettings.AtLeastOne(Rounds, "--rounds", "number of rounds");
}

/// <summary>Counts finished rounds; safe to read from another thread while the recursion runs.</summary>
public sealed class TheoryProgress
{
    private long _rounds;

    /// <summary>Rounds finished so far.</summary>
    public long RoundsDone => Interlocked.Read(ref _rounds);

    /// <summary>Rounds the whole computation will take, set when it starts.</summary>
    public long RoundsTotal { get; set; }

    /// <summary>Adds finished rounds.</summary>
    public void Add(long rounds) => Interlocked.Add(ref _rounds, rounds);
}
