using Loco.Core.Optimizers;
using Loco.Theory.Analysis;

namespace Loco.Theory.Tests.Analysis;

public class PhaseCancellationTests
{
    [Theory]
    [InlineData(OuterKind.HeavyBall, OuterForm.PyTorch, 1.0, 0.9, 3)]
    [InlineData(OuterKind.HeavyBall, OuterForm.PyTorch, 1.0, 0.9, 10)]
    [InlineData(OuterKind.Nesterov, OuterForm.Ema, 0.7, 0.9, 5)]
    [InlineData(OuterKind.Nesterov, OuterForm.PyTorch, 0.7, 0.9, 3)]
    public void ZerosOfCkAreFarBelowRhoToTheK(OuterKind kind, OuterForm form, double lr, double beta, int k)
    {
        OuterOptimizer outer = Outer.Create(kind, form, lr, beta);
        double muMax = StabilityBoundary.MaxEffectiveStep(kind, beta) / StabilityBoundary.EffectiveLearningRate(outer) * 0.999;
        IReadOnlyList<CancellationPoint> zeros = PhaseCancellation.Zeros(outer, k, muMax);
        Assert.NotEmpty(zeros);
        foreach (CancellationPoint z in zeros)
        {
            // Checked by the matrix product, independently of the closed form the search used.
            double ck = OuterTransfer.Of(outer, z.Mu).PowerByProduct(k).A11;
            Assert.True(Math.Abs(ck) < 1e-12, $"μ={z.Mu}: c_K={ck}");
            double below = OuterTransfer.Of(outer, z.Mu * 0.999).PowerByProduct(k).A11;
            double above = OuterTransfer.Of(outer, z.Mu * 1.001).PowerByProduct(k).A11;
            Assert.True(Math.Sign(below) == -Math.Sign(above), $"no sign change at μ={z.Mu}");
        }

        // Phase cancellation proper: a zero where the spectral radius alone predicts little contraction over the cycle.
        // (Nesterov also has the trivial zero α_eff μ = 1, where T is nilpotent and ρ = 0.)
        Assert.Contains(zeros, z => z.RadiusToTheK > 0.05);
    }

    [Fact]
    public void HeavyBallZerosFollowTheRotationAngle()
    {
        // Heavy-ball with α = 1, β: for complex roots, c_K = r^{K−1}(T₁₁ sin Kθ − r sin((K−1)θ))/sin θ; at K = 2 that is
        // T₁₁² − αβμ = (1 − μ)² − βμ = 0, i.e. μ = (2 + β − √(β² + 4β))/2 (the root inside (0, 2(1 + β))).
        const double beta = 0.9;
        IReadOnlyList<CancellationPoint> zeros = PhaseCancellation.Zeros(Outer.HeavyBall(1.0, beta), 2, 3.7);
        double expected = (2 + beta - Math.Sqrt(beta * beta + 4 * beta)) / 2;
        Assert.Contains(zeros, z => Math.Abs(z.Mu - expected) < 1e-12);
    }
}
