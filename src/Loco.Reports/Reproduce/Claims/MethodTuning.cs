using Loco.Core.Family;
using Loco.Core.Problems;
using Loco.Simulation;
using Loco.Theory.Dynamics;
using Loco.Theory.Spectra;
using Loco.Theory.Tuning;

namespace Loco.Reports.Reproduce;

/// <summary>How hard the tuner searches: grid points per knob and the local search's extra evaluations.</summary>
/// <param name="GridPoints">Grid points per free knob.</param>
/// <param name="RefineEvaluations">Evaluations the pattern search may add.</param>
public readonly record struct TuningEffort(int GridPoints, int RefineEvaluations);

/// <summary>A tuned method: its best setting under the budget and the exact theory's curves there.</summary>
/// <param name="Method">The method.</param>
/// <param name="Config">The tuned configuration.</param>
/// <param name="Theory">The recursion's curves at <paramref name="Config"/> for the whole budget.</param>
/// <param name="Evaluations">Risk-model evaluations the tuner spent.</param>
public sealed record TunedRun(TunedMethod Method, FamilyConfig Config, TheoryResult Theory, int Evaluations)
{
    /// <summary>Final excess risk (risk − σ²/2) of the theory; +∞ when it diverged.</summary>
    public double FinalExcess => Theory.DivergedAtRound is null ? Theory.ExcessRisk(Theory.RoundsCompleted) : double.PositiveInfinity;
}

/// <summary>Tunes methods with the exact recursion and checks them with Monte Carlo runs.</summary>
public static class MethodTuning
{
    /// <summary>Tunes <paramref name="method"/> on <paramref name="spectrum"/> with label noise σ under <paramref name="samples"/> samples.</summary>
    /// <remarks>The tuner evaluates <paramref name="tuningSpectrum"/> (a quadrature, fast); the curves returned are the recursion on <paramref name="spectrum"/>.</remarks>
    public static TunedRun Tune(TunedMethod method, AtomSpectrum spectrum, AtomSpectrum tuningSpectrum, double noise, long samples, TuningEffort effort,
        CancellationToken cancellation, IReadOnlyDictionary<Knob, KnobRange>? ranges = null)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(spectrum);
        ArgumentNullException.ThrowIfNull(tuningSpectrum);
        var model = new RecursionRiskModel(tuningSpectrum, noise);
        double lambdaMax = spectrum.Lambda.Max();
        int knobs = System.Numerics.BitOperations.PopCount((uint)method.Free);
        var request = new TuningRequest
        {
            Base = method.Base,
            Samples = samples,
            Free = method.Free,
            GridPoints = knobs switch { 1 => 4 * effort.GridPoints, 2 => 2 * effort.GridPoints, _ => effort.GridPoints },
            RefineEvaluations = effort.RefineEvaluations,
            Ranges = ranges ?? WideRanges(lambdaMax),
        };
        TuningResult result = Tuner.Run(model, request, lambdaMax, cancellation: cancellation);
        FamilyConfig best = result.Best.Point.Apply(method.Base);
        return new TunedRun(method, best, Theory(spectrum, best, noise, samples), result.Ranked.Count);
    }

    /// <summary>
    /// Search intervals wider than the tuner's defaults, so that no tuned value sits on a bound: η ∈ [10⁻³, 1.99]/λ_max
    /// (above 2/λ_max the top mode's inner step diverges), α ∈ [0.05, 8] (α μ_max &lt; 2 allows α ≫ 1 when μ_max is small),
    /// β ∈ [0, 0.999], H ∈ [1, 64].
    /// </summary>
    public static IReadOnlyDictionary<Knob, KnobRange> WideRanges(double lambdaMax) => new Dictionary<Knob, KnobRange>
    {
        [Knob.InnerLr] = new(1e-3 / lambdaMax, 1.99 / lambdaMax, true),
        [Knob.OuterLr] = new(0.05, 8, true),
        [Knob.OuterMomentum] = new(0, 0.999, false),
        [Knob.InnerSteps] = new(1, 64, true),
    };

    /// <summary>The recursion's curves for ⌊samples / (M·H·B)⌋ rounds.</summary>
    public static TheoryResult Theory(AtomSpectrum spectrum, FamilyConfig config, double noise, long samples) =>
        new RiskRecursion(spectrum, config, noise).Run(new TheoryOptions { Rounds = Rounds(config, samples) });

    /// <summary>Rounds that fit the budget (at least 1).</summary>
    public static int Rounds(FamilyConfig config, long samples) =>
        (int)Math.Max(1, Math.Min(int.MaxValue, samples / config.SamplesPerRound));

    /// <summary>Monte Carlo runs of <paramref name="config"/> for the same budget.</summary>
    public static SimulationResult Simulate(LinearRegressionProblem problem, FamilyConfig config, long samples, int runs, ulong seed, CancellationToken cancellation) =>
        MonteCarloSimulator.Run(problem, config, new SimulationOptions { Rounds = Rounds(config, samples), Runs = runs, Seed = seed }, cancellation: cancellation);
}
