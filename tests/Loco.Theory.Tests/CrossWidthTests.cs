using Loco.Core.Family;
using Loco.Core.Numerics;
using Loco.Core.Optimizers;
using Loco.Theory.Dynamics;
using Loco.Theory.Spectra;

namespace Loco.Theory.Tests;

/// <summary>
/// The kernels give the same bits on every vector width: Vector512, Vector256, Vector128 and scalar, whichever the
/// machine accelerates (a width it does not accelerate runs on .NET's software vectors, which must agree too).
/// </summary>
public sealed class CrossWidthTests
{
    private static readonly LaneWidth[] Widths = [LaneWidth.W512, LaneWidth.W256, LaneWidth.W128, LaneWidth.Scalar];

    private static void AssertBitIdentical(TheoryResult expected, TheoryResult actual)
    {
        Assert.Equal(expected.Risk, actual.Risk);
        Assert.Equal(expected.Signal, actual.Signal);
        Assert.Equal(expected.Noise, actual.Noise);
        Assert.Equal(expected.MeanInnerRisk, actual.MeanInnerRisk);
        Assert.Equal(expected.DivergedAtRound, actual.DivergedAtRound);
        if (expected.InnerRisk is null)
        {
            Assert.Null(actual.InnerRisk);
            return;
        }

        Assert.Equal(expected.InnerRisk.Length, actual.InnerRisk!.Length);
        for (int k = 0; k < expected.InnerRisk.Length; k++)
        {
            Assert.Equal(expected.InnerRisk[k], actual.InnerRisk[k]);
        }
    }

    [Theory]
    [InlineData(false, 1003, 1, true)]   // unit weights, a remainder of 3 atoms
    [InlineData(true, 403, 1, true)]     // quadrature atoms (w λ ≠ λ)
    [InlineData(false, 50_005, 2, true)] // two chunks (from TheoryOptions.ThreadedAtoms on)
    [InlineData(false, 1003, 1, false)]  // no per-step curve: the folded shared moment
    [InlineData(true, 50_005, 2, false)]
    public void OnePassIsBitIdenticalOnEveryWidth(bool weighted, int atoms, int threads, bool perStep)
    {
        FamilyConfig config = new FamilySettings
        {
            InnerLr = 0.6, InnerSteps = 5, Workers = 3, BatchSize = 3, OuterKind = OuterKind.Nesterov, OuterForm = OuterForm.PyTorch,
            OuterLr = 0.6, OuterMomentum = 0.8, RestartPeriod = 4,
        }.Resolve();
        AtomSpectrum spectrum = weighted ? AtomSpectrum.PowerLawQuadrature(100_000, 1.3, 0.9, atoms) : AtomSpectrum.PowerLawModes(atoms, 1.3, 0.9);
        var recursion = new RiskRecursion(spectrum, config, 0.2);
        var options = new TheoryOptions { Rounds = atoms > 10_000 ? 6 : 30, RecordInnerSteps = perStep, Threads = threads };
        TheoryResult auto = recursion.Run(options);
        foreach (LaneWidth width in Widths)
        {
            AssertBitIdentical(auto, recursion.Run(options with { Width = width }));
        }

        // The widths agree with each other, not by accident with a different kernel: the step-by-step form rounds differently.
        TheoryResult stepwise = recursion.Run(options with { Kernel = TheoryKernel.Stepwise });
        Assert.NotEqual(auto.Risk, stepwise.Risk);
        Assert.Equal(auto.Risk[^1], stepwise.Risk[^1], 1e-12 * auto.Risk[^1]);
    }

    [Fact]
    public void StepwiseIsBitIdenticalOnEveryWidth()
    {
        FamilyConfig config = new FamilySettings
        {
            InnerLr = 0.6, InnerSteps = 4, Workers = 2, BatchSize = 3, OuterKind = OuterKind.HeavyBall, OuterForm = OuterForm.Ema,
            OuterLr = 1.5, OuterMomentum = 0.8, RestartPeriod = 3,
        }.Resolve();
        foreach (bool weighted in new[] { false, true })
        {
            AtomSpectrum spectrum = weighted ? AtomSpectrum.PowerLawQuadrature(100_000, 1.3, 0.9, 203) : AtomSpectrum.PowerLawModes(1005, 1.3, 0.9);
            var recursion = new RiskRecursion(spectrum, config, 0.2);
            var options = new TheoryOptions { Rounds = 20, RecordInnerSteps = true, Kernel = TheoryKernel.Stepwise };
            TheoryResult auto = recursion.Run(options);
            foreach (LaneWidth width in Widths)
            {
                AssertBitIdentical(auto, recursion.Run(options with { Width = width }));
            }
        }
    }

    [Fact]
    public void InnerStepKernelIsBitIdenticalOnEveryWidthAndMatchesItsDefinition()
    {
        foreach (int n in new[] { 0, 1, 7, 8, 9, 31, 1003 })
        {
            double[] lambda = [.. Enumerable.Range(1, n).Select(i => Math.Pow(i, -1.3))];
            double[] g = [.. lambda.Select((l, i) => l * (1 + i % 3))];
            double[] d0 = [.. Enumerable.Range(1, n).Select(i => Math.Pow(i, -0.9))];
            const double eta = 0.6, k4 = 0.12, kf = 0.05;

            // The definition: D ← fma(fma(κ₄λ, λ, q²), D, κF λ) with q = fma(−η, λ, 1); lane k mod 8 sums fma(w λ, D, ·); then the tree.
            double[] expectedD = (double[])d0.Clone();
            var lane = new double[8];
            for (int i = 0; i < n; i++)
            {
                double l = lambda[i], q = Math.FusedMultiplyAdd(-eta, l, 1.0);
                expectedD[i] = Math.FusedMultiplyAdd(Math.FusedMultiplyAdd(k4 * l, l, q * q), expectedD[i], kf * l);
                lane[i % 8] = Math.FusedMultiplyAdd(g[i], expectedD[i], lane[i % 8]);
            }

            double expected = ((lane[0] + lane[4]) + (lane[2] + lane[6])) + ((lane[1] + lane[5]) + (lane[3] + lane[7]));
            foreach (LaneWidth width in Widths.Append(LaneWidth.Auto))
            {
                double[] d = (double[])d0.Clone();
                Assert.Equal(expected, InnerStepKernel.StepWeighted(width, lambda, g, d, eta, k4, kf));
                Assert.Equal(expectedD, d);
            }
        }
    }
}
