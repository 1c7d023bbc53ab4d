using System.Collections.Concurrent;
using Loco.Core.Codecs;
using Loco.Core.Family;
using Loco.Core.Random;

namespace Loco.Theory.Dynamics;

/// <summary>
/// The codec's term of the exact recursion (DESIGN.md §3, §8). Each worker's decoded pseudo-gradient is Δ_m + ξ_m, with
/// ξ_m zero-mean given Δ_m (stochastic rounding is unbiased) and independent across workers, so the averaged Δ carries
/// ξ̄ with E[ξ̄ᵢ²] = E[ξᵢ²]/M, uncorrelated with s, v and f̄: in the outer step it acts as f̄ ← f̄ − ξ̄, adding E[ξᵢ²]/M
/// to E[f̄ᵢ²] and nothing to the means. That much is exact. What is modelled is the size E[ξᵢ²], from each worker's
/// E[Δ_m,i²] = E[s²] − 2qᴴE[s²] + E[f_m²], which the recursion tracks, treating Δ_m,i as N(0, E[Δ²]):
/// <list type="bullet">
/// <item>bf16, fp16: E[ξ²] = ε²·E[Δ²], ε² measured once per format by encoding standard Gaussians with the real codec
/// (floating point is scale-free, so one number serves every mode).</item>
/// <item>int8, int4 (absmax scale over a block of b values, L = 127 or 7 levels): the step is max_block|Δ|/L; E[max²] over
/// the block's independent N(0, E[Δ_j²]) is integrated numerically, and a value x rounded stochastically on a grid of
/// step u has error variance u²·p(1 − p), p = frac(|x|/u), whose expectation over x ~ N(0, δ²) is tabulated as h(δ/u)
/// (1/6 for δ ≫ u, δ√(2/π)/u − δ²/u² for δ ≪ u).</item>
/// </list>
/// Round to nearest is biased (small values fall to zero) and its error is a deterministic function of Δ: the same term
/// then treats it as independent noise of its size (u²/12 on average), the classic approximation, which misses the bias.
/// Error feedback is not modelled.
/// </summary>
public sealed class CodecNoise
{
    private static readonly ConcurrentDictionary<string, double> Measured = new();

    private readonly int _block;
    private readonly double[] _weight;

    /// <summary>The term for <paramref name="codec"/> over atoms of multiplicities <paramref name="weights"/> (in mode order).</summary>
    public CodecNoise(CodecSpec codec, IReadOnlyList<double> weights)
    {
        ArgumentNullException.ThrowIfNull(codec);
        ArgumentNullException.ThrowIfNull(weights);
        Codec = codec;
        RelativeVariance = RelativeVarianceOf(codec);
        _block = codec.Kind is CodecKind.Int8 or CodecKind.Int4 ? codec.BlockSize : 1;
        _weight = [.. weights];
    }

    /// <summary>The codec.</summary>
    public CodecSpec Codec { get; }

    /// <summary>ε²: E[ξ²] over the mean square of what is encoded (per value, or over a block).</summary>
    public double RelativeVariance { get; }

    /// <summary>
    /// ε² of <paramref name="codec"/>, measured once: 2¹⁶ standard Gaussians (a fixed seed) encoded and decoded by the real
    /// codec, mean squared error over mean square.
    /// </summary>
    public static double RelativeVarianceOf(CodecSpec codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        return Measured.GetOrAdd(codec.ToString() + ":" + codec.BlockSize, _ =>
        {
            const int n = 1 << 16;
            var x = new double[n];
            new GaussianStream(20_260_528, 0).Fill(x);
            float[] values = [.. x.Select(v => (float)v)];
            ICodec c = codec.Create();
            var bytes = new byte[c.EncodedBytes(n)];
            var back = new float[n];
            c.Encode(values, bytes, seed: 0x5EED);
            c.Decode(bytes, back);
            double err = 0, square = 0;
            for (int i = 0; i < n; i++)
            {
                double e = back[i] - (double)values[i];
                err += e * e;
                square += (double)values[i] * values[i];
            }

            return err / square;
        });
    }

    /// <summary>
    /// Writes E[ξ²] per atom into <paramref name="variance"/> from each worker's E[Δ²] per atom (see the class summary);
    /// blocks are consecutive modes, counted by the atoms' multiplicities.
    /// </summary>
    public void Variance(ReadOnlySpan<double> deltaSquare, Span<double> variance)
    {
        if (deltaSquare.Length != _weight.Length || variance.Length != _weight.Length)
        {
            throw new ArgumentException($"{deltaSquare.Length} and {variance.Length} entries for {_weight.Length} atoms.");
        }

        if (_block == 1)
        {
            double eps = RelativeVariance;
            for (int k = 0; k < deltaSquare.Length; k++)
            {
                variance[k] = eps * deltaSquare[k];
            }

            return;
        }

        double levels = Codec.Kind == CodecKind.Int8 ? 127 : 7;
        int start = 0;
        while (start < _weight.Length)
        {
            // A block: consecutive atoms up to _block modes (an atom standing for more modes is its own block).
            double modes = 0;
            int end = start;
            while (end < _weight.Length && (end == start || modes + _weight[end] <= _block + 1e-9))
            {
                modes += _weight[end];
                end++;
            }

            double stepSquare = ExpectedMaxSquare(deltaSquare[start..end], _weight.AsSpan(start, end - start), _block) / (levels * levels);
            double step = Math.Sqrt(stepSquare);
            for (int k = start; k < end; k++)
            {
                variance[k] = step == 0 ? 0 : stepSquare * RoundingFactor(Math.Sqrt(deltaSquare[k]) / step, Codec.Stochastic);
            }

            start = end;
        }
    }

