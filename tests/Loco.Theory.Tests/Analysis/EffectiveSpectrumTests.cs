using Loco.Core.Optimizers;
using Loco.Theory.Analysis;

namespace Loco.Theory.Tests.Analysis;

public class EffectiveSpectrumTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(33)]
    public void MatchesHInnerSgdStepsOfCoreOnTheQuadratic(int h)
    {
        // Noiseless full-batch gradient of ½ Σ λ e² is λ ⊙ e; H steps of Loco.Core's SGD must leave (1 − μ) ⊙ e0.
        double[] lambda = [1.0, 0.5, 0.1, 1e-3, 1e-6, 1.5, 1.9];
        const double eta = 0.9;
        double[] e = [.. Enumerable.Repeat(1.0, lambda.Length)];
        IInnerOptimizer<double> sgd = InnerOptimizer.Sgd(eta).Create<double>(lambda.Length);
        var grad = new double[lambda.Length];
        for (int step = 0; step < h; step++)
        {
            for (int i = 0; i < lambda.Length; i++)
            {
                grad[i] = lambda[i] * e[i];
            }

            sgd.Step(e, grad);
        }

        double[] mu = EffectiveSpectrum.Compute(lambda, eta, h);
        for (int i = 0; i < lambda.Length; i++)
        {
            Assert.Equal(1 - e[i], mu[i], 1e-13);
        }
    }

    [Fact]
    public void KeepsFullRelativeAccuracyForTinyEtaLambda()
    {
        // μ = 1 − (1 − x)^H = Hx − C(H,2)x² + C(H,3)x³ − …; the literal formula returns 0 or noise here.
        foreach (double x in new[] { 1e-20, 1e-14, 1e-9, 1e-5 })
        {
            foreach (int h in new[] { 1, 5, 64, 1000 })
            {
                double series = 0, term = 1;
                for (int j = 1; j <= Math.Min(h, 12); j++)
                {
                    term *= (h - j + 1) * x / j; // C(H, j) x^j
                    series += (j % 2 == 1 ? 1 : -1) * term;
                }

                double mu = EffectiveSpectrum.Of(x, 1.0, h);
                Assert.True(Math.Abs(mu - series) <= 4e-15 * series, $"x={x} H={h}: {mu} vs {series}");
            }
        }
    }

    [Fact]
    public void OvershootingInnerStepsGiveMuAboveOneOrNegative()
    {
        // ηλ ∈ (1, 2): 1 − ηλ ∈ (−1, 0), so odd H gives μ > 1 and even H gives μ < 1; ηλ > 2 with even H gives μ < 0.
        Assert.Equal(1 - Math.Pow(-0.5, 3), EffectiveSpectrum.Of(1.5, 1.0, 3), 1e-15);
        Assert.Equal(1 - Math.Pow(-0.5, 4), EffectiveSpectrum.Of(1.5, 1.0, 4), 1e-15);
        Assert.Equal(1 - Math.Pow(-1.5, 4), EffectiveSpectrum.Of(2.5, 1.0, 4), 1e-13);
        Assert.True(EffectiveSpectrum.Of(2.5, 1.0, 4) < 0);
    }

    [Fact]
    public void RejectsBadArguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => EffectiveSpectrum.Of(1, 0, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => EffectiveSpectrum.Of(1, double.NaN, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => EffectiveSpectrum.Of(1, 0.1, 0));
    }
}
