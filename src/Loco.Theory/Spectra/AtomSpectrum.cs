using Loco.Core.Family;
using Loco.Core.Problems;

namespace Loco.Theory.Spectra;

/// <summary>
/// A spectrum as weighted atoms (DESIGN.md §2): atom k stands for <see cref="Weight"/>[k] modes that share the
/// eigenvalue <see cref="Lambda"/>[k], and <see cref="InitialSquare"/>[k] is the mean over those modes of e_i(0)²
/// (the initial error e(0) = −θ* because the weights start at 0). The mean dynamics is linear and depends on a
/// mode only through λ, so E s_i(t) = a_t(λ) e_i(0) and the signal of an atom is ½ w λ a_t² E[e(0)²]: the mean
/// square of e(0) over the merged modes is all an atom needs.
/// </summary>
public sealed class AtomSpectrum
{
    private AtomSpectrum(double[] lambda, double[] weight, double[] initialSquare, int representedModes, bool unitWeights, string description)
    {
        Lambda = lambda;
        Weight = weight;
        InitialSquare = initialSquare;
        RepresentedModes = representedModes;
        UnitWeights = unitWeights;
        Description = description;
    }

    /// <summary>λ_k, the eigenvalue of atom k.</summary>
    public double[] Lambda { get; }

    /// <summary>w_k, how many modes atom k stands for (not necessarily a whole number for quadrature atoms).</summary>
    public double[] Weight { get; }

    /// <summary>E[e_k(0)²], the initial mean-square error of one mode of atom k.</summary>
    public double[] InitialSquare { get; }

    /// <summary>The number of atoms.</summary>
    public int Count => Lambda.Length;

    /// <summary>D, the number of modes the atoms represent.</summary>
    public int RepresentedModes { get; }

    /// <summary>True when every multiplicity is exactly 1 (one atom per mode), which allows a faster kernel.</summary>
    public bool UnitWeights { get; }

    /// <summary>Where the spectrum came from, for reports.</summary>
    public string Description { get; }

    /// <summary>Σ_k w_k λ_k E[e_k(0)²] / 2, the initial excess risk.</summary>
    public double InitialExcessRisk()
    {
        double sum = 0;
        for (int k = 0; k < Count; k++)
        {
            sum += Weight[k] * Lambda[k] * InitialSquare[k];
        }

        return 0.5 * sum;
    }

    /// <summary>One atom per mode of <paramref name="problem"/>, with its drawn θ*: e_i(0)² = θ*_i² exactly.</summary>
    public static AtomSpectrum FromProblem(LinearRegressionProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        int d = problem.Dimension;
        var weight = new double[d];
        Array.Fill(weight, 1.0);
        var square = new double[d];
        for (int i = 0; i < d; i++)
        {
            square[i] = problem.ThetaStar[i] * problem.ThetaStar[i];
        }

        return new AtomSpectrum((double[])problem.Lambda.Clone(), weight, square, d, unitWeights: true, $"exact atoms of {problem.Description}");
    }

    /// <summary>
    /// One atom per mode of the power law λ_i = λ_max i^(−a) with the expected target E[θ*_i²] = i^(−b) (the variance
    /// <see cref="LinearRegressionProblem.PowerLaw"/> draws θ*_i from): the risk averaged over targets.
    /// </summary>
    public static AtomSpectrum PowerLawModes(int dimension, double spectrumExponent, double targetExponent, double lambdaMax = 1.0)
    {
        CheckPowerLaw(dimension, spectrumExponent, targetExponent, lambdaMax);
        var lambda = new double[dimension];
        var weight = new double[dimension];
        var square = new double[dimension];
        for (int i = 0; i < dimension; i++)
        {
            double index = i + 1;
            lambda[i] = lambdaMax * Math.Pow(index, -spectrumExponent);
            weight[i] = 1;
            square[i] = Math.Pow(index, -targetExponent);
        }

        return new AtomSpectrum(lambda, weight, square, dimension, unitWeights: true,
            $"power law D={dimension}, λ_i={lambdaMax:G4}·i^-{spectrumExponent:G4}, E[θ*_i²]=i^-{targetExponent:G4}, {dimension} exact atoms");
    }

