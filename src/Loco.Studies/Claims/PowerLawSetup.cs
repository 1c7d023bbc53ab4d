using Loco.Core.Problems;
using Loco.Theory.Spectra;

namespace Loco.Studies.Claims;

/// <summary>
/// The power-law problem of the Agarwala claims: λ_i = i^(−a) and a fixed target with θ*_i² = i^(−b) exactly
/// (θ*_i = i^(−b/2)), so e_i(0)² = i^(−b) is the expected initial error of the random-target problem and the
/// theory's atoms (<see cref="AtomSpectrum.PowerLawModes"/>) describe the very problem the simulator samples.
/// </summary>
/// <param name="Dimension">D.</param>
/// <param name="SpectrumExponent">a.</param>
/// <param name="TargetExponent">b.</param>
public sealed record PowerLawSetup(int Dimension, double SpectrumExponent = 1.5, double TargetExponent = 1.0)
{
    /// <summary>Atoms of the quadrature used to tune (the exact atoms when D is at most this).</summary>
    public const int TuningAtoms = 160;

    /// <summary>The problem with label noise σ = <paramref name="noise"/>.</summary>
    public LinearRegressionProblem Problem(double noise)
    {
        var lambda = new double[Dimension];
        var theta = new double[Dimension];
        for (int i = 0; i < Dimension; i++)
        {
            lambda[i] = Math.Pow(i + 1, -SpectrumExponent);
            theta[i] = Math.Pow(i + 1, -0.5 * TargetExponent);
        }

        return LinearRegressionProblem.FromModes(lambda, theta, noise,
            $"power law D={Dimension}, λ_i=i^-{SpectrumExponent:G4}, θ*_i²=i^-{TargetExponent:G4}, σ={noise:G4}");
    }

    /// <summary>One exact atom per mode (the curves and the criterion).</summary>
    public AtomSpectrum Spectrum() => AtomSpectrum.PowerLawModes(Dimension, SpectrumExponent, TargetExponent);

    /// <summary>A quadrature of about <see cref="TuningAtoms"/> atoms of the same spectrum (the tuner's fast model).</summary>
    public AtomSpectrum TuningSpectrum() => AtomSpectrum.PowerLawQuadrature(Dimension, SpectrumExponent, TargetExponent, TuningAtoms);

    /// <summary>λ_max = 1.</summary>
    public double LambdaMax => 1.0;
}
