using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Core.Problems;
using Loco.Simulation;
using Loco.Studies.Tuning;
using Loco.Theory.Analysis;
using Loco.Theory.Dynamics;
using Loco.Theory.Spectra;

namespace Loco.Studies.Claims;

/// <summary>Sizes of the MW-NOISE study.</summary>
/// <param name="Setup">The power-law problem.</param>
/// <param name="Rounds">Rounds R of every run: the M-worker run and its one-worker counterpart both consume R·M·H·B samples.</param>
/// <param name="SimulationRuns">
/// Monte Carlo runs per setting (each of the two paired simulations). The paired standard error of E falls as 1/√runs.
/// </param>
/// <param name="Noise">σ.</param>
public sealed record MwNoiseSize(PowerLawSetup Setup, int Rounds, int SimulationRuns, double Noise = MwNoiseSize.DefaultNoise)
{
    /// <summary>
    /// The size at full or quick scale on <paramref name="problem"/>: its spectrum, D and σ where set, and with a budget N,
    /// R = N / (M·H·B) rounds of the base setting (M = 4, H = 8, B = 4: N/128), the same R for every setting.
    /// </summary>
    public static MwNoiseSize For(bool quick, ClaimProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        MwNoiseSize size = quick ? Quick : Full;
        int rounds = problem.Budget is long n ? (int)Math.Max(1, Math.Min(int.MaxValue / 2, n / (PathWorkers * InnerSteps * Batch))) : size.Rounds;
        return size with { Setup = problem.Setup(size.Setup.Dimension), Rounds = rounds, Noise = problem.NoiseOr(DefaultNoise) };
    }

    /// <summary>
    /// Full size: D = 1000, R = 256, 192 runs (paired s.e. of E ≈ 0.3–0.5 |E| along M; about 70 s, 137 s of CPU, Release, 2 cores).
    /// </summary>
    public static MwNoiseSize Full { get; } = new(new PowerLawSetup(1000), 256, 192);

    /// <summary>Quick size: D = 100, R = 48, 32 runs (about 1.4 s Release; the tests' size).</summary>
    public static MwNoiseSize Quick { get; } = new(new PowerLawSetup(100), 48, 32);

    /// <summary>σ of the study unless the problem sets one.</summary>
    public const double DefaultNoise = 0.5;

    /// <summary>B per worker.</summary>
    public const int Batch = 4;

    /// <summary>η of the M sweep and the H sweep.</summary>
    public const double InnerLr = 0.25;

    /// <summary>α of the M sweep and the H sweep.</summary>
    public const double OuterLr = 1.2;

    /// <summary>H of the M sweep and the η path.</summary>
    public const int InnerSteps = 8;

    /// <summary>M of the η path and the H sweep.</summary>
    public const int PathWorkers = 4;

    /// <summary>αη along the η path.</summary>
    public const double Product = 0.3;

    /// <summary>Worker counts of the M sweep.</summary>
    public static int[] WorkerCounts { get; } = [1, 2, 4, 8, 16];

    /// <summary>η along αη = const.</summary>
    public static double[] PathInnerLrs { get; } = [0.25, 0.125, 0.0625, 0.03125];

    /// <summary>H of the H sweep, falling.</summary>
    public static int[] InnerStepCounts { get; } = [16, 8, 4, 2];
}

