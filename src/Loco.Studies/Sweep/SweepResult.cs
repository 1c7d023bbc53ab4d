using Loco.Core.Optimizers;

namespace Loco.Studies.Sweep;

/// <summary>Every cell of a finished sweep, in grid order (<see cref="SweepOptions.Cells"/>).</summary>
public sealed class SweepResult
{
    /// <summary>The results of <paramref name="options"/>' cells; <paramref name="results"/> must hold each cell once.</summary>
    public SweepResult(SweepOptions options, IEnumerable<SweepCellResult> results, int trained, int resumed, double seconds)
    {
        ArgumentNullException.ThrowIfNull(options);
        Dictionary<string, SweepCellResult> byKey = results.ToDictionary(r => r.Cell.Key);
        IReadOnlyList<SweepCell> cells = options.Cells();
        if (byKey.Count != cells.Count || cells.Any(c => !byKey.ContainsKey(c.Key)))
        {
            throw new ArgumentException($"the results cover {byKey.Count} cells; the sweep has {cells.Count}.", nameof(results));
        }

        Options = options;
        Cells = [.. cells.Select(c => byKey[c.Key])];
        Trained = trained;
        Resumed = resumed;
        Seconds = seconds;
    }

    /// <summary>The sweep's settings.</summary>
    public SweepOptions Options { get; }

    /// <summary>Every cell's result, grid by grid (H, then restart setting), row by row.</summary>
    public IReadOnlyList<SweepCellResult> Cells { get; }

    /// <summary>Cells trained by this run.</summary>
    public int Trained { get; }

    /// <summary>Cells taken from the output folder of an earlier run.</summary>
    public int Resumed { get; }

    /// <summary>Wall-clock seconds of this run.</summary>
    public double Seconds { get; }

    /// <summary>The (H, restart rule) grid: [row = outer learning rate, column = momentum].</summary>
    public SweepCellResult[,] Grid(int innerSteps, RestartSchedule restart)
    {
        var grid = new SweepCellResult[Options.OuterLrs.Count, Options.Momenta.Count];
        int found = 0;
        foreach (SweepCellResult r in Cells.Where(r => r.Cell.InnerSteps == innerSteps && r.Cell.Restart == restart))
        {
            grid[r.Cell.Row, r.Cell.Column] = r;
            found++;
        }

        return found == grid.Length ? grid : throw new ArgumentException($"the sweep has no grid H = {innerSteps}, restart {restart}.");
    }

    /// <summary>
    /// The loss cost of restarting at H: the mean over the cells stable both without and with <paramref name="restart"/>
    /// of (final validation loss with − without), and how many cells that is (NaN and 0 when none).
    /// </summary>
    public (double MeanCost, int Cells) RestartLossCost(int innerSteps, RestartSchedule restart)
    {
        SweepCellResult[,] none = Grid(innerSteps, RestartSchedule.Never);
        SweepCellResult[,] with = Grid(innerSteps, restart);
        var costs = new List<double>();
        for (int i = 0; i < none.GetLength(0); i++)
        {
            for (int j = 0; j < none.GetLength(1); j++)
            {
                if (none[i, j].Stable && with[i, j].Stable)
                {
                    costs.Add(with[i, j].FinalValidationLoss - none[i, j].FinalValidationLoss);
                }
            }
        }

        return costs.Count == 0 ? (double.NaN, 0) : (costs.Average(), costs.Count);
    }

    /// <summary>Stable cells per (H, restart setting), in grid order.</summary>
    public IReadOnlyList<StableArea> StableAreas() =>
    [
        .. Options.InnerStepsList.SelectMany(h => Options.RestartSettings.Select(k =>
        {
            SweepCellResult[] grid = [.. Cells.Where(r => r.Cell.InnerSteps == h && r.Cell.Restart == k)];
            return new StableArea(h, SweepCell.Label(k), grid.Count(r => r.Stable), grid.Count(r => r.Diverged), grid.Length);
        })),
    ];
}
