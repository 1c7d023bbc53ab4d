using Loco.Core.Optimizers;
using Loco.Theory.Analysis;
using Loco.Torch.Ntk;

namespace Loco.Studies.Ntk;

/// <summary>
/// One mode over one restart cycle: the measured ratio a_i(end)/a_i(start) of its residual coefficient a_i = u_iᵀ r
/// against the theory's factor.
/// </summary>
/// <param name="Mode">i, 0-based (mode 0 has the largest λ).</param>
/// <param name="Cycle">j: with restarts every K rounds the cycle [jK, (j+1)K]; without restarts the window [0, j].</param>
/// <param name="Start">The first round of the window.</param>
/// <param name="End">The last round of the window.</param>
/// <param name="Coefficient">|a_i(start)| / ‖r₀‖.</param>
/// <param name="Measured">a_i(end) / a_i(start).</param>
/// <param name="Theory">c_K(μ_i) with restarts; (T(μ_i)^j)₁₁ without (the 2×2 transfer matrix iterated from v = 0).</param>
/// <param name="Included">Whether the comparison rule counts this window (see <see cref="ComparisonRule"/>).</param>
public sealed record ModeCycle(int Mode, int Cycle, int Start, int End, double Coefficient, double Measured, double Theory, bool Included)
{
    /// <summary>|measured − theory| / max(|theory|, floor): the relative error, in absolute terms where |theory| is below the floor.</summary>
    public double Error(ComparisonRule rule) => Math.Abs(Measured - Theory) / Math.Max(Math.Abs(Theory), rule.TheoryFloor);
}

/// <summary>
/// Which windows a comparison counts and how it measures the gap: a window counts when its start coefficient is at least
/// <paramref name="MinCoefficient"/> × ‖r₀‖ (below that the ratio is mostly round-off); the error is relative to the
/// theory's factor, but divided by <paramref name="TheoryFloor"/> instead where |factor| is smaller (near a phase-cancellation zero).
/// </summary>
public sealed record ComparisonRule(double MinCoefficient = 1e-5, double TheoryFloor = 1e-2)
{
    /// <summary>The rule used by <c>loco ntk</c> and the tests.</summary>
    public static ComparisonRule Default { get; } = new();
}

/// <summary>Per-mode, per-cycle ratios of a trajectory projected on the NTK eigenvectors, against the theory.</summary>
public static class ModeContraction
{
    /// <summary>
    /// Every (mode, cycle) window of <paramref name="trajectory"/>: with <paramref name="restartPeriod"/> K &gt; 0 the cycles
    /// [jK, (j+1)K] compared with c_K(μ_i); with K = 0 the windows [0, t] compared with (T(μ_i)^t)₁₁.
    /// </summary>
    public static IReadOnlyList<ModeCycle> Compare(NtkSpectrum spectrum, ReadOnlySpan<double> mu, OuterOptimizer outer, int restartPeriod,
        NtkTrajectory trajectory, ComparisonRule? rule = null)
    {
        ArgumentNullException.ThrowIfNull(spectrum);
        ArgumentNullException.ThrowIfNull(outer);
        ArgumentNullException.ThrowIfNull(trajectory);
        ArgumentOutOfRangeException.ThrowIfNegative(restartPeriod);
        rule ??= ComparisonRule.Default;
        int n = spectrum.Samples;
        if (mu.Length != n)
        {
            throw new ArgumentException($"μ has {mu.Length} entries; the kernel has {n} modes.", nameof(mu));
        }

        double[][] a = [.. trajectory.Residuals.Select(r =>
        {
            var c = new double[n];
            spectrum.Project(r, c);
            return c;
        })];
        double norm0 = Math.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares(trajectory.Residuals[0]));
        var rows = new List<ModeCycle>();
        for (int i = 0; i < n; i++)
        {
            Matrix2 transfer = OuterTransfer.Of(outer, mu[i]);
            if (restartPeriod > 0)
            {
                double factor = RestartContraction.Factor(transfer, restartPeriod);
                for (int j = 0; (j + 1) * restartPeriod <= trajectory.Rounds; j++)
                {
                    rows.Add(Row(i, j, j * restartPeriod, (j + 1) * restartPeriod, factor));
                }
            }
            else
            {
                (double s, double v) = (1.0, 0.0);
                for (int t = 1; t <= trajectory.Rounds; t++)
                {
                    (s, v) = transfer.Apply(s, v);
                    rows.Add(Row(i, t, 0, t, s));
                }
            }
        }

        return rows;

        ModeCycle Row(int mode, int cycle, int start, int end, double theory)
        {
            double first = a[start][mode];
            double coefficient = norm0 > 0 ? Math.Abs(first) / norm0 : 0;
            return new ModeCycle(mode, cycle, start, end, coefficient, a[end][mode] / first, theory, coefficient >= rule.MinCoefficient);
        }
    }

    /// <summary>Summary of the errors of the counted windows.</summary>
    public static ContractionSummary Summarize(IReadOnlyList<ModeCycle> rows, ComparisonRule? rule = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        rule ??= ComparisonRule.Default;
        double[] errors = [.. rows.Where(r => r.Included).Select(r => r.Error(rule)).Order()];
        var perMode = rows.Where(r => r.Included).GroupBy(r => r.Mode)
            .Select(g =>
            {
                double[] e = [.. g.Select(r => r.Error(rule)).Order()];
                return new ModeError(g.Key, e.Length, e[^1], Median(e));
            })
            .OrderBy(m => m.Mode)
            .ToArray();
        var perCycle = rows.Where(r => r.Included).GroupBy(r => r.Cycle)
            .Select(g =>
            {
                double[] e = [.. g.Select(r => r.Error(rule)).Order()];
                return new CycleError(g.Key, e.Length, e[^1], Median(e));
            })
            .OrderBy(c => c.Cycle)
            .ToArray();
        return new ContractionSummary(errors.Length, rows.Count, errors.Length > 0 ? errors[^1] : double.NaN, Median(errors), perMode, perCycle);
    }

    private static double Median(double[] sorted) => sorted.Length == 0 ? double.NaN
        : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]);
}

/// <summary>The errors of one mode over its counted cycles.</summary>
public readonly record struct ModeError(int Mode, int Cycles, double Max, double Median);

/// <summary>The errors of one cycle over its counted modes.</summary>
public readonly record struct CycleError(int Cycle, int Modes, double Max, double Median);

/// <summary>How far measured per-cycle ratios are from the theory, over the windows the rule counts.</summary>
public sealed record ContractionSummary(int Counted, int Total, double MaxError, double MedianError, IReadOnlyList<ModeError> PerMode, IReadOnlyList<CycleError> PerCycle);
