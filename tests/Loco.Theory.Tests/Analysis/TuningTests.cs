using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Core.Problems;
using Loco.Theory.Analysis;
using Loco.Theory.Spectra;
using Loco.Theory.Tuning;

namespace Loco.Theory.Tests.Analysis;

public class TuningTests
{
    private static FamilyConfig Config(OuterKind kind = OuterKind.Plain, double lr = 1, double beta = 0, int h = 2, double eta = 0.3, int batch = 8, int k = 0, OuterForm form = OuterForm.PyTorch) =>
        new FamilySettings { InnerLr = eta, InnerSteps = h, BatchSize = batch, OuterKind = kind, OuterLr = lr, OuterMomentum = beta, RestartPeriod = k, OuterForm = form, Workers = 1 }.Resolve();

    [Theory]
    [InlineData("adaptive:dot")]
    [InlineData("adaptive:loss")]
    public void AnAdaptiveRestartRuleIsKeptThroughTheSearch(string rule)
    {
        // Before, every candidate was given "every K" (K = 0 here), so tuning with an adaptive rule silently tuned no restart.
        RestartSchedule adaptive = RestartSchedule.Parse(rule);
        FamilyConfig baseConfig = Config(OuterKind.Nesterov, 1.0, 0.9, h: 8, eta: 0.5) with { Restart = adaptive };
        AtomSpectrum spectrum = AtomSpectrum.PowerLawModes(40, 1.5, 1.0);
        var model = new RecursionRiskModel(spectrum, 0);
        var request = new TuningRequest
        {
            Base = baseConfig, Samples = 8 * 8 * 40, Free = Knob.OuterLr, GridPoints = 4, RefineEvaluations = 8,
            Ranges = new Dictionary<Knob, KnobRange> { [Knob.OuterLr] = new(0.5, 1.9, true) },
        };
        TuningResult tuned = Tuner.Run(model, request, lambdaMax: 1);
        FamilyConfig best = tuned.Best.Point.Apply(baseConfig);
        Assert.Equal(adaptive, best.Restart);
        Assert.Equal(model.Evaluate(best, request.Samples).FinalRisk, tuned.Best.Outcome.FinalRisk);
        // The rule fires at this setting: no restart ends elsewhere, so the search really evaluated the rule.
        Assert.NotEqual(model.Evaluate(best with { Restart = RestartSchedule.Never }, request.Samples).FinalRisk, tuned.Best.Outcome.FinalRisk);
        // K is a knob of periodic restarts only.
        Assert.Throws<InvalidInputException>(() => Tuner.Run(model, request with { Free = Knob.RestartPeriod }, 1));
    }

    [Fact]
    public void FindsTheKnownOptimumOfASingleNoiselessMode()
    {
        // One mode, plain outer step: risk ∝ (1 − αμ)^{2R}, minimised (to 0) at α = 1/μ; μ = 1 − 0.7² = 0.51, α* ≈ 1.961.
        AtomSpectrum spectrum = AtomSpectrum.FromProblem(LinearRegressionProblem.FromModes([1.0], [1.0], 0));
        var request = new TuningRequest { Base = Config(), Samples = 16 * 5, Free = Knob.OuterLr };
        TuningResult result = Tuner.Run(new NoiselessRiskModel(spectrum), request, lambdaMax: 1);
        double mu = 1 - 0.7 * 0.7;
        Assert.Equal(1 / mu, result.Best.Point.OuterLr, 0.01);
        Assert.True(result.Best.Outcome.FinalRisk < result.BestOnGrid.Outcome.FinalRisk);
        Assert.True(result.RefineEvaluations > 0);
    }

