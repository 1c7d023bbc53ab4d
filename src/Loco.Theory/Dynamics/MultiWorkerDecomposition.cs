using Loco.Core.Family;
using Loco.Theory.Spectra;

namespace Loco.Theory.Dynamics;

/// <summary>
/// The cost of splitting a batch across workers: M workers at batch B against one worker at batch M·B with the
/// same η, H and outer step (the same samples per round). To first order in η²/B the two agree: the M-worker
/// average has E[f̄²] = D_H(B)/M + (1 − 1/M) q^{2H} E[s²], which equals D_H(M·B) when the noise injected per step
/// does not depend on D. It does (through Σ_j λ_j D_j and λ_i² D_i), and each of the M workers' own fluctuations,
/// not yet averaged within the round, are M times those of the single large-batch worker, so they feed more noise
/// back. <see cref="Excess"/> is that difference of excess risks, round by round.
/// </summary>
public sealed record MultiWorkerDecomposition(TheoryResult Workers, TheoryResult SingleWorker)
{
    /// <summary>Runs both recursions.</summary>
    public static MultiWorkerDecomposition Run(AtomSpectrum spectrum, FamilyConfig config, double noise, TheoryOptions options, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        TheoryResult many = new RiskRecursion(spectrum, config, noise).Run(options, cancellation: cancellation);
        TheoryResult one = new RiskRecursion(spectrum, SingleWorkerOf(config), noise).Run(options with { RecordInnerSteps = false, RecordModes = false }, cancellation: cancellation);
        return new MultiWorkerDecomposition(many, one);
    }

    /// <summary>The one-worker counterpart: M = 1, B = M·B, everything else the same.</summary>
    public static FamilyConfig SingleWorkerOf(FamilyConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        long batch = (long)config.Workers * config.BatchSize;
        if (batch > int.MaxValue)
        {
            throw new InvalidInputException("--batch", $"M·B = {batch} is too large for the one-worker comparison.");
        }

        return config with { Workers = 1, BatchSize = (int)batch };
    }

    /// <summary>Rounds both recursions completed.</summary>
    public int RoundsCompleted => Math.Min(Workers.RoundsCompleted, SingleWorker.RoundsCompleted);

    /// <summary>Excess risk of M workers minus that of one worker at batch M·B, after k rounds.</summary>
    public double Excess(int round) => Workers.ExcessRisk(round) - SingleWorker.ExcessRisk(round);

    /// <summary>The per-round differences, k = 0..<see cref="RoundsCompleted"/>.</summary>
    public double[] ExcessCurve() => Enumerable.Range(0, RoundsCompleted + 1).Select(Excess).ToArray();
}
