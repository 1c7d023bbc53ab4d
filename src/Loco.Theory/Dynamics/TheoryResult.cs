using Loco.Core.Family;

namespace Loco.Theory.Dynamics;

/// <summary>
/// Expected-risk curves of one member of the family. Index k of the per-round arrays is the state after k completed
/// rounds (k = 0 is the start). Risk = signal + noise + σ²/2: <see cref="Signal"/> is ½ Σ w λ (E s)², the part the
/// means carry; <see cref="Noise"/> is ½ Σ w λ Var s, the part the fluctuations carry; the irreducible σ²/2 is
/// neither (it is <see cref="NoiseFloor"/>), so excess risk = signal + noise.
/// </summary>
public sealed record TheoryResult
{
    /// <summary>The member of the family.</summary>
    public required FamilyConfig Config { get; init; }

    /// <summary>The spectrum's description.</summary>
    public required string Problem { get; init; }

    /// <summary>Exact or high-dimensional recursion.</summary>
    public required TheoryMode Mode { get; init; }

    /// <summary>Atoms the spectrum had.</summary>
    public required int Atoms { get; init; }

    /// <summary>Rounds asked for.</summary>
    public required int RoundsRequested { get; init; }

    /// <summary>σ²/2.</summary>
    public required double NoiseFloor { get; init; }

    /// <summary>E R(s) after k rounds, k = 0..(rounds completed).</summary>
    public required double[] Risk { get; init; }

    /// <summary>½ Σ w λ (E s)² after k rounds.</summary>
    public required double[] Signal { get; init; }

    /// <summary>½ Σ w λ Var s after k rounds.</summary>
    public required double[] Noise { get; init; }

    /// <summary>
    /// Entry k (k = 0..completed−1): the expected risk of the worker-averaged fast weights f̄, averaged over the H inner
    /// steps of round k + 1.
    /// </summary>
    public required double[] MeanInnerRisk { get; init; }

    /// <summary>InnerRisk[k][h−1]: E R(f̄) after h inner steps of round k + 1, when recorded.</summary>
    public double[][]? InnerRisk { get; init; }

    /// <summary>Per-atom contributions after the last completed round, when recorded.</summary>
    public ModeContributions? Modes { get; init; }

    /// <summary>The round at which the risk became non-finite or exceeded the divergence factor times its start; null if none.</summary>
    public int? DivergedAtRound { get; init; }

    /// <summary>Rounds completed.</summary>
    public int RoundsCompleted => Risk.Length - 1;

    /// <summary>Samples per round: M·H·B.</summary>
    public long SamplesPerRound => Config.SamplesPerRound;

    /// <summary>E R − σ²/2 after k rounds.</summary>
    public double ExcessRisk(int round) => Risk[round] - NoiseFloor;

    /// <summary>The risk after the last completed round.</summary>
    public double FinalRisk => Risk[^1];
}

/// <summary>Each atom's share of the final excess risk: signal ½ w λ (E s)², noise ½ w λ Var s (per atom, summed over its modes).</summary>
public sealed record ModeContributions(double[] Lambda, double[] Weight, double[] Signal, double[] Noise);
