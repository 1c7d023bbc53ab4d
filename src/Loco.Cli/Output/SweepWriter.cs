using System.Text;
using System.Text.Json;
using Loco.Core.Optimizers;
using Loco.Reports.Figures;
using Loco.Reports.Tables;
using Loco.Studies.Sweep;
using ScottPlot;

namespace Loco.Cli.Output;

/// <summary>The outputs of <c>loco sweep</c> besides cells.csv: stable-area.csv, heatmaps, JSON.</summary>
internal static class SweepWriter
{
    public const string StableAreaHeader = "inner_steps,restart_period,stable_cells,diverged_cells,cells,margin";

    /// <summary>stable-area.csv: one row per (H, restart setting).</summary>
    public static string StableAreaCsv(SweepResult result)
    {
        var table = new CsvTable(StableAreaHeader.Split(','));
        foreach (StableArea a in result.StableAreas())
        {
            table.Add(a.InnerSteps, a.Restart, a.Stable, a.Diverged, a.Cells, result.Options.Criterion.Margin);
        }

        return table.ToString();
    }

    /// <summary>The file name of the heatmap of grid (H, restart rule): heatmap-h8-k3.png (k0: never), heatmap-h8-adaptive-dot.png.</summary>
    public static string HeatmapName(int innerSteps, RestartSchedule restart)
    {
        string label = SweepCell.Label(restart);
        return int.TryParse(label, System.Globalization.CultureInfo.InvariantCulture, out _)
            ? $"heatmap-h{innerSteps}-k{label}.png"
            : $"heatmap-h{innerSteps}-{label.Replace(':', '-').Replace('.', '_')}.png";
    }

    /// <summary>A restart rule in a figure's title.</summary>
    private static string Describe(RestartSchedule restart) => restart switch
    {
        NeverRestart => "no restart",
        PeriodicRestart p => $"restart every {p.Rounds}",
        _ => $"restart {SweepCell.Label(restart)}",
    };

    /// <summary>
    /// One heatmap PNG per (H, restart setting) of the final validation loss, unstable cells crossed (diverged ones grey),
    /// on one colour scale from the lowest final loss to the initial loss; and all of them in heatmaps.png
    /// (rows H, columns restart setting). Returns the paths written.
    /// </summary>
    public static IReadOnlyList<string> WriteHeatmaps(string folder, SweepResult result)
    {
        SweepOptions o = result.Options;
        double[] finals = [.. result.Cells.Select(c => c.FinalValidationLoss).Where(double.IsFinite)];
        double[] initials = [.. result.Cells.Select(c => c.InitialValidationLoss).Where(double.IsFinite)];
        (double, double)? range = finals.Length > 0 && initials.Length > 0 ? (Math.Min(finals.Min(), initials.Min()), Math.Max(finals.Max(), initials.Max())) : null;
        if (range is (double lo, double hi) && !(hi > lo))
        {
            range = (lo - 0.5, hi + 0.5);
        }

        string lrName = o.OuterKind != OuterKind.Plain && o.OuterForm == OuterForm.Ema ? "outer lr ν (EMA form)" : "outer lr α (PyTorch form)";
        var written = new List<string>();
        var panels = new List<Plot>();
        foreach (int h in o.InnerStepsList)
        {
            foreach (RestartSchedule k in o.RestartSettings)
            {
                SweepCellResult[,] grid = result.Grid(h, k);
                int rows = grid.GetLength(0), cols = grid.GetLength(1);
                var values = new double[rows, cols];
                var unstable = new bool[rows, cols];
                int stable = 0;
                for (int r = 0; r < rows; r++)
                {
                    for (int c = 0; c < cols; c++)
                    {
                        values[r, c] = grid[r, c].FinalValidationLoss;
                        unstable[r, c] = !grid[r, c].Stable;
                        stable += grid[r, c].Stable ? 1 : 0;
                    }
                }

                string title = $"H = {h}, {Describe(k)}: {stable}/{grid.Length} stable";
                var figure = new HeatmapFigure(title, "outer momentum β", lrName, o.Momenta, o.OuterLrs, values, "final validation loss (nats/token)",
                    AxisScale.Linear, unstable)
                {
                    ColorRange = range,
                    MarkedKeepValues = true,
                    ValueFormat = "F2",
                };
                string path = Path.Combine(folder, HeatmapName(h, k));
                Files.Write("--out", () => figure.SavePng(path));
                written.Add(path);
                panels.Add(figure.Build());
            }
        }

        string all = Path.Combine(folder, "heatmaps.png");
        Files.Write("--out", () => FigureGrid.SavePng(all, panels, o.InnerStepsList.Count, o.RestartSettings.Count, 560, 420));
        written.Add(all);
        return written;
    }

    // restart_period: K as a number (0 = never), an adaptive rule as its spec.
    private static void WriteRestart(Utf8JsonWriter w, string label)
    {
        if (int.TryParse(label, System.Globalization.CultureInfo.InvariantCulture, out int k))
        {
            w.WriteNumber("restart_period", k);
        }
        else
        {
            w.WriteString("restart_period", label);
        }
    }

    /// <summary>The result as one JSON document (settings, stable areas, cells).</summary>
    public static string Json(SweepResult result, string corpus, string folder)
    {
        SweepOptions o = result.Options;
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, JsonText.Options))
        {
            w.WriteStartObject();
            w.WriteString("out", folder);
            w.WriteStartObject("settings");
            foreach ((string key, string value) in SweepFolder.Settings(o, corpus))
            {
                w.WriteString(key, value);
            }

            w.WriteEndObject();
            w.WriteNumber("cells_trained", result.Trained);
            w.WriteNumber("cells_resumed", result.Resumed);
            w.WriteNumber("seconds", result.Seconds);
            w.WriteStartArray("stable_area");
            foreach (StableArea a in result.StableAreas())
            {
                w.WriteStartObject();
                w.WriteNumber("inner_steps", a.InnerSteps);
                WriteRestart(w, a.Restart);
                w.WriteNumber("stable_cells", a.Stable);
                w.WriteNumber("diverged_cells", a.Diverged);
                w.WriteNumber("cells", a.Cells);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("cells");
            foreach (SweepCellResult c in result.Cells)
            {
                w.WriteStartObject();
                w.WriteNumber("inner_steps", c.Cell.InnerSteps);
                WriteRestart(w, c.Cell.RestartLabel);
                w.WriteNumber("outer_lr", c.Cell.OuterLr);
                w.WriteNumber("outer_momentum", c.Cell.OuterMomentum);
                w.WriteNumberOrNull("initial_val_loss", c.InitialValidationLoss);
                w.WriteNumberOrNull("final_val_loss", c.FinalValidationLoss);
                w.WriteNumberOrNull("final_train_loss", c.FinalTrainLoss);
                w.WriteBoolean("stable", c.Stable);
                w.WriteNumberOrNull("diverged_round", c.DivergedRound);

                w.WriteNumber("seconds", c.Seconds);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