/// <summary>One setting: theory of both runs, and (when finite) their simulations.</summary>
/// <param name="Config">The M-worker configuration.</param>
/// <param name="AlphaMuMax">α μ_max = α (1 − (1 − ηλ_max)^H): ≥ 2 makes the outer step unstable.</param>
/// <param name="Theory">The decomposition (M workers, one worker at M·B).</param>
/// <param name="Workers">Simulation of the M workers (null when the theory diverged).</param>
/// <param name="Single">Simulation of one worker at M·B (null when the theory diverged).</param>
public sealed record MwNoisePoint(FamilyConfig Config, double AlphaMuMax, MultiWorkerDecomposition Theory, SimulationResult? Workers, SimulationResult? Single)
{
    /// <summary>
    /// True when either recursion diverged (its risk passed 10¹² times its start) or ended above its initial risk:
    /// an unstable outer step grows the risk without bound, so after R rounds it is above where it started.
    /// </summary>
    public bool Diverged => Theory.Workers.DivergedAtRound is not null || Theory.SingleWorker.DivergedAtRound is not null
        || Theory.Workers.FinalRisk > Theory.Workers.Risk[0] || Theory.SingleWorker.FinalRisk > Theory.SingleWorker.Risk[0];

    /// <summary>Final excess of M workers over one worker (theory; NaN when diverged).</summary>
    public double Excess => Diverged ? double.NaN : Theory.Excess(Theory.RoundsCompleted);

    /// <summary>
    /// The same from the simulations: the mean over runs of (final risk of M workers − final risk of one worker), the two
    /// run on common random numbers (same seed, the one worker with M sub-batches, so run r of each sees the same
    /// samples), and its paired standard error. NaN when not simulated or when either simulation diverged.
    /// </summary>
    public (double Mean, double StdErr) SimulatedExcess
    {
        get
        {
            if (Workers is null || Single is null || Workers.DivergedAtRound is not null || Single.DivergedAtRound is not null)
            {
                return (double.NaN, double.NaN);
            }

            PairedDifference d = PairedDifference.OfFinalRisk(Workers, Single);
            return (d.Mean, d.StdErr);
        }
    }

    /// <summary>
    /// The unpaired standard error the same difference would have from two independent simulations of these sizes:
    /// √(s.e.(M workers)² + s.e.(one worker)²). For comparison only.
    /// </summary>
    public double UnpairedStdErr => Workers is null || Single is null
        ? double.NaN
        : Math.Sqrt(Workers.FinalStdErr * Workers.FinalStdErr + Single.FinalStdErr * Single.FinalStdErr);

    /// <summary>
    /// Whether the simulated E agrees with the theory's E: |simulated − theory| ≤ 4 paired standard errors + 2% of |E|.
    /// Null when there is no simulated E. Reported only; not part of the criterion.
    /// </summary>
    public bool? SimulatedExcessAgrees
    {
        get
        {
            (double mean, double stdErr) = SimulatedExcess;
            return double.IsNaN(mean) || double.IsNaN(Excess) ? null : Math.Abs(mean - Excess) <= 4 * stdErr + 0.02 * Math.Abs(Excess);
        }
    }
}

/// <summary>The three sweeps of MW-NOISE.</summary>
public sealed record MwNoiseResult(IReadOnlyList<MwNoisePoint> ByWorkers, IReadOnlyList<MwNoisePoint> AlongPath, IReadOnlyList<MwNoisePoint> ByInnerSteps);

/// <summary>
/// MW-NOISE: M workers at batch B against one worker at batch M·B with the same η, α, H (LA, β = 0), by the exact
/// recursion (<see cref="MultiWorkerDecomposition"/>) with Monte Carlo checks.
/// </summary>
public static class MwNoiseStudy
{
    /// <summary>A setting "ameliorates" the extra noise when its E is at most this fraction of the base setting's.</summary>
    public const double Amelioration = 0.5;

    /// <summary>The registered (second-edition) criterion.</summary>
    public const string Criterion =
        "E = final excess risk of M workers at batch B minus that of one worker at batch M·B (same η, α, H; LA, β = 0), exact theory, after R rounds " +
        "(both runs consume R·M·H·B samples). HOLDS iff (1) \"more noise\": at the base setting η = 0.25, α = 1.2, H = 8, E > 0 for every M ∈ {2, 4, 8, 16}; " +
        "(2) \"ameliorated by hyperparameters\": at M = 4, some setting of the study (η along αη = 0.3 with α μ_max < 2, or H ∈ {16, 4, 2}) has " +
        "0 ≤ E ≤ 0.5 × E of the base setting; and (3) every simulated run agrees with the theory (4 standard errors + 2%).";

