using System.Numerics;

namespace Loco.Theory.Analysis;

/// <summary>Eigenvalues and spectral radius of a real 2×2 matrix from its characteristic polynomial z² − t z + d.</summary>
public static class Spectral
{
    /// <summary>
    /// The two eigenvalues, the larger in magnitude first. Real roots use the cancellation-free pair
    /// z₁ = (t + sign(t)√(t² − 4d))/2, z₂ = d/z₁; complex roots are √d·e^{±iθ}.
    /// </summary>
    public static (Complex Z1, Complex Z2) Eigenvalues(double trace, double determinant)
    {
        double disc = trace * trace - 4 * determinant;
        if (disc < 0)
        {
            double re = 0.5 * trace;
            double im = 0.5 * Math.Sqrt(-disc);
            return (new Complex(re, im), new Complex(re, -im));
        }

        double z1 = 0.5 * (trace + (trace >= 0 ? 1 : -1) * Math.Sqrt(disc));
        double z2 = z1 != 0 ? determinant / z1 : 0;
        return (z1, z2);
    }

    /// <summary>ρ = max |z| over the eigenvalues of the matrix with trace t and determinant d.</summary>
    public static double Radius(double trace, double determinant)
    {
        double disc = trace * trace - 4 * determinant;
        if (disc < 0)
        {
            return Math.Sqrt(determinant); // complex pair: |z|² = z z̄ = d
        }

        return 0.5 * (Math.Abs(trace) + Math.Sqrt(disc));
    }

    /// <summary>ρ(T).</summary>
    public static double Radius(Matrix2 t) => Radius(t.Trace, t.Determinant);

    /// <summary>
    /// The Jury (Schur–Cohn) test for z² − t z + d: both roots lie strictly inside the unit circle iff
    /// |d| &lt; 1 and |t| &lt; 1 + d.
    /// </summary>
    public static bool JuryStable(double trace, double determinant) =>
        Math.Abs(determinant) < 1 && Math.Abs(trace) < 1 + determinant;
}