    [Theory]
    [InlineData(OuterKind.Plain, OuterForm.PyTorch, 0.8, 0.0, 0)]
    [InlineData(OuterKind.HeavyBall, OuterForm.PyTorch, 0.6, 0.9, 0)]
    [InlineData(OuterKind.Nesterov, OuterForm.PyTorch, 0.7, 0.9, 3)]
    [InlineData(OuterKind.Nesterov, OuterForm.Ema, 0.9, 0.7, 5)]
    public void NoiselessModelAgreesWithTheExactRecursionWithoutNoise(OuterKind kind, OuterForm form, double lr, double beta, int k)
    {
        // σ = 0 and a huge batch remove the gradient noise from the recursion (its noise terms scale as η²/B); what is left
        // is the mean dynamics, which the noiseless model computes independently from c_K / (T^R)₁₁.
        AtomSpectrum spectrum = AtomSpectrum.PowerLawModes(60, 1.3, 1.0);
        FamilyConfig config = Config(kind, lr, beta, h: 4, eta: 0.7, batch: 1_000_000_000, k: k, form: form);
        long samples = 23L * config.SamplesPerRound;
        RiskOutcome exact = new RecursionRiskModel(spectrum, 0).Evaluate(config, samples);
        RiskOutcome closed = new NoiselessRiskModel(spectrum).Evaluate(config, samples);
        Assert.Equal(23, exact.Rounds);
        Assert.Equal(exact.FinalRisk, closed.FinalRisk, exact.FinalRisk * 1e-6);
    }

    [Fact]
    public void TunedRiskUnderTheRecursionIsAtLeastAsGoodAsABruteForceGrid()
    {
        AtomSpectrum spectrum = AtomSpectrum.PowerLawModes(40, 1.5, 1.0);
        var model = new RecursionRiskModel(spectrum, 0.1);
        FamilyConfig baseConfig = Config(OuterKind.Nesterov, 0.7, 0.9, h: 4, eta: 0.5, batch: 4);
        const long samples = 4 * 4 * 30;
        var request = new TuningRequest { Base = baseConfig, Samples = samples, Free = Knob.InnerLr | Knob.OuterLr, GridPoints = 4 };
        TuningResult tuned = Tuner.Run(model, request, lambdaMax: 1);

        // Brute force on a 16 × 16 geometric grid over the same default ranges.
        KnobRange eta = TuningRequest.DefaultRange(Knob.InnerLr, 1, OuterForm.PyTorch);
        KnobRange alpha = TuningRequest.DefaultRange(Knob.OuterLr, 1, OuterForm.PyTorch);
        double brute = double.PositiveInfinity;
        for (int i = 0; i < 16; i++)
        {
            for (int j = 0; j < 16; j++)
            {
                double e = eta.Min * Math.Pow(eta.Max / eta.Min, i / 15.0);
                double a = alpha.Min * Math.Pow(alpha.Max / alpha.Min, j / 15.0);
                brute = Math.Min(brute, model.Evaluate(baseConfig with { InnerLr = e, OuterLr = a }, samples).FinalRisk);
            }
        }

        Assert.True(tuned.Best.Outcome.FinalRisk <= brute * 1.001, $"tuned {tuned.Best.Outcome.FinalRisk} vs brute force {brute}");
        Assert.True(tuned.GridEvaluations + tuned.RefineEvaluations < 256);
        Assert.Equal(tuned.Best.Outcome.FinalRisk, model.Evaluate(tuned.Best.Point.Apply(baseConfig), samples).FinalRisk);
        Assert.True(tuned.Ranked.Zip(tuned.Ranked.Skip(1)).All(p => p.First.Outcome.FinalRisk <= p.Second.Outcome.FinalRisk));
    }

    [Fact]
    public void DivergedSettingsRankLast()
    {
        AtomSpectrum spectrum = AtomSpectrum.PowerLawModes(20, 1.5, 1.0);
        var request = new TuningRequest { Base = Config(OuterKind.HeavyBall, 1, 0.5), Samples = 2000, Free = Knob.OuterLr, Ranges = new Dictionary<Knob, KnobRange> { [Knob.OuterLr] = new(0.5, 40, true) } };
        TuningResult result = Tuner.Run(new RecursionRiskModel(spectrum, 0.1), request, 1);
        Assert.False(result.Best.Outcome.Diverged);
        Assert.True(result.Ranked[^1].Outcome.Diverged); // α = 40 > 2(1 + β)/μ_max
    }

