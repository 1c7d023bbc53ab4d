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

/// <summary>A vertical marker (e.g. the round a run diverged in).</summary>
/// <param name="Label">Legend text.</param>
/// <param name="X">Its abscissa.</param>
public sealed record VerticalMarker(string Label, double X);

/// <summary>
/// Line plots written as PNG files (ScottPlot), for loss curves and the like. The legend sits outside the data area, so
/// it never covers the ends of the curves.
/// </summary>
public static class LinePlot
{
    /// <summary>
    /// Draws <paramref name="series"/> (and optional horizontal <paramref name="references"/>) and writes a
    /// <paramref name="width"/> × <paramref name="height"/> PNG to <paramref name="path"/>, through <see cref="OutputFile"/>. <paramref name="xRange"/> fixes the horizontal axis (e.g. every planned round, so
    /// that a run cut short shows where it stopped); the vertical axis spans the finite values and reference lines.
    /// </summary>
    public static void SavePng(string path, string title, string xLabel, string yLabel, IEnumerable<LineSeries> series,
        int width = 800, int height = 500, IEnumerable<ReferenceLine>? references = null, (double Min, double Max)? xRange = null,
        IEnumerable<VerticalMarker>? markers = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 16);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 16);
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        // Colours follow the series' order, so that a series with nothing to draw does not shift the others'.
        int colour = 0;
        foreach (LineSeries s in series)
        {
            Color color = plot.Add.Palette.GetColor(colour++);
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
            scatter.Color = color;
            scatter.MarkerSize = points.Length > 40 ? 0 : 4;
        }

        var ys = new List<double>();
        foreach (LineSeries s in series.Where(s => s.X.Count == s.Y.Count))
        {
            ys.AddRange(Enumerable.Range(0, s.X.Count).Where(i => double.IsFinite(s.X[i]) && double.IsFinite(s.Y[i])).Select(i => s.Y[i]));
        }

        foreach (ReferenceLine line in references ?? [])
        {
            var h = plot.Add.HorizontalLine(line.Y);
            h.LegendText = line.Label;
            h.LinePattern = LinePattern.Dashed;
            h.Color = plot.Add.Palette.GetColor(colour++);
            if (double.IsFinite(line.Y)) ys.Add(line.Y);
        }

        foreach (VerticalMarker marker in markers ?? [])
        {
            var v = plot.Add.VerticalLine(marker.X);
            v.LegendText = marker.Label;
            v.LinePattern = LinePattern.Dotted;
            v.Color = Colors.Red;
        }

        if (xRange is (double x0, double x1) && x1 > x0)
        {
            double pad = (x1 - x0) * 0.02;
            plot.Axes.SetLimitsX(x0 - pad, x1 + pad);
        }

        if (ys.Count > 0)
        {
            // Autoscale would centre a single value on ±1 (or ±10); span what is there, with a margin.
            double lo = ys.Min(), hi = ys.Max();
            double pad = hi > lo ? (hi - lo) * 0.05 : Math.Max(Math.Abs(lo) * 0.05, 0.05);
            plot.Axes.SetLimitsY(lo - pad, hi + pad);
        }

        plot.ShowLegend(Edge.Right);
        OutputFile.Write(path, plot.GetImage(width, height).GetImageBytes(ImageFormat.Png));
    }
}
