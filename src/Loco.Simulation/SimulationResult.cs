using Loco.Core.Family;

namespace Loco.Simulation;

/// <summary>
/// Mean curves over R independent runs. Index k of the per-round arrays is the state after k completed rounds
/// (k = 0 is the start). <see cref="InnerRisk"/>[k][h−1] is the risk of the worker-averaged fast weights after
/// h inner steps of round k + 1, when recorded.
/// </summary>
public sealed record SimulationResult
{
    /// <summary>The member of the family that ran.</summary>
    public required FamilyConfig Config { get; init; }

    /// <summary>The problem's description.</summary>
    public required string Problem { get; init; }

    /// <summary>R, the number of independent runs averaged.</summary>
    public required int Runs { get; init; }

    /// <summary>Seed of the data streams.</summary>
    public required ulong Seed { get; init; }

    /// <summary>S, sub-batches per minibatch (see <see cref="SimulationOptions.SubBatches"/>).</summary>
    public int SubBatches { get; init; } = 1;

    /// <summary>Rounds asked for.</summary>
    public required int RoundsRequested { get; init; }

    /// <summary>σ²/2, subtracted from the risk to get the excess risk.</summary>
    public required double NoiseFloor { get; init; }

    /// <summary>Mean risk after k rounds, k = 0..(rounds completed).</summary>
    public required double[] Risk { get; init; }

    /// <summary>Standard error of <see cref="Risk"/> (NaN with a single run).</summary>
    public required double[] RiskStdErr { get; init; }

    /// <summary>Risk of each run r = 0..R−1 after <see cref="RoundsCompleted"/> rounds (its mean is <see cref="FinalRisk"/>).</summary>
    public required double[] RunFinalRisk { get; init; }

    /// <summary>Mean fast-weight risk per inner step, or null when not recorded.</summary>
    public double[][]? InnerRisk { get; init; }

    /// <summary>Standard errors of <see cref="InnerRisk"/>.</summary>
    public double[][]? InnerRiskStdErr { get; init; }

    /// <summary>The first round at which some run's risk became non-finite or exceeded 1e12 times its start; null if none.</summary>
    public int? DivergedAtRound { get; init; }

    /// <summary>Rounds completed (and averaged over every run).</summary>
    public int RoundsCompleted => Risk.Length - 1;

    /// <summary>Samples each run consumed per round: M·H·B.</summary>
    public long SamplesPerRound => Config.SamplesPerRound;

    /// <summary>Mean excess risk after k rounds.</summary>
    public double ExcessRisk(int round) => Risk[round] - NoiseFloor;

    /// <summary>The risk after the last completed round.</summary>
    public double FinalRisk => Risk[^1];

    /// <summary>Its standard error.</summary>
    public double FinalStdErr => RiskStdErr[^1];
}