    [Fact]
    public void RejectsMomentumKnobsForThePlainStep()
    {
        var request = new TuningRequest { Base = Config(), Samples = 100, Free = Knob.OuterMomentum };
        var ex = Assert.Throws<InvalidInputException>(() => Tuner.Run(new NoiselessRiskModel(AtomSpectrum.PowerLawModes(5, 1, 1)), request, 1));
        Assert.Equal("--free", ex.Subject);
    }

    [Fact]
    public void AnOptimumOnTheEdgeOfTheRangeIsFlagged()
    {
        // One noiseless mode, plain outer step: risk ∝ (1 − αμ)^{2R} is minimised at α = 1/μ ≈ 1.96 (μ = 1 − 0.7²).
        AtomSpectrum spectrum = AtomSpectrum.FromProblem(LinearRegressionProblem.FromModes([1.0], [1.0], 0));
        var model = new NoiselessRiskModel(spectrum);
        TuningResult capped = Tuner.Run(model, new TuningRequest
        {
            Base = Config(), Samples = 16 * 5, Free = Knob.OuterLr, Ranges = new Dictionary<Knob, KnobRange> { [Knob.OuterLr] = new(0.1, 1.0, true) },
        }, lambdaMax: 1);
        RangeEdge edge = Assert.Single(capped.Edges());
        Assert.Equal(Knob.OuterLr, edge.Knob);
        Assert.True(edge.Upper);
        Assert.Equal(1.0, capped.Best.Point.OuterLr, 1e-12);

        TuningResult above = Tuner.Run(model, new TuningRequest
        {
            Base = Config(), Samples = 16 * 5, Free = Knob.OuterLr, Ranges = new Dictionary<Knob, KnobRange> { [Knob.OuterLr] = new(3, 10, true) },
        }, lambdaMax: 1);
        Assert.False(Assert.Single(above.Edges()).Upper);

        TuningResult inside = Tuner.Run(model, new TuningRequest
        {
            Base = Config(), Samples = 16 * 5, Free = Knob.OuterLr, Ranges = new Dictionary<Knob, KnobRange> { [Knob.OuterLr] = new(0.5, 8, true) },
        }, lambdaMax: 1);
        Assert.Equal(1 / (1 - 0.7 * 0.7), inside.Best.Point.OuterLr, 0.01);
        Assert.Empty(inside.Edges());
    }

    [Theory]
    [InlineData(Knob.InnerLr, "0.01:0.5", 0.01, 0.5)]
    [InlineData(Knob.OuterMomentum, "0:0.99", 0, 0.99)]
    [InlineData(Knob.InnerSteps, "2:32", 2, 32)]
    [InlineData(Knob.RestartPeriod, "0:8", 0, 8)]
    public void RangesParse(Knob knob, string text, double lo, double hi)
    {
        KnobRange r = KnobRange.Parse(knob, text, "--x-range");
        Assert.Equal(lo, r.Min);
        Assert.Equal(hi, r.Max);
        Assert.Equal(knob != Knob.OuterMomentum, r.Log);
    }

    [Theory]
    [InlineData(Knob.InnerLr, "0.5")]
    [InlineData(Knob.InnerLr, "a:b")]
    [InlineData(Knob.InnerLr, "0.5:0.1")]
    [InlineData(Knob.OuterLr, "0:1")]
    [InlineData(Knob.OuterMomentum, "0:1")]
    [InlineData(Knob.OuterMomentum, "-0.1:0.5")]
    [InlineData(Knob.InnerSteps, "0:8")]
    [InlineData(Knob.InnerSteps, "1.5:8")]
    [InlineData(Knob.RestartPeriod, "-1:8")]
    [InlineData(Knob.OuterLr, "1:inf")]
    public void BadRangesNameTheFlag(Knob knob, string text)
    {
        var e = Assert.Throws<InvalidInputException>(() => KnobRange.Parse(knob, text, "--x-range"));
        Assert.Equal("--x-range", e.Subject);
    }
}
