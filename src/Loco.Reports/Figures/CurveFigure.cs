using Loco.Reports.Tables;
using ScottPlot;

namespace Loco.Reports.Figures;

/// <summary>
/// A single-panel figure of curves: theory as lines, Monte Carlo as points with error bars, on linear or log axes.
/// Build it with <see cref="Line"/>, <see cref="Points"/> and <see cref="HorizontalLine"/>, then <see cref="SavePng"/>.
/// On a log axis, values ≤ 0 or non-finite are left out (a line is broken there).
/// </summary>
public sealed class CurveFigure
{
    private readonly List<Action<Plot>> _items = [];

    /// <summary>A figure with a title, axis labels (with units) and axis scales.</summary>
    public CurveFigure(string title, string xLabel, string yLabel, AxisScale xScale = AxisScale.Linear, AxisScale yScale = AxisScale.Linear)
    {
        Title = title;
        XLabel = xLabel;
        YLabel = yLabel;
        XScale = xScale;
        YScale = yScale;
    }

    /// <summary>The title.</summary>
    public string Title { get; }

    /// <summary>The x-axis label.</summary>
    public string XLabel { get; }

    /// <summary>The y-axis label.</summary>
    public string YLabel { get; }

    /// <summary>The x-axis scale.</summary>
    public AxisScale XScale { get; }

    /// <summary>The y-axis scale.</summary>
    public AxisScale YScale { get; }

    /// <summary>Where the legend sits.</summary>
    public Alignment LegendAlignment { get; set; } = Alignment.UpperRight;

    /// <summary>Draw the legend outside the data area, to the right (keeps it from hiding points).</summary>
    public bool LegendOutside { get; set; }

    /// <summary>Fixed y range (in data units), or null for automatic.</summary>
    public (double Min, double Max)? YRange { get; set; }

    /// <summary>Number of series added.</summary>
    public int Count => _items.Count;

    /// <summary>A line (theory). <paramref name="color"/> indexes the palette.</summary>
    public CurveFigure Line(string? label, IReadOnlyList<double> x, IReadOnlyList<double> y, int color, LineStyle style = LineStyle.Solid, float width = 2)
    {
        CheckLengths(x, y);
        (double[] xs, double[] ys) = MapAll(x, y);
        _items.Add(plot =>
        {
            var line = plot.Add.ScatterLine(xs, ys, FigureStyle.ColorAt(color));
            line.LineWidth = width;
            line.LinePattern = FigureStyle.Pattern(style);
            line.MarkerSize = 0;
            if (label is not null)
            {
                line.LegendText = label;
            }
        });
        return this;
    }

    /// <summary>Points (Monte Carlo or measured), with optional symmetric error bars <paramref name="yError"/> (one standard error).</summary>
    public CurveFigure Points(string? label, IReadOnlyList<double> x, IReadOnlyList<double> y, int color, IReadOnlyList<double>? yError = null,
        MarkerShape shape = MarkerShape.FilledCircle, float size = 7)
    {
        CheckLengths(x, y);
        if (yError is not null && yError.Count != y.Count)
        {
            throw new ArgumentException($"{yError.Count} error bars for {y.Count} points.", nameof(yError));
        }

        (double[] xs, double[] ys) = MapAll(x, y);
        double[]? up = null;
        double[]? down = null;
        if (yError is not null)
        {
            up = new double[ys.Length];
            down = new double[ys.Length];
            for (int i = 0; i < ys.Length; i++)
            {
                double e = Math.Abs(yError[i]);
                double hi = FigureStyle.Map(y[i] + e, YScale);
                double lo = FigureStyle.Map(y[i] - e, YScale);
                up[i] = double.IsNaN(ys[i]) || double.IsNaN(hi) ? 0 : hi - ys[i];
                // On a log axis a bar reaching zero or below is drawn to the bottom of the data: cap at two decades.
                down[i] = double.IsNaN(ys[i]) ? 0 : double.IsNaN(lo) ? (YScale == AxisScale.Log10 ? 2 : 0) : ys[i] - lo;
            }
        }

        _items.Add(plot =>
        {
            Color c = FigureStyle.ColorAt(color);
            if (up is not null && down is not null)
            {
                var bars = plot.Add.ErrorBar(xs, ys, up);
                bars.YErrorPositive = up;
                bars.YErrorNegative = down;
                bars.Color = c;
                bars.LineWidth = 1.5f;
            }

            var points = plot.Add.ScatterPoints(xs, ys, c);
            points.MarkerShape = shape;
            points.MarkerSize = size;
            if (label is not null)
            {
                points.LegendText = label;
            }
        });
        return this;
    }

    /// <summary>A horizontal reference line at <paramref name="y"/> (data units).</summary>
    public CurveFigure HorizontalLine(string? label, double y, int color, LineStyle style = LineStyle.Dotted)
    {
        double mapped = FigureStyle.Map(y, YScale);
        _items.Add(plot =>
        {
            if (double.IsNaN(mapped))
            {
                return;
            }

            var line = plot.Add.HorizontalLine(mapped, 1.5f, FigureStyle.ColorAt(color), FigureStyle.Pattern(style));
            if (label is not null)
            {
                line.LegendText = label;
            }
        });
        return this;
    }

    /// <summary>Builds the ScottPlot plot (for composing panels).</summary>
    public Plot Build()
    {
        var plot = new Plot();
        foreach (Action<Plot> item in _items)
        {
            item(plot);
        }

        FigureStyle.ApplyTitle(plot, Title);
        FigureStyle.ConfigureAxis(plot.Axes.Bottom, XLabel, XScale);
        FigureStyle.ConfigureAxis(plot.Axes.Left, YLabel, YScale);
        if (YRange is { } range)
        {
            plot.Axes.SetLimitsY(FigureStyle.Map(range.Min, YScale), FigureStyle.Map(range.Max, YScale));
        }

        if (_items.Count > 0)
        {
            if (LegendOutside)
            {
                plot.ShowLegend(Edge.Right);
                plot.Legend.FontSize = 12;
            }
            else
            {
                plot.ShowLegend(LegendAlignment).FontSize = 12;
            }
        }

        return plot;
    }

    /// <summary>Renders to a PNG file, written through <see cref="OutputFile"/>.</summary>
    public string SavePng(string path, int width = FigureStyle.Width, int height = FigureStyle.Height)
    {
        OutputFile.Write(path, Build().GetImage(width, height).GetImageBytes(ImageFormat.Png));
        return path;
    }

    private (double[] X, double[] Y) MapAll(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        double[] xs = new double[x.Count];
        double[] ys = new double[y.Count];
        for (int i = 0; i < xs.Length; i++)
        {
            xs[i] = FigureStyle.Map(x[i], XScale);
            ys[i] = FigureStyle.Map(y[i], YScale);
            if (double.IsNaN(xs[i]))
            {
                ys[i] = double.NaN;
            }
        }

        return (xs, ys);
    }

    private static void CheckLengths(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count)
        {
            throw new ArgumentException($"{x.Count} x values for {y.Count} y values.");
        }
    }
}
