using Loco.Reports.Figures;
using SkiaSharp;

namespace Loco.Reports.Tests;

public sealed class LinePlotTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("loco-plot-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void WritesAPngOfTheRequestedSizeThatDecodes()
    {
        string path = Path.Combine(_folder, "sub", "loss.png");
        double[] x = [0, 1, 2, 3, 4];
        LinePlot.SavePng(path, "loss", "round", "nats", [
            new LineSeries("train", x, [3.0, 2.0, 1.6, 1.5, 1.45]),
            new LineSeries("validation", x, [double.NaN, 2.1, double.NaN, 1.55, 1.5]),
        ], width: 640, height: 360, references: [new ReferenceLine("floor", 1.28)]);

        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        using SKBitmap bitmap = SKBitmap.Decode(bytes);
        Assert.NotNull(bitmap);
        Assert.Equal(640, bitmap.Width);
        Assert.Equal(360, bitmap.Height);
        // Something was drawn: the image is not one flat colour.
        Assert.True(bitmap.Pixels.Distinct().Count() > 10);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!)); // no temporary left behind
    }

    [Fact]
    public void MismatchedSeriesAreRejectedAndNothingIsWritten()
    {
        string path = Path.Combine(_folder, "bad.png");
        Assert.Throws<ArgumentException>(() => LinePlot.SavePng(path, "t", "x", "y", [new LineSeries("s", [1, 2], [1])]));
        Assert.False(File.Exists(path));
    }
}
