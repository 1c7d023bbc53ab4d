using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Core.Problems;
using Loco.Core.Rounds;
using Loco.Core.Rounds.Reducers;

namespace Loco.Simulation;

/// <summary>What to simulate, beyond the member of the family and the problem.</summary>
public sealed record SimulationOptions
{
    /// <summary>Rounds per run.</summary>
    public int Rounds { get; init; } = 100;

    /// <summary>R, independent runs (independent data streams, the same θ*).</summary>
    public int Runs { get; init; } = 16;

    /// <summary>Seed of the data streams (θ* has its own seed, in the problem).</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Record the risk of the worker-averaged fast weights after every inner step.</summary>
    public bool RecordInnerSteps { get; init; }

    /// <summary>Threads to use; results do not depend on it. Default: every core.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>A run diverges when its risk is non-finite or exceeds this many times its initial risk.</summary>
    public double DivergenceFactor { get; init; } = 1e12;

    /// <summary>
    /// S ≥ 1, sub-batches per minibatch (default 1; must divide B). Each worker w draws its B samples as S blocks of B/S,
    /// block j from the data stream that worker w·S + j reads when S = 1, in the order a worker with batch B/S draws
    /// them. For common random numbers: one worker at batch M·B with S = M and the same seed sees, step by step, exactly
    /// the samples that M workers at batch B see, so the per-run difference of the two has a small variance.
    /// S = 1 is the ordinary simulation.
    /// </summary>
    public int SubBatches { get; init; } = 1;

    /// <summary>
    /// How each run's pseudo-gradients are averaged: called once per run (a reducer holds a round's state, and runs go
    /// in parallel); null = <see cref="InProcessReducer{T}"/>. A codec or any custom <see cref="IReducer{T}"/> goes here.
    /// </summary>
    public Func<IReducer<double>>? Reducer { get; init; }

    /// <summary>
    /// The codec each worker's pseudo-gradient passes through on its way to the reducer (DESIGN.md §8); fp32 (the
    /// default) sends it untouched. Stochastic rounding draws from (seed, run, round, worker), so results stay fixed for a seed.
    /// </summary>
    public Loco.Core.Codecs.CodecSpec Codec { get; init; } = Loco.Core.Codecs.CodecSpec.None;

    /// <summary>Error feedback: each worker keeps what the codec lost and adds it to its next pseudo-gradient.</summary>
    public bool ErrorFeedback { get; init; }

    /// <summary>Streaming fragments (DESIGN.md §8); null = the plain round.</summary>
    public Loco.Core.Rounds.FragmentSchedule? Fragments { get; init; }

    /// <summary>Checks the options, naming the flag of a bad one.</summary>
    public void Validate()
    {
        InputChecks.AtLeastOne(Rounds, "--rounds", "number of rounds");
        InputChecks.AtLeastOne(Runs, "--runs", "number of runs");
        InputChecks.AtLeastOne(Threads, "--threads", "number of threads");
        InputChecks.AtLeastOne(SubBatches, nameof(SubBatches), "number of sub-batches");
    }

    /// <summary>Checks <see cref="SubBatches"/> against the batch size B of the configuration that will run.</summary>
    public void Validate(FamilyConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Validate();
        if (config.BatchSize % SubBatches != 0)
        {
            throw new InvalidInputException(nameof(SubBatches),
                $"{SubBatches} sub-batches do not divide the batch size B = {config.BatchSize}; S must divide B.");
        }

        Fragments?.CheckFamily(config);
    }
}
