using Loco.Core.Problems;
using Loco.Theory.Spectra;

namespace Loco.Reports.Reproduce.Claims;

/// <summary>
/// The power-law problem of the Agarwala claims: λ_i = i^(−a), θ*_i ~ N(0, i^(−b)) drawn once from a fixed seed,
/// so E[e_i(0)²] ∝ i^(−b). Theory (one exact atom per mode with the drawn θ*) and simulation share that θ*.
/// </summary>
/// <param name="Dimension">D.</param>
/// <param name="SpectrumExponent">a.</param>
/// <param name="TargetExponent">b.</param>
/// <param name="TargetSeed">Seed of θ*.</param>
public sealed record PowerLawSetup(int Dimension, double SpectrumExponent = 1.5, double TargetExponent = 1.0, ulong TargetSeed = 20260101)
{
    /// <summary>The problem with label noise σ = <paramref name="noise"/>.</summary>
    public LinearRegressionProblem Problem(double noise) =>
        LinearRegressionProblem.PowerLaw(Dimension, SpectrumExponent, TargetExponent, noise, TargetSeed);

    /// <summary>Its atoms (independent of σ, which the recursion takes separately).</summary>
    public AtomSpectrum Spectrum() => AtomSpectrum.FromProblem(Problem(0));

    /// <summary>λ_max = 1.</summary>
    public double LambdaMax => 1.0;
}
