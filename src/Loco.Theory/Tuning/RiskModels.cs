using Loco.Core.Family;
using Loco.Theory.Analysis;
using Loco.Theory.Dynamics;
using Loco.Theory.Spectra;

namespace Loco.Theory.Tuning;

/// <summary>The exact expected-risk recursion (<see cref="RiskRecursion"/>) as a risk model.</summary>
/// <param name="Spectrum">The atoms (λ, multiplicity, E e(0)²).</param>
/// <param name="Noise">σ, the label-noise standard deviation.</param>
/// <param name="Mode">Exact or the high-dimensional limit.</param>
public sealed record RecursionRiskModel(AtomSpectrum Spectrum, double Noise, TheoryMode Mode = TheoryMode.Exact) : IRiskModel
{
    /// <summary>The codec every candidate sends its pseudo-gradients through: a fixed constraint of the tuning (fp32: none).</summary>
    public Loco.Core.Codecs.CodecSpec Codec { get; init; } = Loco.Core.Codecs.CodecSpec.None;

    /// <inheritdoc />
    public RiskOutcome Evaluate(FamilyConfig config, long samples)
    {
        int rounds = Rounds(config, samples);
        if (rounds == 0)
        {
            return new RiskOutcome(Spectrum.InitialExcessRisk() + Noise * Noise / 2, 0, null);
        }

        TheoryResult result = new RiskRecursion(Spectrum, config, Noise).Run(new TheoryOptions { Rounds = rounds, Mode = Mode, Codec = Codec });
        return result.DivergedAtRound is int d
            ? new RiskOutcome(double.PositiveInfinity, rounds, d)
            : new RiskOutcome(result.FinalRisk, rounds, null);
    }

    internal static int Rounds(FamilyConfig config, long samples) => (int)Math.Min(int.MaxValue, samples / config.SamplesPerRound);
}

/// <summary>
/// Noise-free full-batch risk (σ = 0, infinite batch): every mode's error after R rounds is exactly
/// c(μ) e(0) with c = c_K^{⌊R/K⌋} c_{R mod K} with restarts every K rounds and c = (T^R)₁₁ without, so the final
/// risk is ½ Σ w λ c(μ)² E e(0)². Independent of the recursion; used to test the tuner and as a fast model.
/// </summary>
/// <param name="Spectrum">The atoms.</param>
public sealed record NoiselessRiskModel(AtomSpectrum Spectrum) : IRiskModel
{
    /// <inheritdoc />
    public RiskOutcome Evaluate(FamilyConfig config, long samples)
    {
        int rounds = RecursionRiskModel.Rounds(config, samples);
        var outer = config.OuterOptimizer;
        int k = config.RestartPeriod;
        double risk = 0;
        for (int i = 0; i < Spectrum.Count; i++)
        {
            double mu = EffectiveSpectrum.Of(Spectrum.Lambda[i], config.InnerLr, config.InnerSteps);
            Matrix2 t = OuterTransfer.Of(outer, mu);
            double c = k > 0
                ? Math.Pow(RestartContraction.Factor(t, k), rounds / k) * RestartContraction.Factor(t, rounds % k)
                : RestartContraction.Factor(t, rounds);
            risk += 0.5 * Spectrum.Weight[i] * Spectrum.Lambda[i] * c * c * Spectrum.InitialSquare[i];
        }

        return double.IsFinite(risk) ? new RiskOutcome(risk, rounds, null) : new RiskOutcome(double.PositiveInfinity, rounds, rounds);
    }
}