    /// <summary>
    /// The same power law (expected target) by a quadrature of about <paramref name="atoms"/> atoms: the first ⌈N/2⌉
    /// modes exactly, then the modes i = h+1..D as the integral of a smooth function of i over [h + ½, D + ½]
    /// (the midpoint rule read backwards; its error is O(g''/24) per mode), split into bins evenly spaced in ln i
    /// with <see cref="NodesPerBin"/> Gauss–Legendre nodes in ln i each. Multiplicities are the quadrature weights
    /// (dx = x d ln x), so they sum to the exact number of modes. With D ≤ N every mode is its own atom.
    /// </summary>
    public static AtomSpectrum PowerLawQuadrature(int dimension, double spectrumExponent, double targetExponent, int atoms, double lambdaMax = 1.0)
    {
        CheckPowerLaw(dimension, spectrumExponent, targetExponent, lambdaMax);
        if (atoms < 2 * NodesPerBin)
        {
            throw new InvalidInputException("--atoms", $"the quadrature needs at least {2 * NodesPerBin} atoms (got {atoms}).");
        }

        if (dimension <= atoms)
        {
            return PowerLawModes(dimension, spectrumExponent, targetExponent, lambdaMax);
        }

        int head = (atoms + 1) / 2;
        int bins = (atoms - head) / NodesPerBin;
        (double[] nodes, double[] glWeights) = GaussLegendre.Rule(NodesPerBin);
        int count = head + bins * NodesPerBin;
        var lambda = new double[count];
        var weight = new double[count];
        var square = new double[count];
        for (int i = 0; i < head; i++)
        {
            double index = i + 1;
            lambda[i] = lambdaMax * Math.Pow(index, -spectrumExponent);
            weight[i] = 1;
            square[i] = Math.Pow(index, -targetExponent);
        }

        double lo = Math.Log(head + 0.5), hi = Math.Log(dimension + 0.5);
        double width = (hi - lo) / bins;
        int k = head;
        for (int bin = 0; bin < bins; bin++)
        {
            double centre = lo + (bin + 0.5) * width;
            for (int j = 0; j < NodesPerBin; j++)
            {
                double u = centre + 0.5 * width * nodes[j];
                double x = Math.Exp(u);
                lambda[k] = lambdaMax * Math.Pow(x, -spectrumExponent);
                weight[k] = 0.5 * width * glWeights[j] * x;
                square[k] = Math.Pow(x, -targetExponent);
                k++;
            }
        }

        return new AtomSpectrum(lambda, weight, square, dimension, unitWeights: false,
            $"power law D={dimension}, λ_i={lambdaMax:G4}·i^-{spectrumExponent:G4}, E[θ*_i²]=i^-{targetExponent:G4}, " +
            $"quadrature: {head} exact modes + {bins}×{NodesPerBin} Gauss–Legendre atoms");
    }

    /// <summary>Gauss–Legendre nodes per logarithmic bin of the quadrature.</summary>
    public const int NodesPerBin = 4;

    private static void CheckPowerLaw(int dimension, double a, double b, double lambdaMax)
    {
        InputChecks.AtLeastOne(dimension, "--dim", "dimension");
        if (!double.IsFinite(a))
        {
            throw new InvalidInputException("--spectrum-exp", $"the spectrum exponent must be a finite number (got {a}).");
        }

        if (!double.IsFinite(b))
        {
            throw new InvalidInputException("--target-exp", $"the target exponent must be a finite number (got {b}).");
        }

        InputChecks.PositiveFinite(lambdaMax, "--lambda-max", "largest eigenvalue");
    }
}
