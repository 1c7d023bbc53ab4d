using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Core.Problems;
using Loco.Theory.Dynamics;
using Loco.Theory.Spectra;
using Xunit.Abstractions;

namespace Loco.Theory.Tests;

public sealed class SpectrumTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(7)]
    public void GaussLegendreIntegratesPolynomialsExactly(int n)
    {
        (double[] x, double[] w) = GaussLegendre.Rule(n);
        for (int degree = 0; degree < 2 * n; degree++)
        {
            double integral = degree % 2 == 1 ? 0 : 2.0 / (degree + 1);
            double rule = x.Select((xi, i) => w[i] * Math.Pow(xi, degree)).Sum();
            Assert.Equal(integral, rule, 1e-13);
        }
    }

    [Fact]
    public void QuadratureWeightsCountTheModes()
    {
        var q = AtomSpectrum.PowerLawQuadrature(1_000_000_000, 1.5, 1.0, 2000);
        Assert.True(q.Count <= 2000);
        Assert.Equal(1e9, q.Weight.Sum(), 1e-3 * 1);
        Assert.Equal(1.0, q.Lambda[0]);
        Assert.False(q.UnitWeights);

        // D ≤ atoms: every mode is its own atom.
        var exact = AtomSpectrum.PowerLawQuadrature(500, 1.5, 1.0, 2000);
        Assert.Equal(500, exact.Count);
        Assert.True(exact.UnitWeights);
    }

    [Fact]
    public void ExactAtomsCarryTheDrawnTarget()
    {
        var problem = LinearRegressionProblem.PowerLaw(50, 1.5, 1.0, 0.1, targetSeed: 3);
        var atoms = AtomSpectrum.FromProblem(problem);
        Assert.Equal(problem.ExcessRisk(new double[50]), atoms.InitialExcessRisk(), 1e-15);
    }

    public static TheoryData<double, double, double, int, int, string, double, double, int> Settings => new()
    {
        // a, b, η, H, M, outer, α, β, K
        { 1.5, 1.0, 0.5, 8, 4, "nesterov", 0.7, 0.9, 0 },
        { 1.2, 0.5, 0.8, 4, 1, "none", 0.5, 0.0, 0 },
        { 2.0, 1.5, 0.4, 8, 2, "heavy-ball", 0.5, 0.8, 3 },
    };

    [Theory]
    [MemberData(nameof(Settings))]
    public void QuadratureMatchesTheMillionModeSum(double a, double b, double eta, int h, int m, string outer, double alpha, double beta, int restart)
    {
        const int dim = 1_000_000, rounds = 25;
        FamilyConfig config = new FamilySettings
        {
            InnerLr = eta, InnerSteps = h, Workers = m, BatchSize = 8,
            OuterKind = outer switch { "none" => OuterKind.Plain, "heavy-ball" => OuterKind.HeavyBall, _ => OuterKind.Nesterov },
            OuterLr = alpha, OuterMomentum = beta, RestartPeriod = restart,
        }.Resolve();
        var options = new TheoryOptions { Rounds = rounds };
        TheoryResult full = new RiskRecursion(AtomSpectrum.PowerLawModes(dim, a, b), config, 0.1).Run(options);
        TheoryResult quad = new RiskRecursion(AtomSpectrum.PowerLawQuadrature(dim, a, b, 2000), config, 0.1).Run(options);
        double worst = 0;
        for (int k = 0; k <= rounds; k++)
        {
            worst = Math.Max(worst, Math.Abs(quad.ExcessRisk(k) - full.ExcessRisk(k)) / full.ExcessRisk(k));
        }

        output.WriteLine($"a={a} b={b}: worst relative error of the excess risk over {rounds} rounds {worst:E2}; final {full.ExcessRisk(rounds):G6} vs {quad.ExcessRisk(rounds):G6}");
        Assert.True(worst < 1e-3, $"relative error {worst:E2}");
    }
}
