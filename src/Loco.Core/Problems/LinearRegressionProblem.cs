using System.Globalization;
using System.Numerics.Tensors;
using Loco.Core.Family;
using Loco.Core.Random;

namespace Loco.Core.Problems;

/// <summary>
/// Gaussian linear regression (DESIGN.md §2): x ~ N(0, diag(λ)), y = x·θ* + σε. The covariance is never formed:
/// a sample is x = √λ ⊙ z with z standard normal. Per-sample loss ½(x·θ − y)²; population risk
/// R(θ) = ½ Σ λ_i (θ_i − θ*_i)² + σ²/2.
/// </summary>
public sealed class LinearRegressionProblem
{
    private LinearRegressionProblem(double[] lambda, double[] thetaStar, double noise, string description)
    {
        Lambda = lambda;
        ThetaStar = thetaStar;
        Noise = noise;
        SqrtLambda = new double[lambda.Length];
        TensorPrimitives.Sqrt(lambda, SqrtLambda);
        Description = description;
    }

    /// <summary>D, the number of features.</summary>
    public int Dimension => Lambda.Length;

    /// <summary>The eigenvalues λ_i of the feature covariance.</summary>
    public double[] Lambda { get; }

    /// <summary>√λ_i, the scale applied to standard normal draws.</summary>
    public double[] SqrtLambda { get; }

    /// <summary>The target weights θ*.</summary>
    public double[] ThetaStar { get; }

    /// <summary>σ, the label-noise standard deviation.</summary>
    public double Noise { get; }

    /// <summary>Where the problem came from, for reports.</summary>
    public string Description { get; }

    /// <summary>The irreducible part of the risk, σ²/2.</summary>
    public double NoiseFloor => 0.5 * Noise * Noise;

    /// <summary>
    /// Power-law problem: λ_i = λ_max · i^(−a), θ*_i ~ N(0, i^(−b)) drawn from <paramref name="targetSeed"/>.
    /// </summary>
    public static LinearRegressionProblem PowerLaw(int dimension, double spectrumExponent, double targetExponent, double noise, ulong targetSeed, double lambdaMax = 1.0)
    {
        InputChecks.AtLeastOne(dimension, "--dim", "dimension");
        Finite(spectrumExponent, "--spectrum-exp", "spectrum exponent");
        Finite(targetExponent, "--target-exp", "target exponent");
        CheckNoise(noise);
        InputChecks.PositiveFinite(lambdaMax, "--lambda-max", "largest eigenvalue");
        var lambda = new double[dimension];
        var thetaStar = new double[dimension];
        var rng = new GaussianStream(targetSeed, stream: 0x7A16E7);
        rng.Fill(thetaStar);
        for (int i = 0; i < dimension; i++)
        {
            double index = i + 1;
            lambda[i] = lambdaMax * Math.Pow(index, -spectrumExponent);
            thetaStar[i] *= Math.Pow(index, -0.5 * targetExponent);
        }

        return new LinearRegressionProblem(lambda, thetaStar, noise,
            $"power law D={dimension}, λ_i={lambdaMax:G4}·i^-{spectrumExponent:G4}, θ*_i~N(0, i^-{targetExponent:G4}), σ={noise:G4}");
    }

    /// <summary>A problem with the eigenvalues and target given per mode.</summary>
    public static LinearRegressionProblem FromModes(double[] lambda, double[] thetaStar, double noise, string description = "given modes")
    {
        ArgumentNullException.ThrowIfNull(lambda);
        ArgumentNullException.ThrowIfNull(thetaStar);
        if (lambda.Length == 0 || lambda.Length != thetaStar.Length)
        {
            throw new ArgumentException("λ and θ* must be non-empty and of equal length.");
        }

        CheckNoise(noise);
        return new LinearRegressionProblem((double[])lambda.Clone(), (double[])thetaStar.Clone(), noise, description);
    }

    /// <summary>
    /// Reads a CSV with the header <c>lambda,theta_star</c> and one mode per line.
    /// </summary>
    /// <exception cref="InvalidInputException">The file cannot be read or a line is malformed (the message names the line).</exception>
    public static LinearRegressionProblem FromSpectrumFile(string path, double noise)
    {
        CheckNoise(noise);
        (double[] lambda, double[] theta) = SpectrumFile.Read(path);
        return new LinearRegressionProblem(lambda, theta, noise, $"spectrum file {Path.GetFileName(path)} (D={lambda.Length}), σ={noise:G4}");
    }

    /// <summary>R(θ) = ½ Σ λ_i (θ_i − θ*_i)² + σ²/2.</summary>
    public double Risk(ReadOnlySpan<double> theta) => ExcessRisk(theta) + NoiseFloor;

    /// <summary>R(θ) − σ²/2 = ½ Σ λ_i (θ_i − θ*_i)².</summary>
    public double ExcessRisk(ReadOnlySpan<double> theta)
    {
        if (theta.Length != Dimension)
        {
            throw new ArgumentException($"θ has {theta.Length} entries; the problem has {Dimension}.", nameof(theta));
        }

        double sum = 0;
        for (int i = 0; i < theta.Length; i++)
        {
            double e = theta[i] - ThetaStar[i];
            sum += Lambda[i] * e * e;
        }

        return 0.5 * sum;
    }

    private static void CheckNoise(double noise)
    {
        if (!double.IsFinite(noise) || noise < 0)
        {
            throw new InvalidInputException("--noise", $"the label-noise standard deviation must be a non-negative finite number (got {noise}).");
        }
    }

    private static void Finite(double value, string flag, string what)
    {
        if (!double.IsFinite(value))
        {
            throw new InvalidInputException(flag, $"the {what} must be a finite number (got {value}).");
        }
    }
}

/// <summary>The per-mode spectrum CSV: header <c>lambda,theta_star</c>, then one mode per line.</summary>
public static class SpectrumFile
{
    /// <summary>The header the file must start with.</summary>
    public const string Header = "lambda,theta_star";

    /// <summary>Reads and validates the file; errors name the file and the line.</summary>
    public static (double[] Lambda, double[] ThetaStar) Read(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new InvalidInputException(path, $"cannot read the spectrum file ({ex.Message}).");
        }

        if (lines.Length == 0 || !string.Equals(lines[0].Replace(" ", "").Trim(), Header, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidInputException($"{path}:1", $"the first line must be the header '{Header}'.");
        }

        var lambda = new List<double>();
        var theta = new List<double>();
        for (int n = 1; n < lines.Length; n++)
        {
            string line = lines[n].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            string where = $"{path}:{n + 1}";
            string[] fields = line.Split(',');
            if (fields.Length != 2)
            {
                throw new InvalidInputException(where, $"expected 2 comma-separated values (lambda,theta_star), found {fields.Length}.");
            }

            double l = Number(fields[0], where, "lambda");
            double t = Number(fields[1], where, "theta_star");
            if (l <= 0)
            {
                throw new InvalidInputException(where, $"lambda must be positive (got {fields[0].Trim()}).");
            }

            lambda.Add(l);
            theta.Add(t);
        }

        if (lambda.Count == 0)
        {
            throw new InvalidInputException(path, "the spectrum file has a header but no modes.");
        }

        return ([.. lambda], [.. theta]);
    }

    private static double Number(string text, string where, string column)
    {
        if (!double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
        {
            throw new InvalidInputException(where, $"{column} '{text.Trim()}' is not a finite number.");
        }

        return value;
    }
}