    /// <summary>Judges the registered criterion on E along M (M ≥ 2, base setting), the base E at M = 4, the other M = 4 settings' E, and the MC disagreements.</summary>
    public static CriterionOutcome Judge(IReadOnlyList<(int Workers, double Excess)> byWorkers, double baseExcess,
        IReadOnlyList<(string Setting, double Excess)> alternatives, int disagreements, int simulated)
    {
        ArgumentNullException.ThrowIfNull(byWorkers);
        ArgumentNullException.ThrowIfNull(alternatives);
        bool positive = byWorkers.Count > 0 && byWorkers.All(p => p.Excess > 0);
        var finite = alternatives.Where(a => double.IsFinite(a.Excess)).ToList();
        (string Setting, double Excess) best = finite.Where(a => a.Excess >= 0).OrderBy(a => a.Excess).DefaultIfEmpty(("none", double.NaN)).First();
        bool ameliorated = double.IsFinite(best.Excess) && baseExcess > 0 && best.Excess <= Amelioration * baseExcess;
        string measured =
            $"(1) E vs M: {string.Join(", ", byWorkers.Select(p => $"M={p.Workers}: {p.Excess:G3}"))} (all > 0 {CriterionOutcome.Mark(positive)}); " +
            $"(2) base E (M=4, η=0.25, H=8) = {baseExcess:G3}; smallest E ≥ 0 of the other settings: {best.Setting}: {best.Excess:G3} = {best.Excess / baseExcess:F2} × base " +
            $"(≤ {Amelioration} {CriterionOutcome.Mark(ameliorated)}); (3) MC vs theory: {(disagreements == 0 ? $"all {simulated} settings agree" : $"{disagreements} of {simulated} disagree FAILS")}.";
        return new CriterionOutcome(positive && ameliorated && disagreements == 0, measured);
    }

    /// <summary>Judges the registered criterion on the study's result.</summary>
    public static CriterionOutcome Judge(MwNoiseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var byWorkers = result.ByWorkers.Where(p => p.Config.Workers >= 2).Select(p => (p.Config.Workers, p.Excess)).ToList();
        MwNoisePoint basePoint = result.ByWorkers.Single(p => p.Config.Workers == MwNoiseSize.PathWorkers);
        var alternatives = result.AlongPath.Where(p => p.AlphaMuMax < 2).Select(p => ($"η={p.Config.InnerLr:G3} α={p.Config.OuterLr:G3}", p.Excess))
            .Concat(result.ByInnerSteps.Select(p => ($"H={p.Config.InnerSteps}", p.Excess)))
            .Where(a => a.Item1 != $"η={MwNoiseSize.InnerLr:G3} α={MwNoiseSize.OuterLr:G3}" && a.Item1 != $"H={MwNoiseSize.InnerSteps}").ToList();
        (int disagree, int all) = Disagreements(result);
        return Judge(byWorkers, basePoint.Excess, alternatives, disagree, all);
    }

    private static (int Disagree, int All) Disagreements(MwNoiseResult result)
    {
        var all = result.ByWorkers.Concat(result.AlongPath).Concat(result.ByInnerSteps).Where(p => p.Workers is not null).ToList();
        return (all.Count(p => !SimulationAgreement.Agrees(p.Theory.Workers, p.Workers!) || !SimulationAgreement.Agrees(p.Theory.SingleWorker, p.Single!)), all.Count);
    }

