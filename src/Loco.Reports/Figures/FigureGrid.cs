using Loco.Reports.Tables;
using ScottPlot;
using SkiaSharp;

namespace Loco.Reports.Figures;

/// <summary>Several panels (built <see cref="CurveFigure"/>s or <see cref="HeatmapFigure"/>s) in one PNG, laid out in a grid, row by row.</summary>
public static class FigureGrid
{
    /// <summary>Renders <paramref name="panels"/> row by row into a <paramref name="rows"/>×<paramref name="columns"/> grid of panels of the given size.</summary>
    public static string SavePng(string path, IReadOnlyList<Plot> panels, int rows, int columns, int panelWidth = 450, int panelHeight = 340)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(panelWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(panelHeight);
        if (panels.Count == 0 || panels.Count > rows * columns)
        {
            throw new ArgumentException($"{panels.Count} panels do not fit a {rows}×{columns} grid.", nameof(panels));
        }

        using var surface = SKSurface.Create(new SKImageInfo(columns * panelWidth, rows * panelHeight));
        surface.Canvas.Clear(SKColors.White);
        for (int i = 0; i < panels.Count; i++)
        {
            int left = (i % columns) * panelWidth;
            int top = (i / columns) * panelHeight;
            // Each panel is rendered on its own (rendering into a shared canvas clears it), then drawn in place.
            byte[] png = panels[i].GetImage(panelWidth, panelHeight).GetImageBytes(ImageFormat.Png);
            using SKBitmap bitmap = SKBitmap.Decode(png);
            surface.Canvas.DrawBitmap(bitmap, left, top);
        }

        using SKImage image = surface.Snapshot();
        using SKData data = image.Encode(SKEncodedImageFormat.Png, 100);
        OutputFile.Write(path, data.ToArray());

        return path;
    }
}
