using ScottPlot;

namespace Loco.Reports.Figures;

/// <summary>Shared look of every figure: size, palette, fonts, log-axis ticks.</summary>
public static class FigureStyle
{
    /// <summary>Default width of a single-panel figure, in pixels.</summary>
    public const int Width = 900;

    /// <summary>Default height of a single-panel figure, in pixels.</summary>
    public const int Height = 600;

    private static readonly IPalette Palette = new ScottPlot.Palettes.Category10();

    /// <summary>The <paramref name="index"/>-th colour of the palette (cycling).</summary>
    public static Color ColorAt(int index) => Palette.GetColor(((index % Palette.Colors.Length) + Palette.Colors.Length) % Palette.Colors.Length);

    /// <summary>Maps a value onto an axis of the given scale; NaN where the value cannot be shown.</summary>
    public static double Map(double value, AxisScale scale) => scale switch
    {
        AxisScale.Log10 => value > 0 && double.IsFinite(value) ? Math.Log10(value) : double.NaN,
        _ => double.IsFinite(value) ? value : double.NaN,
    };

    /// <summary>Sets labels, and decade ticks on a log axis.</summary>
    public static void ConfigureAxis(IAxis axis, string label, AxisScale scale)
    {
        axis.Label.Text = label;
        axis.Label.FontSize = 16;
        axis.TickLabelStyle.FontSize = 13;
        if (scale == AxisScale.Log10)
        {
            var ticks = new ScottPlot.TickGenerators.NumericAutomatic
            {
                MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
                IntegerTicksOnly = true,
                LabelFormatter = DecadeLabel,
            };
            axis.TickGenerator = ticks;
        }
    }

    /// <summary>The label of a decade tick at log10 value <paramref name="exponent"/>.</summary>
    public static string DecadeLabel(double exponent)
    {
        int k = (int)Math.Round(exponent);
        return k switch
        {
            0 => "1",
            1 => "10",
            _ => "1e" + k.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    /// <summary>Common title and font settings.</summary>
    public static void ApplyTitle(Plot plot, string title)
    {
        plot.Title(title);
        plot.Axes.Title.Label.FontSize = 17;
    }

    /// <summary>A line pattern for a style.</summary>
    public static LinePattern Pattern(LineStyle style) => style switch
    {
        LineStyle.Dashed => LinePattern.Dashed,
        LineStyle.Dotted => LinePattern.Dotted,
        _ => LinePattern.Solid,
    };
}
