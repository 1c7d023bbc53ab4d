using Loco.Core.Family;
using Loco.Core.Problems;
using Loco.Simulation;
using Loco.Theory.Dynamics;
using Loco.Theory.Spectra;
using Loco.Theory.Tuning;

namespace Loco.Studies.Tuning;

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
    /// <summary>
    /// Tuned knobs at an end of their search range (the tuner's <see cref="TuningResult.Edges"/>, plus H at the top of
    /// <see cref="MethodTuning.InnerStepLadder"/>): there the optimum may lie outside the range.
    /// </summary>
    public IReadOnlyList<string> Edges { get; init; } = [];

    /// <summary>Final excess risk (risk − σ²/2) of the theory; +∞ when it diverged.</summary>
    public double FinalExcess => Theory.DivergedAtRound is null ? Theory.ExcessRisk(Theory.RoundsCompleted) : double.PositiveInfinity;
}

/// <summary>Tunes methods with the exact recursion and checks them with Monte Carlo runs.</summary>
public static class MethodTuning
{
    /// <summary>Tunes <paramref name="method"/> on <paramref name="spectrum"/> with label noise σ under <paramref name="samples"/> samples.</summary>
    /// <remarks>
    /// The tuner evaluates <paramref name="tuningSpectrum"/> (a quadrature, fast); the curves returned are the recursion on
    /// <paramref name="spectrum"/>. When H is free, the other knobs are tuned separately at every H of the ladder
    /// <see cref="InnerStepLadder"/> and the best H wins: a single grid-then-local search over (η, α, H) together can settle
    /// in the basin of one H and miss a better one (measured on LA-SNR at B = 64, σ = 0.1: the joint search stopped at
    /// H = 1, LA/SGD = 1.000, while H = 64 gives 0.991).
    /// </remarks>
    public static TunedRun Tune(TunedMethod method, AtomSpectrum spectrum, AtomSpectrum tuningSpectrum, double noise, long samples, TuningEffort effort,
        CancellationToken cancellation, IReadOnlyDictionary<Knob, KnobRange>? ranges = null)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(spectrum);
        ArgumentNullException.ThrowIfNull(tuningSpectrum);
        var model = new RecursionRiskModel(tuningSpectrum, noise);
        double lambdaMax = spectrum.Lambda.Max();
        ranges ??= WideRanges(lambdaMax);
        IEnumerable<(FamilyConfig Base, Knob Free)> searches = (method.Free & Knob.InnerSteps) == 0
            ? [(method.Base, method.Free)]
            : InnerStepLadder(ranges[Knob.InnerSteps]).Select(h => (method.Base with { InnerSteps = h }, method.Free & ~Knob.InnerSteps));
        int evaluations = 0;
        (FamilyConfig Config, double Risk, IReadOnlyList<string> Edges)? best = null;
        int topH = (method.Free & Knob.InnerSteps) == 0 ? 0 : InnerStepLadder(ranges[Knob.InnerSteps])[^1];
        foreach ((FamilyConfig start, Knob free) in searches)
        {
            int knobs = System.Numerics.BitOperations.PopCount((uint)free);
            var request = new TuningRequest
            {
                Base = start,
                Samples = samples,
                Free = free,
                GridPoints = knobs switch { 1 => 4 * effort.GridPoints, 2 => 2 * effort.GridPoints, _ => effort.GridPoints },
                RefineEvaluations = effort.RefineEvaluations,
                Ranges = ranges,
            };
            TuningResult result = Tuner.Run(model, request, lambdaMax, cancellation: cancellation);
            evaluations += result.Ranked.Count;
            if (best is null || result.Best.Outcome.FinalRisk < best.Value.Risk)
            {
                IEnumerable<string> edges = result.Edges().Select(e => $"{e.Knob} = {(e.Upper ? "max" : "min")} {e.Value:G3}");
                best = (result.Best.Point.Apply(start), result.Best.Outcome.FinalRisk,
                    [.. start.InnerSteps == topH ? edges.Append($"{Knob.InnerSteps} = max {topH}") : edges]);
            }
        }

        FamilyConfig config = best!.Value.Config;
        return new TunedRun(method, config, Theory(spectrum, config, noise, samples), evaluations) { Edges = best.Value.Edges };
    }

    /// <summary>The values of H tried when H is free: the powers of two in the range, and its ends.</summary>
    public static IReadOnlyList<int> InnerStepLadder(KnobRange range)
    {
        int lo = Math.Max(1, (int)Math.Ceiling(range.Min));
        int hi = Math.Max(lo, (int)Math.Floor(range.Max));
        var ladder = new SortedSet<int> { lo, hi };
        for (long h = 1; h <= hi; h *= 2)
        {
            if (h >= lo)
            {
                ladder.Add((int)h);
            }
        }

        return [.. ladder];
    }

    /// <summary>
    /// Search intervals wider than the tuner's defaults, so that no tuned value sits on a bound: η ∈ [10⁻³, 1.99]/λ_max
    /// (above 2/λ_max the top mode's inner step diverges), α ∈ [0.01, 8] (α μ_max &lt; 2 allows α ≫ 1 when μ_max is small),
    /// β ∈ [0, 0.999], H ∈ [1, 256] (tried as the ladder 1, 2, 4, …, 256).
    /// </summary>
    public static IReadOnlyDictionary<Knob, KnobRange> WideRanges(double lambdaMax) => new Dictionary<Knob, KnobRange>
    {
        [Knob.InnerLr] = new(1e-3 / lambdaMax, 1.99 / lambdaMax, true),
        [Knob.OuterLr] = new(0.01, 8, true),
        [Knob.OuterMomentum] = new(0, 0.999, false),
        [Knob.InnerSteps] = new(1, 256, true),
    };

    /// <summary>The recursion's curves for ⌊samples / (M·H·B)⌋ rounds.</summary>
    public static TheoryResult Theory(AtomSpectrum spectrum, FamilyConfig config, double noise, long samples) =>
        new RiskRecursion(spectrum, config, noise).Run(new TheoryOptions { Rounds = Rounds(config, samples) });

    /// <summary>Rounds that fit the budget (at least 1).</summary>
    public static int Rounds(FamilyConfig config, long samples) =>
        (int)Math.Max(1, Math.Min(int.MaxValue, samples / config.SamplesPerRound));

    /// <summary>Monte Carlo runs of <paramref name="config"/> for the same budget.</summary>
    /// <remarks><paramref name="subBatches"/>: see <see cref="SimulationOptions.SubBatches"/> (common random numbers).</remarks>
    public static SimulationResult Simulate(LinearRegressionProblem problem, FamilyConfig config, long samples, int runs, ulong seed, CancellationToken cancellation,
        int subBatches = 1) =>
        MonteCarloSimulator.Run(problem, config, new SimulationOptions { Rounds = Rounds(config, samples), Runs = runs, Seed = seed, SubBatches = subBatches },
            cancellation: cancellation);
}
