using Loco.Core.Family;
using Loco.Core.Problems;

namespace Loco.Core.Tests;

public sealed class ProblemTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("loco-problem-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string File(string name, string text)
    {
        string path = Path.Combine(_folder, name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void PowerLawHasTheGivenSpectrumAndTargetVariance()
    {
        var p = LinearRegressionProblem.PowerLaw(4000, 1.5, 1.0, 0.2, targetSeed: 7, lambdaMax: 2.0);
        Assert.Equal(2.0, p.Lambda[0]);
        Assert.Equal(2.0 * Math.Pow(10, -1.5), p.Lambda[9], 1e-15);
        Assert.Equal(Math.Sqrt(p.Lambda[99]), p.SqrtLambda[99], 1e-15);

        // θ*_i i^(b/2) should be standard normal: check mean and variance over 4000 modes (5 standard errors).
        double[] scaled = p.ThetaStar.Select((t, i) => t * Math.Sqrt(i + 1.0)).ToArray();
        double mean = scaled.Average();
        double variance = scaled.Select(x => (x - mean) * (x - mean)).Sum() / (scaled.Length - 1);
        Assert.InRange(mean, -5 / Math.Sqrt(4000), 5 / Math.Sqrt(4000));
        Assert.InRange(variance, 1 - 5 * Math.Sqrt(2.0 / 4000), 1 + 5 * Math.Sqrt(2.0 / 4000));
    }

    [Fact]
    public void TargetDependsOnlyOnItsOwnSeed()
    {
        var a = LinearRegressionProblem.PowerLaw(50, 1.0, 1.0, 0.0, targetSeed: 3);
        var b = LinearRegressionProblem.PowerLaw(50, 1.0, 1.0, 0.5, targetSeed: 3);
        var c = LinearRegressionProblem.PowerLaw(50, 1.0, 1.0, 0.0, targetSeed: 4);
        Assert.Equal(a.ThetaStar, b.ThetaStar);
        Assert.NotEqual(a.ThetaStar, c.ThetaStar);
    }

    [Fact]
    public void RiskIsHalfTheWeightedSquaredErrorPlusTheNoiseFloor()
    {
        var p = LinearRegressionProblem.FromModes([2.0, 0.5], [1.0, -1.0], noise: 0.3);
        Assert.Equal(0.5 * (2.0 * 1.0 + 0.5 * 1.0) + 0.045, p.Risk([0.0, 0.0]), 1e-15);
        Assert.Equal(0.5 * 0.5 * 4.0, p.ExcessRisk([1.0, 1.0]), 1e-15);
    }

    [Fact]
    public void SpectrumFileIsRead()
    {
        string path = File("ok.csv", "lambda,theta_star\n1.0,0.5\n0.25, -2\n\n1e-3,3\n");
        var p = LinearRegressionProblem.FromSpectrumFile(path, 0.1);
        Assert.Equal([1.0, 0.25, 1e-3], p.Lambda);
        Assert.Equal([0.5, -2.0, 3.0], p.ThetaStar);
    }

    [Theory]
    [InlineData("", ":1")]
    [InlineData("lambda;theta_star\n1,1\n", ":1")]
    [InlineData("lambda,theta_star\n1,1\n2,abc\n", ":3")]
    [InlineData("lambda,theta_star\n1,1\n1,2,3\n", ":3")]
    [InlineData("lambda,theta_star\n1,1\n-1,2\n", ":3")]
    [InlineData("lambda,theta_star\n1,1\n0,2\n", ":3")]
    [InlineData("lambda,theta_star\nNaN,1\n", ":2")]
    [InlineData("lambda,theta_star\n1,Infinity\n", ":2")]
    [InlineData("lambda,theta_star\n", "")]
    public void MalformedSpectrumFilesNameTheLine(string text, string line)
    {
        string path = File("bad.csv", text);
        var ex = Assert.Throws<InvalidInputException>(() => LinearRegressionProblem.FromSpectrumFile(path, 0.1));
        Assert.Equal(path + line, ex.Subject);
    }

    [Fact]
    public void MissingSpectrumFileIsReportedByName()
    {
        string path = Path.Combine(_folder, "nope.csv");
        var ex = Assert.Throws<InvalidInputException>(() => LinearRegressionProblem.FromSpectrumFile(path, 0.1));
        Assert.Equal(path, ex.Subject);
    }

    [Theory]
    [InlineData("--dim")]
    [InlineData("--noise")]
    [InlineData("--spectrum-exp")]
    [InlineData("--target-exp")]
    public void BadProblemParametersNameTheirFlag(string flag)
    {
        var ex = Assert.Throws<InvalidInputException>(() => flag switch
        {
            "--dim" => LinearRegressionProblem.PowerLaw(0, 1, 1, 0, 1),
            "--noise" => LinearRegressionProblem.PowerLaw(10, 1, 1, -0.1, 1),
            "--spectrum-exp" => LinearRegressionProblem.PowerLaw(10, double.NaN, 1, 0, 1),
            _ => LinearRegressionProblem.PowerLaw(10, 1, double.PositiveInfinity, 0, 1),
        });
        Assert.Equal(flag, ex.Subject);
    }
}
