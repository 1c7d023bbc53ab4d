namespace Loco.Simulation;

/// <summary>
/// Mean and standard error of the per-run difference of the final risks of two simulations run on common random
/// numbers: the same seed and runs, so run r of each saw related data (see <see cref="SimulationOptions.SubBatches"/>).
/// Pairing removes the part of each run's noise the two share, which an unpaired difference of means keeps.
/// </summary>
/// <param name="Mean">Mean over runs of a_r − b_r.</param>
/// <param name="StdErr">Sample standard deviation of a_r − b_r over √R (NaN for a single run).</param>
/// <param name="Runs">R, the number of pairs.</param>
public readonly record struct PairedDifference(double Mean, double StdErr, int Runs)
{
    /// <summary>
    /// The paired difference of final risks, <paramref name="a"/> minus <paramref name="b"/>. Refuses results that are not
    /// paired: different seeds, run counts or completed rounds.
    /// </summary>
    public static PairedDifference OfFinalRisk(SimulationResult a, SimulationResult b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Seed != b.Seed)
        {
            throw new ArgumentException($"Not paired: seeds {a.Seed} and {b.Seed} differ.", nameof(b));
        }

        if (a.Runs != b.Runs || a.RunFinalRisk.Length != b.RunFinalRisk.Length)
        {
            throw new ArgumentException($"Not paired: {a.Runs} and {b.Runs} runs.", nameof(b));
        }

        if (a.RoundsCompleted != b.RoundsCompleted)
        {
            throw new ArgumentException($"Not paired: {a.RoundsCompleted} and {b.RoundsCompleted} rounds completed.", nameof(b));
        }

        return Of(a.RunFinalRisk, b.RunFinalRisk);
    }

    /// <summary>Mean and standard error of a_r − b_r over r; the two spans must have the same length ≥ 1.</summary>
    public static PairedDifference Of(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        if (a.Length != b.Length || a.IsEmpty)
        {
            throw new ArgumentException($"Not paired: {a.Length} and {b.Length} values.", nameof(b));
        }

        int n = a.Length;
        double sum = 0;
        for (int r = 0; r < n; r++)
        {
            sum += a[r] - b[r];
        }

        double mean = sum / n;
        double ss = 0;
        for (int r = 0; r < n; r++)
        {
            double d = a[r] - b[r] - mean;
            ss += d * d;
        }

        return new PairedDifference(mean, n > 1 ? Math.Sqrt(ss / (n - 1) / n) : double.NaN, n);
    }
}
