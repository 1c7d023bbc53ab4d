using Loco.Studies.Claims;

namespace Loco.Studies.Tests.Claims;

/// <summary>Runs a claim at quick size and checks what every claim must produce.</summary>
internal static class ClaimAssert
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static ClaimResult RunQuick(IClaim claim, string folder)
    {
        ClaimResult result = claim.Run(new ClaimContext(folder, Quick: true, Progress: null, CancellationToken.None));
        Assert.NotEmpty(result.Figures);
        Assert.NotEmpty(result.Tables);
        foreach (string png in result.Figures)
        {
            Assert.True(File.Exists(png), $"missing figure {png}");
            byte[] head = File.ReadAllBytes(png).Take(8).ToArray();
            Assert.Equal(PngSignature, head);
            Assert.True(new FileInfo(png).Length > 5_000, $"figure {png} is suspiciously small");
        }

        foreach (string csv in result.Tables)
        {
            Assert.True(File.Exists(csv), $"missing table {csv}");
            Assert.True(File.ReadAllLines(csv).Length > 1, $"table {csv} has no rows");
        }

        Assert.False(string.IsNullOrWhiteSpace(result.Measured));
        return result;
    }
}
