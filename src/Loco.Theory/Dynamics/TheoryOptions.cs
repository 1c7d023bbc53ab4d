using Loco.Core.Family;
using Loco.Core.Numerics;

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

    /// <summary>
    /// Threads for the pass over the atoms (≥ 1); more than one is used only from <see cref="ThreadedAtoms"/> atoms on, with
    /// the one-pass kernel. Results do not depend on it beyond rounding.
    /// </summary>
    public int Threads { get; init; } = 1;

    /// <summary>
    /// The codec each worker's pseudo-gradient passes through (DESIGN.md §8): its error enters as the
    /// <see cref="CodecNoise"/> term (stochastic rounding: unbiased, modelled in size; round to nearest: approximated as
    /// noise). fp32 adds nothing. A lossy codec runs the step-by-step kernel.
    /// </summary>
    public Loco.Core.Codecs.CodecSpec Codec { get; init; } = Loco.Core.Codecs.CodecSpec.None;

    /// <summary>How the inner phase is computed (the same numbers either way, up to rounding).</summary>
    public TheoryKernel Kernel { get; init; } = TheoryKernel.OnePass;

    /// <summary>
    /// The vector width of the kernels (default: the widest the hardware accelerates). Every width gives the same bits;
    /// tests set it to prove that.
    /// </summary>
    internal LaneWidth Width { get; init; } = LaneWidth.Auto;

    /// <summary>The atom count from which <see cref="Threads"/> &gt; 1 splits the pass.</summary>
    public const int ThreadedAtoms = 50_000;

    /// <summary>Checks the options, naming the flag of a bad one.</summary>
    public void Validate()
    {
        InputChecks.AtLeastOne(Rounds, "--rounds", "number of rounds");
        InputChecks.AtLeastOne(Threads, "--threads", "number of threads");
    }
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
