using Loco.Core.Family;
using Loco.Core.Problems;
using Loco.Simulation;
using Loco.Theory.Dynamics;
using Loco.Theory.Spectra;
using Loco.Theory.Tuning;

namespace Loco.Reports.Reproduce.Claims;

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
    public static TunedRun Tune(TunedMethod method, AtomSpectrum spectrum, double noise, long samples, TuningEffort effort,
        CancellationToken cancellation, IReadOnlyDictionary<Knob, KnobRange>? ranges = null)
    {
        ArgumentNullException.ThrowIfNull(method);
        var model = new RecursionRiskModel(spectrum, noise);
        var request = new TuningRequest
        {
            Base = method.Base,
            Samples = samples,
            Free = method.Free,
            GridPoints = effort.GridPoints,
            RefineEvaluations = effort.RefineEvaluations,
            Ranges = ranges ?? new Dictionary<Knob, KnobRange>(),
        };
        TuningResult result = Tuner.Run(model, request, spectrum.Lambda.Max(), cancellation: cancellation);
        FamilyConfig best = result.Best.Point.Apply(method.Base);
        return new TunedRun(method, best, Theory(spectrum, best, noise, samples), result.Ranked.Count);
    }

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
