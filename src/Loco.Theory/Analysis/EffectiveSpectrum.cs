using System.Numerics.Tensors;

namespace Loco.Theory.Analysis;

/// <summary>
/// The effective spectrum of a round (DESIGN.md §3): H inner SGD steps of size η on a mode with eigenvalue λ
/// multiply its error by (1 − ηλ)^H, so the slow weights see μ = 1 − (1 − ηλ)^H.
/// </summary>
/// <remarks>
/// μ is computed without the cancellation of the literal formula (which loses all digits once Hηλ ≲ 1e-16):
/// with x = ηλ and u_n = 1 − (1 − x)^n, binary powering uses u_{2n} = u_n (2 − u_n) and u_{n+1} = u_n + x (1 − u_n),
/// whose terms are all non-negative for 0 ≤ x ≤ 1. Vectorised over modes with <see cref="TensorPrimitives"/>.
/// </remarks>
public static class EffectiveSpectrum
{
    /// <summary>μ = 1 − (1 − ηλ)^H for one mode.</summary>
    public static double Of(double lambda, double innerLr, int innerSteps)
    {
        Span<double> mu = stackalloc double[1];
        Compute([lambda], innerLr, innerSteps, mu);
        return mu[0];
    }

    /// <summary>μ_i = 1 − (1 − ηλ_i)^H for every mode.</summary>
    public static double[] Compute(ReadOnlySpan<double> lambda, double innerLr, int innerSteps)
    {
        var mu = new double[lambda.Length];
        Compute(lambda, innerLr, innerSteps, mu);
        return mu;
    }

    /// <summary>μ_i = 1 − (1 − ηλ_i)^H for every mode, into <paramref name="mu"/>.</summary>
    public static void Compute(ReadOnlySpan<double> lambda, double innerLr, int innerSteps, Span<double> mu)
    {
        if (mu.Length != lambda.Length)
        {
            throw new ArgumentException($"μ has {mu.Length} entries; λ has {lambda.Length}.", nameof(mu));
        }

        if (!double.IsFinite(innerLr) || innerLr <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(innerLr), innerLr, "The inner learning rate must be a positive finite number.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(innerSteps);

        double[] x = new double[lambda.Length];
        double[] scratch = new double[lambda.Length];
        TensorPrimitives.Multiply(lambda, innerLr, x);

        // u = u_1 = x; then walk the bits of H below the leading one: square (n → 2n), and on a 1 bit add one (n → n + 1).
        x.CopyTo(mu);
        int top = 31 - int.LeadingZeroCount(innerSteps);
        for (int bit = top - 1; bit >= 0; bit--)
        {
            // u ← u (2 − u)
            TensorPrimitives.Subtract(2.0, mu, scratch);
            TensorPrimitives.Multiply(mu, scratch, mu);
            if (((innerSteps >> bit) & 1) != 0)
            {
                // u ← u + x (1 − u)
                TensorPrimitives.Subtract(1.0, mu, scratch);
                TensorPrimitives.FusedMultiplyAdd(x, scratch, mu, mu);
            }
        }
    }
}
