using System.Globalization;
using Loco.Core.Optimizers;
using Loco.Reports.Tables;

namespace Loco.Studies.Sweep;

/// <summary>
/// The rows of <c>cells.csv</c>: one per cell, the settings named as in DESIGN.md §1, then the outcome. Losses are
/// validation (or training) losses in nats per token; <c>threshold</c> is the largest final loss counted stable;
/// <c>diverged_round</c> is empty unless a loss became non-finite; an empty loss is one that was not reached.
/// </summary>
public static class SweepTable
{
    /// <summary>The header line.</summary>
    public const string Header =
        "inner_steps,restart_period,outer,outer_form,outer_lr,outer_momentum,inner_lr,workers,batch,context,rounds,rounds_completed," +
        "initial_val_loss,final_val_loss,final_train_loss,threshold,stable,diverged_round,seconds";

    private static readonly int Columns = Header.Split(',').Length;

    /// <summary>The row of <paramref name="result"/> (no line break), written by the output toolkit's <see cref="CsvTable.Line"/>.</summary>
    public static string Row(SweepOptions options, SweepCellResult result)
    {
        SweepCell c = result.Cell;
        return CsvTable.Line(
            c.InnerSteps, c.RestartLabel, options.OuterKind.Name(), options.OuterForm.Name(), c.OuterLr, c.OuterMomentum,
            options.InnerLr, options.Workers, options.BatchSize, options.Context, options.RoundsAt(c.InnerSteps), result.RoundsCompleted,
            result.InitialValidationLoss, result.FinalValidationLoss, result.FinalTrainLoss, options.Criterion.Threshold(result.InitialValidationLoss),
            result.Stable, result.DivergedRound, result.Seconds.ToString("F3", CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// The result a row of a sweep with <paramref name="options"/> holds, or null when the row is not a whole row of
    /// one of its cells (a row cut short by a killed sweep, or one from other settings).
    /// </summary>
    public static SweepCellResult? Parse(SweepOptions options, IReadOnlyDictionary<string, SweepCell> cells, string line)
    {
        string[] f = line.Split(',');
        if (f.Length != Columns)
        {
            return null;
        }

        if (!int.TryParse(f[0], CultureInfo.InvariantCulture, out int h)
            || !TryDouble(f[4], out double lr) || !TryDouble(f[5], out double beta)
            || !cells.TryGetValue(SweepCell.Describe(h, f[1], lr, beta), out SweepCell cell))
        {
            return null;
        }

        string expected = CsvTable.Line(options.OuterKind.Name(), options.OuterForm.Name(), cell.OuterLr, cell.OuterMomentum,
            options.InnerLr, options.Workers, options.BatchSize, options.Context, options.RoundsAt(cell.InnerSteps));
        if (string.Join(',', f[2..11]) != expected
            || !long.TryParse(f[11], CultureInfo.InvariantCulture, out long completed)
            || !TryDouble(f[12], out double initial) || !TryDouble(f[13], out double final) || !TryDouble(f[14], out double train)
            || f[16] is not ("true" or "false")
            || !double.TryParse(f[18], NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds))
        {
            return null;
        }

        long? diverged = null;
        if (f[17].Length > 0)
        {
            if (!long.TryParse(f[17], CultureInfo.InvariantCulture, out long d))
            {
                return null;
            }

            diverged = d;
        }

        return new SweepCellResult(cell, initial, final, train, completed, f[16] == "true", diverged, seconds);
    }

    private static bool TryDouble(string text, out double value)
    {
        switch (text)
        {
            case "":
                value = double.NaN;
                return true;
            case "inf":
                value = double.PositiveInfinity;
                return true;
            case "-inf":
                value = double.NegativeInfinity;
                return true;
            default:
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
        }
    }
}
