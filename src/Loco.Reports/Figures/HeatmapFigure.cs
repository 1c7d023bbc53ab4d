using System.Globalization;
using Loco.Reports.Tables;
using ScottPlot;

namespace Loco.Reports.Figures;

/// <summary>
/// A heatmap over a grid of two hyperparameters (columns along x, rows along y), with a colour bar, and
/// marked cells (e.g. unstable ones) drawn as a cross over a grey cell. Values that are not finite are grey too.
/// </summary>
public sealed class HeatmapFigure
{
    /// <summary>A heatmap of <paramref name="values"/>[row, column], row r at <paramref name="yValues"/>[r], column c at <paramref name="xValues"/>[c].</summary>
    public HeatmapFigure(string title, string xLabel, string yLabel, IReadOnlyList<double> xValues, IReadOnlyList<double> yValues,
        double[,] values, string colorLabel, AxisScale colorScale = AxisScale.Linear, bool[,]? marked = null)
    {
        if (values.GetLength(0) != yValues.Count || values.GetLength(1) != xValues.Count)
        {
            throw new ArgumentException($"values are {values.GetLength(0)}×{values.GetLength(1)}; expected {yValues.Count}×{xValues.Count} (rows = y, columns = x).", nameof(values));
        }

        if (marked is not null && (marked.GetLength(0) != yValues.Count || marked.GetLength(1) != xValues.Count))
        {
            throw new ArgumentException("marked has another shape than values.", nameof(marked));
        }

        Title = title;
        XLabel = xLabel;
        YLabel = yLabel;
        XValues = xValues;
        YValues = yValues;
        Values = values;
        ColorLabel = colorLabel;
        ColorScale = colorScale;
        Marked = marked;
    }

    /// <summary>The title.</summary>
    public string Title { get; }

    /// <summary>The x-axis label.</summary>
    public string XLabel { get; }

    /// <summary>The y-axis label.</summary>
    public string YLabel { get; }

    /// <summary>Column positions.</summary>
    public IReadOnlyList<double> XValues { get; }

    /// <summary>Row positions.</summary>
    public IReadOnlyList<double> YValues { get; }

    /// <summary>Cell values [row, column].</summary>
    public double[,] Values { get; }

    /// <summary>The colour-bar label.</summary>
    public string ColorLabel { get; }

    /// <summary>Linear or log colour scale.</summary>
    public AxisScale ColorScale { get; }

    /// <summary>Cells drawn grey with a cross, or null.</summary>
    public bool[,]? Marked { get; }

    /// <summary>Fixed colour range in data units (shared across panels), or null for the data's range.</summary>
    public (double Min, double Max)? ColorRange { get; set; }

    /// <summary>Also print each cell's value in it.</summary>
    public bool ShowValues { get; set; } = true;

    /// <summary>
    /// Marked cells with a finite value keep their colour and value and get a red cross over them (instead of a grey
    /// cell with a cross); marked cells without a finite value stay grey. Default: false.
    /// </summary>
    public bool MarkedKeepValues { get; set; }

    /// <summary>Format of the printed values. Default: G2.</summary>
    public string ValueFormat { get; set; } = "G2";

    private bool Greyed(int r, int c) => (Marked?[r, c] ?? false) && !(MarkedKeepValues && double.IsFinite(Values[r, c]));

    /// <summary>Builds the ScottPlot plot (for composing panels).</summary>
    public Plot Build()
    {
        int rows = YValues.Count;
        int cols = XValues.Count;
        // ScottPlot draws row 0 at the top; flip so that row 0 (smallest y) is at the bottom.
        double[,] cells = new double[rows, cols];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                cells[rows - 1 - r, c] = Greyed(r, c) ? double.NaN : FigureStyle.Map(Values[r, c], ColorScale);
            }
        }

        var plot = new Plot();
        bool anyFinite = false;
        foreach (double v in cells)
        {
            anyFinite |= double.IsFinite(v);
        }

        if (anyFinite)
        {
            AddHeatmap(plot, cells, rows, cols);
        }
        else
        {
            // Nothing to colour (every cell marked or missing): a grey background only.
            var background = plot.Add.Rectangle(-0.5, cols - 0.5, -0.5, rows - 0.5);
            background.FillColor = Colors.LightGray;
            background.LineWidth = 0;
        }

        DrawLabels(plot, rows, cols);
        return plot;
    }

    private void AddHeatmap(Plot plot, double[,] cells, int rows, int cols)
    {
        var heatmap = plot.Add.Heatmap(cells);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.NaNCellColor = Colors.LightGray;
        heatmap.Extent = new CoordinateRect(-0.5, cols - 0.5, -0.5, rows - 0.5);
        if (ColorRange is { } range)
        {
            heatmap.ManualRange = new ScottPlot.Range(FigureStyle.Map(range.Min, ColorScale), FigureStyle.Map(range.Max, ColorScale));
        }

        var bar = plot.Add.ColorBar(heatmap);
        bar.Label = ColorLabel;
        bar.LabelStyle.FontSize = 14;
        if (ColorScale == AxisScale.Log10)
        {
            // Decade ticks when the colours span a decade or more; within less, decade ticks would leave the bar bare, so
            // ticks fall where ScottPlot puts them and are labelled with the value (10^tick).
            ScottPlot.Range shown = heatmap.ManualRange ?? heatmap.DataRange;
            bar.Axis.TickGenerator = shown.Max - shown.Min >= 1
                ? new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true, LabelFormatter = FigureStyle.DecadeLabel }
                : new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = v => Math.Pow(10, v).ToString("G2", CultureInfo.InvariantCulture) };
        }
    }

    private void DrawLabels(Plot plot, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                bool mark = Marked?[r, c] ?? false;
                bool greyed = Greyed(r, c);
                if (mark)
                {
                    var cross = plot.Add.Text("×", c, r);
                    cross.LabelAlignment = Alignment.MiddleCenter;
                    cross.LabelFontSize = 22;
                    cross.LabelFontColor = greyed ? Colors.DarkRed : Colors.Red;
                    cross.LabelBold = true;
                }

                if (greyed || !ShowValues || !double.IsFinite(Values[r, c]))
                {
                    continue;
                }

                // A marked cell that keeps its value prints it below the cross.
                var label = plot.Add.Text(Values[r, c].ToString(ValueFormat, CultureInfo.InvariantCulture), c, mark ? r - 0.3 : r);
                label.LabelAlignment = Alignment.MiddleCenter;
                label.LabelFontSize = mark ? 10 : 11;
                label.LabelFontColor = Colors.White;
            }
        }

        FigureStyle.ApplyTitle(plot, Title);
        plot.Axes.Bottom.Label.Text = XLabel;
        plot.Axes.Left.Label.Text = YLabel;
        plot.Axes.Bottom.Label.FontSize = 15;
        plot.Axes.Left.Label.FontSize = 15;
        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, cols).Select(i => (double)i)], [.. XValues.Select(v => v.ToString("G3", CultureInfo.InvariantCulture))]);
        plot.Axes.Left.SetTicks([.. Enumerable.Range(0, rows).Select(i => (double)i)], [.. YValues.Select(v => v.ToString("G3", CultureInfo.InvariantCulture))]);
        plot.Axes.SetLimits(-0.5, cols - 0.5, -0.5, rows - 0.5);
    }

    /// <summary>Renders to a PNG file, written through <see cref="OutputFile"/>.</summary>
    public string SavePng(string path, int width = FigureStyle.Width, int height = FigureStyle.Height)
    {
        OutputFile.Write(path, Build().GetImage(width, height).GetImageBytes(ImageFormat.Png));
        return path;
    }
}
