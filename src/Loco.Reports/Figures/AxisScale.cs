namespace Loco.Reports.Figures;

/// <summary>How an axis maps values: linear, or base-10 logarithmic (values ≤ 0 or non-finite are left out).</summary>
public enum AxisScale
{
    /// <summary>Linear axis.</summary>
    Linear,

    /// <summary>Base-10 logarithmic axis, with decade ticks labelled 10^k and minor ticks at 2..9.</summary>
    Log10,
}

/// <summary>How a line is drawn.</summary>
public enum LineStyle
{
    /// <summary>Solid line.</summary>
    Solid,

    /// <summary>Dashed line.</summary>
    Dashed,

    /// <summary>Dotted line.</summary>
    Dotted,
}