    /// <summary>The first edition's criterion, kept as a finding.</summary>
    public const string FirstEditionCriterion =
        "E = final excess risk of M workers at batch B minus that of one worker at batch M·B (same η, α, H; LA, β = 0), exact theory, " +
        "power law with σ = 0.5, B = 4, after R rounds (both runs consume R·M·H·B samples). PASS iff (1) at η = 0.25, α = 1.2, H = 8: E > 0 for every M ∈ {2, 4, 8, 16} " +
        "and E strictly increases with M; (2) along αη = 0.3 at M = 4, H = 8, η = 0.25 → 0.125 → 0.0625 → 0.03125: E strictly decreases " +
        "as η falls over the settings with α μ_max < 2, and the first setting with α μ_max ≥ 2 diverges (final risk above the initial risk); (3) at M = 4, η = 0.25, " +
        "α = 1.2: E strictly decreases as H falls 16 → 8 → 4 → 2; and every simulated run agrees with the theory (4 standard errors + 2%).";

    /// <summary>Seed of both simulations of a setting (they share it: common random numbers).</summary>
    public const ulong Seed = 21;

    /// <summary>A configuration of the study.</summary>
    public static FamilyConfig Config(int workers, double innerLr, double outerLr, int innerSteps) => new()
    {
        InnerLr = innerLr,
        InnerSteps = innerSteps,
        Workers = workers,
        BatchSize = MwNoiseSize.Batch,
        OuterLr = outerLr,
        OuterMomentum = 0,
        OuterKind = OuterKind.Plain,
        OuterForm = OuterForm.PyTorch,
        Restart = RestartSchedule.Every(0),
    };

    /// <summary>Runs the three sweeps.</summary>
    public static MwNoiseResult Run(MwNoiseSize size, IProgress<string>? progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(size);
        AtomSpectrum spectrum = size.Setup.Spectrum();
        LinearRegressionProblem problem = size.Setup.Problem(size.Noise);
        double lambdaMax = spectrum.Lambda.Max();
        // The M = 4, η = 0.25, H = 8 setting is in all three sweeps: it is computed once (same config, same seed, same result).
        var done = new Dictionary<FamilyConfig, MwNoisePoint>();
        MwNoisePoint Point(FamilyConfig c)
        {
            if (!done.TryGetValue(c, out MwNoisePoint? point))
            {
                point = Compute(c);
                done.Add(c, point);
            }

            return point;
        }

        MwNoisePoint Compute(FamilyConfig c)
        {
            var options = new TheoryOptions { Rounds = size.Rounds };
            MultiWorkerDecomposition theory = MultiWorkerDecomposition.Run(spectrum, c, size.Noise, options, cancellation);
            double alphaMu = c.OuterLr * EffectiveSpectrum.Of(lambdaMax, c.InnerLr, c.InnerSteps);
            bool diverged = new MwNoisePoint(c, alphaMu, theory, null, null).Diverged;
            SimulationResult? many = diverged ? null : MethodTuning.Simulate(problem, c, size.Rounds * c.SamplesPerRound, size.SimulationRuns, Seed, cancellation);
            // Common random numbers: the same seed, and M sub-batches, so the one worker sees the M workers' samples.
            SimulationResult? one = diverged ? null : MethodTuning.Simulate(problem, MultiWorkerDecomposition.SingleWorkerOf(c), size.Rounds * c.SamplesPerRound,
                size.SimulationRuns, Seed, cancellation, subBatches: c.Workers);
            return new MwNoisePoint(c, alphaMu, theory, many, one);
        }

        progress?.Report("mw-noise: excess vs M");
        var byWorkers = MwNoiseSize.WorkerCounts.Select(m => Point(Config(m, MwNoiseSize.InnerLr, MwNoiseSize.OuterLr, MwNoiseSize.InnerSteps))).ToList();
        progress?.Report("mw-noise: excess along αη = const");
        var path = MwNoiseSize.PathInnerLrs.Select(eta => Point(Config(MwNoiseSize.PathWorkers, eta, MwNoiseSize.Product / eta, MwNoiseSize.InnerSteps))).ToList();
        progress?.Report("mw-noise: excess vs H");
        var byH = MwNoiseSize.InnerStepCounts.Select(h => Point(Config(MwNoiseSize.PathWorkers, MwNoiseSize.InnerLr, MwNoiseSize.OuterLr, h))).ToList();
        return new MwNoiseResult(byWorkers, path, byH);
    }

