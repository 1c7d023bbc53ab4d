using System.Globalization;

namespace Loco.Studies.Claims;

/// <summary>
/// The problem a claim runs on: a power law λ_i = i^(−a) with E[θ*_i²] = i^(−b), and optionally the dimension D, the
/// label noise σ and the sample budget N in place of the claim's own (null keeps the claim's value at its size).
/// </summary>
/// <param name="SpectrumExponent">a (λ_i = i^(−a), so λ_max = 1).</param>
/// <param name="TargetExponent">b (E[θ*_i²] = i^(−b)).</param>
/// <param name="Dimension">D, or null for the claim's own.</param>
/// <param name="Noise">σ, or null for the claim's own (some claims use several).</param>
/// <param name="Budget">Samples per run (for M workers, of the base setting), or null for the claim's own.</param>
public sealed record ClaimProblem(double SpectrumExponent, double TargetExponent, int? Dimension = null, double? Noise = null, long? Budget = null)
{
    /// <summary>The problem the first edition explored its criteria on: a = 1.5, b = 1.</summary>
    public static ClaimProblem Explored { get; } = new(1.5, 1.0);

    /// <summary>
    /// The second problem, fixed before any second-edition criterion was judged on it: a steeper spectrum with a flatter
    /// target (a = 2, b = 0.5), so that more of the initial error sits in slow modes.
    /// </summary>
    public static ClaimProblem Second { get; } = new(2.0, 0.5);

    /// <summary>The problems <c>loco reproduce</c> runs when none is given: <see cref="Explored"/> and <see cref="Second"/>.</summary>
    public static IReadOnlyList<ClaimProblem> Default { get; } = [Explored, Second];

    /// <summary>The power-law problem of this spectrum and target at <paramref name="defaultDimension"/> unless D is set.</summary>
    public PowerLawSetup Setup(int defaultDimension) => new(Dimension ?? defaultDimension, SpectrumExponent, TargetExponent);

    /// <summary>σ if set, else <paramref name="claimNoise"/>.</summary>
    public double NoiseOr(double claimNoise) => Noise ?? claimNoise;

    /// <summary>The claim's noise levels, or σ alone if set.</summary>
    public double[] NoisesOr(double[] claimNoises) => Noise is double s ? [s] : claimNoises;

    /// <summary>N if set, else <paramref name="claimBudget"/>.</summary>
    public long BudgetOr(long claimBudget) => Budget ?? claimBudget;

    /// <summary>A one-line description, e.g. "λ_i = i^-2, E[θ*_i²] = i^-0.5".</summary>
    public string Label => string.Create(CultureInfo.InvariantCulture,
        $"λ_i = i^-{SpectrumExponent:G4}, E[θ*_i²] = i^-{TargetExponent:G4}{(Dimension is int d ? $", D = {d}" : "")}{(Noise is double s ? $", σ = {s:G4}" : "")}{(Budget is long n ? $", N = {n}" : "")}");

    /// <summary>A file-name-safe label, e.g. "a2-b0.5" (with "-d…", "-s…", "-n…" when set).</summary>
    public string Slug => string.Create(CultureInfo.InvariantCulture,
        $"a{SpectrumExponent:G4}-b{TargetExponent:G4}{(Dimension is int d ? $"-d{d}" : "")}{(Noise is double s ? $"-s{s:G4}" : "")}{(Budget is long n ? $"-n{n}" : "")}");

    /// <summary>The command-line flags that select this problem.</summary>
    public string Flags => string.Create(CultureInfo.InvariantCulture,
        $"--spectrum-exp {SpectrumExponent:G17} --target-exp {TargetExponent:G17}{(Dimension is int d ? $" --dim {d}" : "")}{(Noise is double s ? $" --noise {s:G17}" : "")}{(Budget is long n ? $" --budget {n}" : "")}");

    /// <summary>The reason this problem cannot be run, or null: a &gt; 0, b ≥ 0 finite; 4 ≤ D ≤ 100000; σ ≥ 0 finite; N ≥ 1024.</summary>
    public string? Problem()
    {
        if (!double.IsFinite(SpectrumExponent) || SpectrumExponent <= 0 || SpectrumExponent > 8)
        {
            return $"--spectrum-exp must be in (0, 8] (λ_i = i^-a), not {SpectrumExponent.ToString(CultureInfo.InvariantCulture)}.";
        }

        if (!double.IsFinite(TargetExponent) || TargetExponent < 0 || TargetExponent > 8)
        {
            return $"--target-exp must be in [0, 8] (E[θ*_i²] = i^-b), not {TargetExponent.ToString(CultureInfo.InvariantCulture)}.";
        }

        if (Dimension is int d && (d < 4 || d > 100_000))
        {
            return $"--dim must be between 4 and 100000, not {d}.";
        }

        if (Noise is double s && (!double.IsFinite(s) || s < 0))
        {
            return $"--noise must be a finite σ ≥ 0, not {s.ToString(CultureInfo.InvariantCulture)}.";
        }

        if (Budget is long n && n < 1024)
        {
            return $"--budget must be at least 1024 samples, not {n}.";
        }

        return null;
    }
}
