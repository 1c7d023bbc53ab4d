using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Theory.Dynamics;
using Loco.Theory.Spectra;

namespace Loco.Theory.Tests;

/// <summary>
/// The one-pass form of the recursion (scalar Volterra coupling + O(H) per atom, fused with the outer step) against the
/// step-by-step form it replaces (<see cref="TheoryKernel.Stepwise"/>: H memory passes per round, each step applied to
/// every atom): the two must give the same curves to rounding.
/// </summary>
public sealed class OnePassKernelTests
{
    public static TheoryData<TheoryMode, int, double, OuterKind, OuterForm, int, int, bool> Cases()
    {
        var data = new TheoryData<TheoryMode, int, double, OuterKind, OuterForm, int, int, bool>();
        foreach (TheoryMode mode in new[] { TheoryMode.Exact, TheoryMode.HighDim })
        {
            foreach (int m in new[] { 1, 4 })
            {
                foreach (double sigma in new[] { 0.0, 0.3 })
                {
                    data.Add(mode, m, sigma, OuterKind.Nesterov, OuterForm.PyTorch, 8, 0, false);
                    data.Add(mode, m, sigma, OuterKind.HeavyBall, OuterForm.Ema, 5, 3, true);
                }
            }
        }

        data.Add(TheoryMode.Exact, 2, 0.2, OuterKind.Plain, OuterForm.PyTorch, 1, 0, false);
        data.Add(TheoryMode.Exact, 8, 0.2, OuterKind.Nesterov, OuterForm.Ema, 13, 1, true);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OnePassMatchesStepwise(TheoryMode mode, int workers, double sigma, OuterKind outer, OuterForm form, int h, int restart, bool weighted)
    {
        FamilyConfig config = new FamilySettings
        {
            InnerLr = 0.6, InnerSteps = h, Workers = workers, BatchSize = 3, OuterKind = outer, OuterForm = form,
            OuterLr = form == OuterForm.Ema ? 1.5 : 0.6, OuterMomentum = outer == OuterKind.Plain ? 0 : 0.8, RestartPeriod = restart,
        }.Resolve();
        // 1003 and 4 + 4·k atoms: a remainder that is not a whole vector.
        AtomSpectrum spectrum = weighted
            ? AtomSpectrum.PowerLawQuadrature(100_000, 1.3, 0.9, 403)
            : AtomSpectrum.PowerLawModes(1003, 1.3, 0.9);
        var recursion = new RiskRecursion(spectrum, config, sigma);
        var options = new TheoryOptions { Rounds = 40, Mode = mode, RecordInnerSteps = true };
        TheoryResult reference = recursion.Run(options with { Kernel = TheoryKernel.Stepwise });
        TheoryResult fast = recursion.Run(options);
        AssertSame(reference, fast, 1e-12);
    }

    [Theory]
    [InlineData(TheoryMode.Exact, 8, 1, false)]
    [InlineData(TheoryMode.HighDim, 5, 3, true)]
    [InlineData(TheoryMode.Exact, 1, 0, true)]
    public void WithoutPerStepCurvesTheFoldedSharedMomentGivesTheSameCurves(TheoryMode mode, int h, int restart, bool weighted)
    {
        // Without RecordInnerSteps the pass folds Σ_t P_t into one moment with a stored G = Σ_t q^{2t}: the risk, signal
        // and noise are untouched (bit for bit), the mean inner risk sums the same terms in another order.
        FamilyConfig config = new FamilySettings
        {
            InnerLr = 0.6, InnerSteps = h, Workers = 3, BatchSize = 3, OuterKind = OuterKind.Nesterov, OuterLr = 0.6, OuterMomentum = 0.8,
            RestartPeriod = restart,
        }.Resolve();
        AtomSpectrum spectrum = weighted
            ? AtomSpectrum.PowerLawQuadrature(100_000, 1.3, 0.9, 403)
            : AtomSpectrum.PowerLawModes(1003, 1.3, 0.9);
        var recursion = new RiskRecursion(spectrum, config, 0.3);
        var options = new TheoryOptions { Rounds = 40, Mode = mode };
        TheoryResult folded = recursion.Run(options);
        TheoryResult perStep = recursion.Run(options with { RecordInnerSteps = true });
        Assert.Null(folded.InnerRisk);
        Assert.Equal(perStep.Risk, folded.Risk);
        Assert.Equal(perStep.Signal, folded.Signal);
        Assert.Equal(perStep.Noise, folded.Noise);
        Close(perStep.MeanInnerRisk, folded.MeanInnerRisk, 1e-14, "mean inner risk");
        AssertSame(recursion.Run(options with { Kernel = TheoryKernel.Stepwise }), folded, 1e-12);
    }

    [Fact]
    public void TheFoldedWeightIsTheGeometricSum()
    {
        // G = Σ_{t=1}^{H} q^{2t} against the closed form q²(1 − q^{2H})/(1 − q²).
        double[] lambda = [1e-6, 0.01, 0.3, 1.0, 2.5];
        foreach (int h in new[] { 1, 2, 7, 16 })
        {
            double[] g = OnePassRecursion.Geometric(lambda, 0.6, h);
            for (int k = 0; k < lambda.Length; k++)
            {
                double q2 = Math.Pow(1 - 0.6 * lambda[k], 2);
                Assert.Equal(q2 * (1 - Math.Pow(q2, h)) / (1 - q2), g[k], 1e-9 * g[k]);
            }
        }
    }

    [Fact]
    public void TwoThreadsMatchStepwiseOnALargeSpectrum()
    {
        FamilyConfig config = new FamilySettings
        {
            InnerLr = 0.5, InnerSteps = 8, Workers = 4, BatchSize = 8, OuterKind = OuterKind.Nesterov, OuterLr = 0.5, OuterMomentum = 0.9,
        }.Resolve();
        AtomSpectrum spectrum = AtomSpectrum.PowerLawModes(TheoryOptions.ThreadedAtoms + 7, 1.5, 1.0);
        var recursion = new RiskRecursion(spectrum, config, 0.1);
        var options = new TheoryOptions { Rounds = 12, RecordInnerSteps = true };
        TheoryResult reference = recursion.Run(options with { Kernel = TheoryKernel.Stepwise });
        TheoryResult two = recursion.Run(options with { Threads = 2 });
        AssertSame(reference, two, 1e-12);
    }

    [Fact]
    public void DivergenceIsDetectedAtTheSameRound()
    {
        FamilyConfig config = new FamilySettings
        {
            InnerLr = 1.9, InnerSteps = 4, Workers = 1, BatchSize = 1, OuterKind = OuterKind.HeavyBall, OuterLr = 1.0, OuterMomentum = 0.9,
        }.Resolve();
        var recursion = new RiskRecursion(AtomSpectrum.PowerLawModes(200, 1.0, 1.0), config, 0.1);
        var options = new TheoryOptions { Rounds = 200 };
        TheoryResult reference = recursion.Run(options with { Kernel = TheoryKernel.Stepwise });
        TheoryResult fast = recursion.Run(options);
        Assert.NotNull(reference.DivergedAtRound);
        Assert.Equal(reference.DivergedAtRound, fast.DivergedAtRound);
        AssertSame(reference, fast, 1e-10);
    }

    private static void AssertSame(TheoryResult expected, TheoryResult actual, double tolerance)
    {
        Assert.Equal(expected.RoundsCompleted, actual.RoundsCompleted);
        Close(expected.Risk, actual.Risk, tolerance, "risk");
        Close(expected.Signal, actual.Signal, tolerance, "signal");
        // Noise = Σ w λ (E s² − (E s)²) is a difference: compare it on the scale of the excess risk it is part of.
        Close(expected.Noise, actual.Noise, tolerance, "noise", [.. expected.Risk.Select((_, k) => expected.ExcessRisk(k))]);
        Close(expected.MeanInnerRisk, actual.MeanInnerRisk, tolerance, "mean inner risk");
        if (expected.InnerRisk is not null)
        {
            Assert.Equal(expected.InnerRisk.Length, actual.InnerRisk!.Length);
            for (int k = 0; k < expected.InnerRisk.Length; k++)
            {
                Close(expected.InnerRisk[k], actual.InnerRisk[k], tolerance, $"inner risk of round {k + 1}");
            }
        }
    }

    private static void Close(double[] expected, double[] actual, double tolerance, string what, double[]? scales = null)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double scale = Math.Max(scales?[i] ?? Math.Abs(expected[i]), 1e-300);
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * scale,
                $"{what}[{i}]: stepwise {expected[i]:R}, one-pass {actual[i]:R} (relative {Math.Abs(expected[i] - actual[i]) / scale:E2})");
        }
    }
}
