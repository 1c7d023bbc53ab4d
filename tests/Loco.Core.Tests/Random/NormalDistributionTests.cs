namespace Loco.Core.Tests.Random;

/// <summary>Checks the test's own CDF against published values before the generator is judged by it.</summary>
public class NormalDistributionTests
{
    [Theory]
    // Values from Abramowitz & Stegun tables / high-precision references.
    [InlineData(0.5, 0.5204998778130465377)]
    [InlineData(1.0, 0.8427007929497148693)]
    [InlineData(2.0, 0.9953222650189527342)]
    [InlineData(3.0, 0.9999779095030014146)]
    public void Erf_MatchesReferenceValues(double x, double expected)
    {
        Assert.Equal(expected, NormalDistribution.Erf(x), 1e-15);
        Assert.Equal(-expected, NormalDistribution.Erf(-x), 1e-15);
    }

    [Theory]
    [InlineData(2.5, 4.069520174449589734e-4)]
    [InlineData(3.0, 2.209049699858544137e-5)]
    [InlineData(5.0, 1.537459794428034850e-12)]
    [InlineData(10.0, 2.088487583762544757e-45)]
    public void Erfc_MatchesReferenceValues_ToRelativePrecision(double x, double expected) =>
        Assert.True(Math.Abs(NormalDistribution.Erfc(x) / expected - 1) < 1e-13, $"erfc({x}) = {NormalDistribution.Erfc(x):R}");

    [Theory]
    [InlineData(-5.0, 2.866515718791939117e-7)]
    [InlineData(-3.0, 1.349898031630094527e-3)]
    [InlineData(-1.0, 0.1586552539314570514)]
    [InlineData(0.0, 0.5)]
    [InlineData(1.0, 0.8413447460685429486)]
    [InlineData(2.0, 0.9772498680518207928)]
    public void Cdf_MatchesReferenceValues_ToRelativePrecision(double x, double expected) =>
        Assert.True(Math.Abs(NormalDistribution.Cdf(x) / expected - 1) < 1e-13, $"Φ({x}) = {NormalDistribution.Cdf(x):R}");

    [Fact]
    public void TwoSidedTails_MatchTheValuesTheTailTestsUse()
    {
        Assert.True(Math.Abs(2 * NormalDistribution.Cdf(-3) / 0.0026997960632601866 - 1) < 1e-13);
        Assert.True(Math.Abs(2 * NormalDistribution.Cdf(-4) / 6.334248366623996e-05 - 1) < 1e-13);
    }

    [Fact]
    public void SeriesAndContinuedFraction_AgreeAcrossTheSwitchPoint()
    {
        // Two unrelated formulas for the same function: agreement checks both.
        for (double x = 2.0; x <= 3.5; x += 0.01)
            Assert.Equal(NormalDistribution.ErfcBySeries(x), NormalDistribution.ErfcContinuedFraction(x), 1e-15);
    }
}