    /// <summary>
    /// E[max_j x_j²] over independent x_j ~ N(0, <paramref name="deltaSquare"/>[j]), each standing for
    /// <paramref name="weight"/>[j] values (an atom of more than <paramref name="block"/> modes counts as a block of its own):
    /// ∫ 2t (1 − Π_j erf(t/√(2δ_j²))^{w_j}) dt, by Simpson's rule.
    /// </summary>
    internal static double ExpectedMaxSquare(ReadOnlySpan<double> deltaSquare, ReadOnlySpan<double> weight, int block)
    {
        double top = 0, count = 0;
        for (int j = 0; j < deltaSquare.Length; j++)
        {
            top = Math.Max(top, deltaSquare[j]);
            count += Math.Min(weight[j], block);
        }

        if (top <= 0)
        {
            return 0;
        }

        double sigma = Math.Sqrt(top);
        double upper = sigma * (Math.Sqrt(2 * Math.Log(Math.Max(count, 2))) + 7);
        const int n = 400; // even
        double h = upper / n, sum = 0;
        for (int i = 0; i <= n; i++)
        {
            double t = i * h, logCdf = 0;
            for (int j = 0; j < deltaSquare.Length && t > 0; j++)
            {
                if (deltaSquare[j] > 0)
                {
                    logCdf += Math.Min(weight[j], block) * Math.Log(Math.Max(Erf(t / Math.Sqrt(2 * deltaSquare[j])), 1e-300));
                }
            }

            double f = t == 0 ? 0 : 2 * t * -double.ExpM1(logCdf);
            sum += f * (i == 0 || i == n ? 1 : i % 2 == 1 ? 4 : 2);
        }

        return sum * h / 3;
    }

    /// <summary>
    /// E[p(1 − p)] (stochastic rounding) or E[min(p, 1 − p)²] (round to nearest), p = frac(|x|/u), over x ~ N(0, (r·u)²):
    /// the error variance in units of u².
    /// </summary>
    internal static double RoundingFactor(double r, bool stochastic)
    {
        if (r > 6)
        {
            return stochastic ? 1.0 / 6 : 1.0 / 12;
        }

        if (r <= 0)
        {
            return 0;
        }

        // ∫ over z ∈ [0, 9] of 2φ(z) g(frac(r z)), Simpson's rule with at least 40 points per period.
        int n = 2 * (int)Math.Ceiling(Math.Max(200, 9 * r * 40) / 2);
        double h = 9.0 / n, sum = 0;
        for (int i = 0; i <= n; i++)
        {
            double z = i * h, x = r * z, p = x - Math.Floor(x);
            double g = stochastic ? p * (1 - p) : Math.Min(p, 1 - p) * Math.Min(p, 1 - p);
            double f = 2 * Math.Exp(-0.5 * z * z) / Math.Sqrt(2 * Math.PI) * g;
            sum += f * (i == 0 || i == n ? 1 : i % 2 == 1 ? 4 : 2);
        }

        return sum * h / 3;
    }

    // erf by Abramowitz and Stegun 7.1.26 is too coarse here; this is W. J. Cody's rational form via erfc for the tail.
    private static double Erf(double x) => x >= 3 ? 1 - Erfc(x) : ErfSeries(x);

    private static double ErfSeries(double x)
    {
        // Maclaurin series: erf x = 2/√π Σ (−1)^n x^{2n+1} / (n! (2n+1)); converges well for x < 3.
        double term = x, sum = x, x2 = x * x;
        for (int n = 1; n < 200; n++)
        {
            term *= -x2 / n;
            double add = term / (2 * n + 1);
            sum += add;
            if (Math.Abs(add) < 1e-17 * Math.Abs(sum))
            {
                break;
            }
        }

        return 2 / Math.Sqrt(Math.PI) * sum;
    }

    private static double Erfc(double x)
    {
        // Continued fraction (Lentz) for x ≥ 3: erfc x = e^{−x²}/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + …)))).
        double f = x, c = x, d = 0;
        for (int n = 1; n < 200; n++)
        {
            double a = n / 2.0;
            d = x + a * d;
            d = d == 0 ? 1e-300 : 1 / d;
            c = x + a / c;
            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1) < 1e-16)
            {
                break;
            }
        }

        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / f;
    }

    /// <summary>Refuses what the term does not model: error feedback.</summary>
    public static void CheckSupported(CodecSpec codec, bool errorFeedback)
    {
        ArgumentNullException.ThrowIfNull(codec);
        if (errorFeedback)
        {
            throw new InvalidInputException("--error-feedback",
                "the theory's codec term models the codec's error as fresh noise each round; error feedback carries it over (a biased, correlated error) and is not modelled: use 'loco simulate'.");
        }
    }
}