    /// <summary>Evaluates the first edition's criterion.</summary>
    public static CriterionOutcome JudgeFirstEdition(MwNoiseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var many = result.ByWorkers.Where(p => p.Config.Workers >= 2).ToList();
        bool positive = many.All(p => p.Excess > 0);
        bool increasing = StrictlyMonotone(many.Select(p => p.Excess).ToList(), increasing: true);
        var stable = result.AlongPath.TakeWhile(p => p.AlphaMuMax < 2).ToList();
        MwNoisePoint? firstUnstable = result.AlongPath.FirstOrDefault(p => p.AlphaMuMax >= 2);
        bool pathFalls = stable.Count >= 2 && StrictlyMonotone(stable.Select(p => p.Excess).ToList(), increasing: false);
        bool unstableDiverges = firstUnstable is not null && firstUnstable.Diverged;
        bool hFalls = StrictlyMonotone(result.ByInnerSteps.Select(p => p.Excess).ToList(), increasing: false);
        var all = result.ByWorkers.Concat(result.AlongPath).Concat(result.ByInnerSteps).Where(p => p.Workers is not null).ToList();
        int disagree = Disagreements(result).Disagree;
        string measured =
            $"(1) E vs M: {string.Join(", ", many.Select(p => $"M={p.Config.Workers}: {p.Excess:G3}"))} (positive {Ok(positive)}, increasing {Ok(increasing)}); " +
            $"(2) αη=0.3: {string.Join(", ", result.AlongPath.Select(p => $"η={p.Config.InnerLr:G3} (αμmax={p.AlphaMuMax:F2}): {(p.Diverged ? "diverged" : p.Excess.ToString("G3"))}"))} " +
            $"(falls {Ok(pathFalls)}, unstable diverges {Ok(unstableDiverges)}); " +
            $"(3) E vs H: {string.Join(", ", result.ByInnerSteps.Select(p => $"H={p.Config.InnerSteps}: {p.Excess:G3}"))} (falls {Ok(hFalls)}); " +
            $"MC vs theory: {(disagree == 0 ? $"all {all.Count} settings agree" : $"{disagree} of {all.Count} disagree")}; " +
            $"paired MC E vs theory E (reported, not in the criterion): {PairedAgreement(all)}.";
        return new CriterionOutcome(positive && increasing && pathFalls && unstableDiverges && hFalls && disagree == 0, measured);
    }

    /// <summary>"n of m settings agree (4 paired s.e. + 2%)" over distinct settings, naming those that do not.</summary>
    public static string PairedAgreement(IReadOnlyList<MwNoisePoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var checkable = points.Distinct().Where(p => p.SimulatedExcessAgrees is not null).ToList();
        var off = checkable.Where(p => p.SimulatedExcessAgrees == false).ToList();
        string text = $"{checkable.Count - off.Count} of {checkable.Count} settings agree (4 paired s.e. + 2% of |E|)";
        return off.Count == 0 ? text : text + "; off: " + string.Join(", ", off.Select(p =>
            $"M={p.Config.Workers} η={p.Config.InnerLr:G3} H={p.Config.InnerSteps}: {p.SimulatedExcess.Mean:G3} ± {p.SimulatedExcess.StdErr:G2} vs {p.Excess:G3}"));
    }

    private static string Ok(bool ok) => ok ? "ok" : "FAILS";

    private static bool StrictlyMonotone(IReadOnlyList<double> values, bool increasing)
    {
        for (int i = 1; i < values.Count; i++)
        {
            bool ok = increasing ? values[i] > values[i - 1] : values[i] < values[i - 1];
            if (!ok || double.IsNaN(values[i]))
            {
                return false;
            }
        }

        return values.Count > 0 && !double.IsNaN(values[0]);
    }
}
