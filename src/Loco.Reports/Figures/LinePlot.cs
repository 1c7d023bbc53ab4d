using Loco.Reports.Tables;
using ScottPlot;

namespace Loco.Reports.Figures;

/// <summary>One curve of a line plot; points whose x or y is not finite are left out.</summary>
/// <param name="Label">Legend text.</param>
/// <param name="X">Abscissae.</param>
/// <param name="Y">Ordinates (same length as <paramref name="X"/>).</param>
public sealed record LineSeries(string Label, IReadOnlyList<double> X, IReadOnlyList<double> Y);

/// <summary>A horizontal reference line (e.g. an entropy floor).</summary>
/// <param name="Label">Legend text.</param>
/// <param name="Y">Its height.</param>
public sealed record ReferenceLine(string Label, double Y);

/// <summary>Line plots written as PNG files (ScottPlot), for loss curves and the like.</summary>
public static class LinePlot
{
    /// <summary>
    /// Draws <paramref name="series"/> (and optional horizontal <paramref name="references"/>) and writes a
    /// <paramref name="width"/> × <paramref name="height"/> PNG to <paramref name="path"/> through <see cref="OutputFile"/>.
    /// </summary>
    public static void SavePng(string path, string title, string xLabel, string yLabel, IEnumerable<LineSeries> series,
        int width = 800, int height = 500, IEnumerable<ReferenceLine>? references = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 16);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 16);
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        foreach (LineSeries s in series)
        {
            if (s.X.Count != s.Y.Count)
            {
                throw new ArgumentException($"Series '{s.Label}' has {s.X.Count} x values and {s.Y.Count} y values.", nameof(series));
            }

            var points = Enumerable.Range(0, s.X.Count).Where(i => double.IsFinite(s.X[i]) && double.IsFinite(s.Y[i])).ToArray();
            if (points.Length == 0)
            {
                continue;
            }

            var scatter = plot.Add.Scatter(points.Select(i => s.X[i]).ToArray(), points.Select(i => s.Y[i]).ToArray());
            scatter.LegendText = s.Label;
            scatter.MarkerSize = points.Length > 40 ? 0 : 4;
        }

        foreach (ReferenceLine line in references ?? [])
        {
            var h = plot.Add.HorizontalLine(line.Y);
            h.LegendText = line.Label;
            h.LinePattern = LinePattern.Dashed;
        }

        plot.ShowLegend();
        OutputFile.Write(path, plot.GetImage(width, height).GetImageBytes(ImageFormat.Png));
    }
}
