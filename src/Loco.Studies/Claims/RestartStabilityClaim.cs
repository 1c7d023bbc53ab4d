using System.Globalization;
using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Core.Problems;
using Loco.Reports.Figures;
using Loco.Reports.Tables;
using Loco.Simulation;
using Loco.Theory.Analysis;
using Loco.Theory.Dynamics;
using Loco.Theory.Spectra;

namespace Loco.Studies.Claims;

/// <summary>
/// RESTART-STABILITY (Topollai et al. 2026): restarts (K = 3) widen the stable range of outer lr and momentum. Final-risk
/// heatmaps over the paper's grid, with and without restart, for H ∈ {8, 32, 128}, Nesterov in the EMA and the PyTorch
/// form, from the exact risk recursion and from Monte Carlo simulation of the same problem.
/// </summary>
public sealed class RestartStabilityClaim : IClaim
{
    /// <summary>Outer learning rates (ν in the EMA form, α in the PyTorch form): the paper's grid.</summary>
    public static readonly double[] OuterLrs = [0.1, 0.3, 0.5, 0.7, 0.9, 1.1];

    /// <summary>Outer momenta: the paper's grid.</summary>
    public static readonly double[] Momenta = [0.1, 0.3, 0.5, 0.7, 0.9];

    /// <summary>Inner steps per round.</summary>
    public static readonly int[] InnerStepCounts = [8, 32, 128];

    /// <summary>The outer forms compared.</summary>
    public static readonly OuterForm[] Forms = [OuterForm.Ema, OuterForm.PyTorch];

    /// <summary>Restart period with restart.</summary>
    public const int RestartPeriod = 3;

    /// <summary>Power-law exponent of the spectrum, λ_i = i^(−a).</summary>
    public const double SpectrumExponent = 1.5;

    /// <summary>Target exponent, E[θ*_i²] = i^(−b).</summary>
    public const double TargetExponent = 1.0;

    /// <summary>Label-noise standard deviation σ.</summary>
    public const double Noise = 0.5;

    /// <summary>
    /// Inner learning rate η, fixed by a rule that looks only at the no-restart grid: of η ∈ {0.05, 0.1, 0.2, 0.3, 0.5}, the one whose
    /// no-restart EMA grid at H = 32 (full size, theory) has a stable area closest to half the grid (measured: 30, 30, 28, 20, 5 of 30 cells).
    /// </summary>
    public const double InnerLr = 0.3;

    /// <summary>Batch size per worker.</summary>
    public const int BatchSize = 1;

    /// <inheritdoc />
    public string Id => "restart-stability";

    /// <inheritdoc />
    public string Title => "Restarts and the stable range of outer lr and momentum";

    /// <inheritdoc />
    public string Paper => "Topollai et al. 2026, Outer-momentum restarting in high-dimensional two-phase optimization";

    /// <inheritdoc />
    public string Quote =>
        "\"language-model pretraining experiments show that periodic restarts widen the stable range of outer learning rates and momentum values across communication periods\"";

    /// <inheritdoc />
    public string Reading =>
        "The sentence is about language-model pretraining, which this claim does not run (`loco sweep` does). Its analogue in the linear model: " +
        "over the paper's grid of outer lr and momentum, Nesterov outer steps with a restart every K = 3 rounds have at least as many stable cells " +
        "as without restart at every communication period H, and more at some H.";

    /// <inheritdoc />
    public string Criterion =>
        $"Problem: power law, σ = {Noise} (unless set), inner SGD η = {InnerLr}, B = {BatchSize}, M = 1, a fixed budget of inner steps (the same for every H). " +
        "A cell is STABLE iff the run did not diverge and its final risk is finite and below the initial risk R(0) (exact expected risk). HOLDS iff, " +
        "from the exact theory, for both forms (EMA and PyTorch): the stable area (of the 6×5 grid) with restart (K = 3) is ≥ the area without restart " +
        "for every H ∈ {8, 32, 128}, and > for at least one H. The verdict is at most \"reproduced under conditions\": this is the linear model's analogue.";

    /// <inheritdoc />
    public string FirstEditionCriterion =>
        $"Problem: power law λ_i = i^-{SpectrumExponent}, E[θ*_i²] = i^-{TargetExponent}, σ = {Noise}, inner SGD η = {InnerLr}, B = {BatchSize}, M = 1, " +
        "a fixed budget of inner steps (the same for every H). A cell is STABLE iff the run did not diverge and its final risk is finite and below " +
        "the initial risk R(0) (theory: the exact expected risk; simulation: the mean over runs, no run diverged). Stable area = number of stable cells " +
        "of the 6×5 grid. PASS iff, from the exact theory, the stable area with restart (K = 3) is strictly larger than without restart for every " +
        "H ∈ {8, 32, 128} and both forms (EMA and PyTorch). The simulation is reported next to it (its stable areas and its agreement with the theory cell by cell).";

    /// <inheritdoc />
    public ClaimVerdict Judge(IReadOnlyList<ClaimRun> runs)
    {
        ClaimVerdict plain = ClaimRunner.ByProblems(runs,
            "Where the noiseless per-mode analysis of the same grid counts every cell stable with and without restart (see the notes), every unstable " +
            "cell is made unstable by gradient noise, and restarting helps by limiting how much the momentum amplifies it. The language-model " +
            "version of the claim is tested by `loco sweep` (see the README), not here.");
        return plain.Verdict == Verdict.Reproduced
            ? plain with { Verdict = Verdict.ReproducedUnderConditions, Why = "Under the condition that this is the linear model's analogue of a language-model claim. " + plain.Why }
            : plain;
    }

    /// <summary>Judges the registered criterion on the theory's stable areas: per form, (H, without, with) in H order.</summary>
    public static CriterionOutcome Judge(IReadOnlyList<(string Form, int H, int Without, int With)> areas)
    {
        ArgumentNullException.ThrowIfNull(areas);
        bool held = areas.Count > 0;
        var parts = new List<string>();
        foreach (IGrouping<string, (string Form, int H, int Without, int With)> form in areas.GroupBy(a => a.Form))
        {
            bool never = form.All(a => a.With >= a.Without);
            bool some = form.Any(a => a.With > a.Without);
            held &= never && some;
            parts.Add($"{form.Key}: {string.Join(", ", form.Select(a => $"H={a.H} {a.Without}→{a.With}"))} (never smaller {CriterionOutcome.Mark(never)}, larger at some H {CriterionOutcome.Mark(some)})");
        }

        return new CriterionOutcome(held, $"theory stable cells of 30, no restart→K={RestartPeriod}: {string.Join("; ", parts)}");
    }

    /// <summary>The size of a run.</summary>
    internal sealed record Size(int Dimension, int InnerStepBudget, int Runs, int[] SimulatedH, int[] SimulatedLrIndex, int[] SimulatedMomentumIndex);

    /// <summary>The size used at full or quick scale.</summary>
    internal static Size SizeFor(bool quick) => quick
        ? new Size(100, 1024, 8, [8], [1, 3, 5], [0, 2, 4])
        : new Size(200, 6144, 32, InnerStepCounts, [1, 3, 5], [0, 2, 4]);

    /// <inheritdoc />
    public ClaimResult Run(ClaimContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Size size = SizeFor(context.Quick);
        ClaimProblem claimProblem = context.Problem;
        size = size with
        {
            Dimension = claimProblem.Dimension ?? size.Dimension,
            InnerStepBudget = (int)Math.Min(1 << 24, claimProblem.BudgetOr(size.InnerStepBudget)),
        };
        double noise = claimProblem.NoiseOr(Noise);
        LinearRegressionProblem problem = LinearRegressionProblem.PowerLaw(size.Dimension, claimProblem.SpectrumExponent, claimProblem.TargetExponent, noise, targetSeed: 1);
        AtomSpectrum spectrum = AtomSpectrum.FromProblem(problem);
        double initialRisk = spectrum.InitialExcessRisk() + problem.NoiseFloor;

        var table = new CsvTable("inner_steps", "outer_form", "restart_period", "source", "outer_lr", "outer_momentum", "rounds", "final_risk", "stderr", "diverged_at_round", "stable");
        var summary = new CsvTable("inner_steps", "outer_form", "source", "stable_no_restart", "stable_restart", "cells");
        var theoryArea = new Dictionary<(int H, OuterForm Form, int K), int>();
        var theoryRisk = new Dictionary<(int H, OuterForm Form, int K), double[,]>();
        var simArea = new Dictionary<(int H, OuterForm Form, int K), (int Stable, int Cells)>();
        int agree = 0;
        int compared = 0;
        var figures = new List<string>();
        var noiseless = new List<string>();
        var warmup = new List<string>();
        var ruleCells = new CsvTable("inner_steps", "outer_form", "restart", "outer_lr", "outer_momentum", "rounds", "final_risk", "stderr", "diverged_at_round", "stable");
        var ruleAreas = new CsvTable("inner_steps", "outer_form", "restart", "stable", "cells", "risk_vs_never", "cells_stable_both");
        var ruleLines = new List<string>();
        (double Factor, string Cell) largestEffect = (1, "");

        foreach (OuterForm form in Forms)
        {
            var panels = new List<HeatmapFigure>();
            var rulePanels = new List<HeatmapFigure>();
            foreach (int h in InnerStepCounts)
            {
                int rounds = size.InnerStepBudget / h;
                foreach (int k in new[] { 0, RestartPeriod })
                {
                    context.Cancellation.ThrowIfCancellationRequested();
                    context.Report($"restart-stability: {form.Name()}, H={h}, K={k}: theory");
                    var risk = new double[Momenta.Length, OuterLrs.Length];
                    var stable = new bool[Momenta.Length, OuterLrs.Length];
                    var diverged = new int?[Momenta.Length, OuterLrs.Length];
                    Parallel.For(0, Momenta.Length * OuterLrs.Length, new ParallelOptions { CancellationToken = context.Cancellation }, cell =>
                    {
                        int r = cell / OuterLrs.Length;
                        int c = cell % OuterLrs.Length;
                        FamilyConfig config = Config(form, OuterLrs[c], Momenta[r], h, k);
                        TheoryResult result = new RiskRecursion(spectrum, config, noise).Run(new TheoryOptions { Rounds = rounds });
                        diverged[r, c] = result.DivergedAtRound;
                        risk[r, c] = result.DivergedAtRound is null ? result.FinalRisk : double.PositiveInfinity;
                        stable[r, c] = IsStable(result.DivergedAtRound, risk[r, c], initialRisk);
                    });

                    int area = 0;
                    for (int r = 0; r < Momenta.Length; r++)
                    {
                        for (int c = 0; c < OuterLrs.Length; c++)
                        {
                            area += stable[r, c] ? 1 : 0;
                            table.Add(h, form.Name(), k, "theory", OuterLrs[c], Momenta[r], rounds, risk[r, c], 0.0, diverged[r, c], stable[r, c]);
                        }
                    }

                    theoryArea[(h, form, k)] = area;
                    theoryRisk[(h, form, k)] = risk;
                    panels.Add(Heatmap($"theory, H={h}, {(k == 0 ? "no restart" : $"restart K={k}")}: {area}/30 stable", form, risk, stable, initialRisk));

                    // Simulation of the same problem on the chosen cells.
                    var simRisk = new double[Momenta.Length, OuterLrs.Length];
                    var simStable = new bool[Momenta.Length, OuterLrs.Length];
                    var simMarked = new bool[Momenta.Length, OuterLrs.Length];
                    for (int r = 0; r < Momenta.Length; r++)
                    {
                        for (int c = 0; c < OuterLrs.Length; c++)
                        {
                            simRisk[r, c] = double.NaN;
                        }
                    }

                    if (!size.SimulatedH.Contains(h))
                    {
                        continue;
                    }

                    context.Report($"restart-stability: {form.Name()}, H={h}, K={k}: simulation");
                    int simStableCount = 0;
                    int simCells = 0;
                    foreach (int r in size.SimulatedMomentumIndex)
                    {
                        foreach (int c in size.SimulatedLrIndex)
                        {
                            FamilyConfig config = Config(form, OuterLrs[c], Momenta[r], h, k);
                            SimulationResult sim = MonteCarloSimulator.Run(problem, config,
                                new SimulationOptions { Rounds = rounds, Runs = size.Runs, Seed = 7 }, cancellation: context.Cancellation);
                            double final = sim.DivergedAtRound is null ? sim.FinalRisk : double.PositiveInfinity;
                            bool ok = IsStable(sim.DivergedAtRound, final, initialRisk);
                            simRisk[r, c] = final;
                            simStable[r, c] = ok;
                            simMarked[r, c] = !ok;
                            simStableCount += ok ? 1 : 0;
                            simCells++;
                            compared++;
                            agree += ok == stable[r, c] ? 1 : 0;
                            table.Add(h, form.Name(), k, "simulation", OuterLrs[c], Momenta[r], rounds, final,
                                sim.DivergedAtRound is null ? sim.FinalStdErr : double.NaN, sim.DivergedAtRound, ok);
                        }
                    }

                    simArea[(h, form, k)] = (simStableCount, simCells);
                    panels.Add(Heatmap($"simulation ({size.Runs} runs), H={h}, {(k == 0 ? "no restart" : $"K={k}")}: {simStableCount}/{simCells} stable",
                        form, simRisk, simStable, initialRisk, simMarked));
                }

                summary.Add(h, form.Name(), "theory", theoryArea[(h, form, 0)], theoryArea[(h, form, RestartPeriod)], 30);

                // The warm-up comparison: no restart, the outer lr scaled to the mean step of a restart cycle (RestartWarmup).
                (int matchedArea, double meanLogRatio, int both) = MatchedStep(spectrum, form, h, rounds, noise, initialRisk, theoryRisk[(h, form, RestartPeriod)], context.Cancellation);
                summary.Add(h, form.Name(), "theory, no restart, lr × mean-step factor", matchedArea, theoryArea[(h, form, RestartPeriod)], 30);
                string ratio = both > 0
                    ? string.Create(CultureInfo.InvariantCulture, $" (restart/matched final risk, geometric mean over {both} cells stable both: {Math.Exp(meanLogRatio):F3})")
                    : "";
                warmup.Add($"{form.Name()} H={h}: restart {theoryArea[(h, form, RestartPeriod)]}, matched lr {matchedArea}, plain {theoryArea[(h, form, 0)]}{ratio}");

                // Fixed and adaptive restart rules on the same footing (outside the criterion): each rule's whole map, simulated.
                if (size.SimulatedH.Contains(h))
                {
                    context.Report($"restart-stability: {form.Name()}, H={h}: restart rules, simulated");
                    IReadOnlyList<RestartRuleMaps.Map> maps = RestartRuleMaps.Simulate(problem, form, h, rounds, size.Runs, initialRisk, context.Cancellation);
                    var ruleParts = new List<string>();
                    foreach (RestartRuleMaps.Map map in maps)
                    {
                        for (int r = 0; r < Momenta.Length; r++)
                        {
                            for (int c = 0; c < OuterLrs.Length; c++)
                            {
                                ruleCells.Add(h, form.Name(), map.Rule, OuterLrs[c], Momenta[r], rounds, map.Risk[r, c], map.StdErr[r, c], map.Diverged[r, c], map.Stable[r, c]);
                            }
                        }

                        (double vsNever, int stableBoth) = RestartRuleMaps.RiskRatio(map, maps[0]);
                        ruleAreas.Add(h, form.Name(), map.Rule, map.Area, 30, vsNever, stableBoth);
                        rulePanels.Add(Heatmap($"simulation ({size.Runs} runs), H={h}, {map.Rule}: {map.Area}/30 stable", form, map.Risk, map.Stable, initialRisk));
                        ruleParts.Add(map == maps[0]
                            ? $"{map.Rule} {map.Area}"
                            : string.Create(CultureInfo.InvariantCulture, $"{map.Rule} {map.Area} (final risk {vsNever:F3}× never's over {stableBoth} cells stable both)"));
                    }

                    ruleLines.Add($"{form.Name()} H={h}: {string.Join(", ", ruleParts)}");
                }

                // The deterministic per-mode view of the same grid: ρ(T(μ_i)) < 1 for every mode without restart, |c_K(μ_i)| < 1 with it.
                double[] mu = EffectiveSpectrum.Compute(spectrum.Lambda, InnerLr, h);
                var (stableNoiseless, stableNoiselessRestart, _, _) = StabilityGrid.Count(
                    StabilityGrid.Evaluate(mu, OuterKind.Nesterov, form, OuterLrs, Momenta, RestartPeriod));
                summary.Add(h, form.Name(), "noiseless per-mode", stableNoiseless, stableNoiselessRestart, 30);
                noiseless.Add($"{form.Name()} H={h} (μ_max={mu.Max():F3}): {stableNoiseless}→{stableNoiselessRestart}");
                if (simArea.TryGetValue((h, form, 0), out var s0) && simArea.TryGetValue((h, form, RestartPeriod), out var s1))
                {
                    summary.Add(h, form.Name(), "simulation", s0.Stable, s1.Stable, s0.Cells);
                }
            }

            int columns = panels.Count / InnerStepCounts.Length >= 4 ? 4 : 2;
            // Lay out row by row: each H a row (theory no restart, theory K, simulation no restart, simulation K).
            int rowsCount = (panels.Count + columns - 1) / columns;
            figures.Add(FigureGrid.SavePng(context.PathOf($"stability-{form.Name()}.png"), [.. SharedColours(panels).Select(p => p.Build())], rowsCount, columns, 560, 400));
            if (rulePanels.Count > 0)
            {
                int ruleColumns = RestartRuleMaps.Rules.Length;
                figures.Add(FigureGrid.SavePng(context.PathOf($"stability-rules-{form.Name()}.png"), [.. SharedColours(rulePanels).Select(p => p.Build())],
                    rulePanels.Count / ruleColumns, ruleColumns, 560, 400));
            }
        }

        string[] tables =
        [
            table.Save(context.PathOf("stability-cells.csv")), summary.Save(context.PathOf("stability-areas.csv")),
            ruleCells.Save(context.PathOf("stability-rules.csv")), ruleAreas.Save(context.PathOf("stability-rules-areas.csv")),
        ];
        bool passed = true;
        var parts = new List<string>();
        var areas = new List<(string Form, int H, int Without, int With)>();
        foreach (OuterForm form in Forms)
        {
            var perH = new List<string>();
            foreach (int h in InnerStepCounts)
            {
                int without = theoryArea[(h, form, 0)];
                int with = theoryArea[(h, form, RestartPeriod)];
                passed &= with > without;
                perH.Add($"H={h} {without}→{with}");
                areas.Add((form.Name(), h, without, with));
            }

            parts.Add($"{form.Name()}: {string.Join(", ", perH)}");
        }

        foreach (((int h, OuterForm form, int k), double[,] risk) in theoryRisk.Where(kv => kv.Key.K == 0))
        {
            double[,] restarted = theoryRisk[(h, form, RestartPeriod)];
            for (int r = 0; r < Momenta.Length; r++)
            {
                for (int c = 0; c < OuterLrs.Length; c++)
                {
                    double factor = risk[r, c] / restarted[r, c];
                    if (double.IsFinite(restarted[r, c]) && factor > largestEffect.Factor)
                    {
                        largestEffect = (factor, string.Create(CultureInfo.InvariantCulture,
                            $"{form.Name()} H={h} lr={OuterLrs[c]} β={Momenta[r]}: final risk {(double.IsFinite(risk[r, c]) ? risk[r, c].ToString("G3", CultureInfo.InvariantCulture) : "diverged")} without restart, {restarted[r, c]:G3} with; R(0) = {initialRisk:G3}"));
                    }
                }
            }
        }

        string agreement = compared == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $"; simulation agrees with theory on {agree}/{compared} cells");
        string measured = $"theory stable cells of 30, no restart→K={RestartPeriod}: {string.Join("; ", parts)}{agreement}";
        string simLine = string.Join("; ", simArea.OrderBy(kv => kv.Key.Form).ThenBy(kv => kv.Key.H).ThenBy(kv => kv.Key.K)
            .Select(kv => $"{kv.Key.Form.Name()} H={kv.Key.H} K={kv.Key.K}: {kv.Value.Stable}/{kv.Value.Cells}"));
        string notes = $"Problem: λ_i = i^-{claimProblem.SpectrumExponent:G4}, E[θ*_i²] = i^-{claimProblem.TargetExponent:G4}, σ = {noise:G4}. D = {size.Dimension}, budget {size.InnerStepBudget} inner steps (rounds = budget/H), initial risk R(0) = {initialRisk.ToString("G4", CultureInfo.InvariantCulture)}. " +
            $"Colour: final risk / R(0), log scale; grey × = not stable. Simulation stable cells: {simLine}. " +
            $"Outside the criterion: the noiseless per-mode analysis of the same grid (stable iff ρ(T(μ_i)) < 1 for every mode; with restart iff |c_{RestartPeriod}(μ_i)| < 1), " +
            $"stable cells no restart→K={RestartPeriod}: {string.Join("; ", noiseless)}; where it counts every cell stable, each unstable cell above is made unstable by the " +
            $"gradient noise (B = {BatchSize}), not by the outer step's deterministic dynamics. " +
            $"Warm-up comparison (theory, outside the criterion): a restart every {RestartPeriod} rounds makes, on a constant pseudo-gradient, the mean outer step of " +
            $"the lr times 1 − β²(1 − β^{RestartPeriod})/({RestartPeriod}(1 − β)); stable cells with restart, with no restart at that scaled lr, and with no restart at the nominal lr: " +
            $"{string.Join("; ", warmup)}. " +
            $"Restart rules on the same footing (outside the criterion; every cell of the grid simulated, {size.Runs} runs, seed 7; each run's adaptive rule " +
            $"decides on its own draws), stable cells of 30: {string.Join("; ", ruleLines)}. Largest reduction of the final risk by restarting: " +
            (largestEffect.Cell.Length == 0 ? "none." : double.IsFinite(largestEffect.Factor)
                ? string.Create(CultureInfo.InvariantCulture, $"{largestEffect.Factor:G3}× ({largestEffect.Cell}).")
                : $"{largestEffect.Cell}.");
        CriterionOutcome criterion = Judge(areas);
        return new ClaimResult(criterion with { Measured = criterion.Measured + agreement }, new CriterionOutcome(passed, measured), figures, tables, notes);
    }

    // No restart with the outer lr scaled by the mean-step factor of a restart every K: its stable area, and the mean log of
    // (final risk with restart / final risk matched) over the cells stable both ways.
    private static (int Area, double MeanLogRatio, int Both) MatchedStep(AtomSpectrum spectrum, OuterForm form, int h, int rounds, double noise,
        double initialRisk, double[,] restarted, CancellationToken cancellation)
    {
        var risk = new double[Momenta.Length, OuterLrs.Length];
        Parallel.For(0, Momenta.Length * OuterLrs.Length, new ParallelOptions { CancellationToken = cancellation }, cell =>
        {
            int r = cell / OuterLrs.Length;
            int c = cell % OuterLrs.Length;
            double lr = OuterLrs[c] * RestartWarmup.MeanStepFactor(Momenta[r], RestartPeriod);
            TheoryResult result = new RiskRecursion(spectrum, Config(form, lr, Momenta[r], h, 0), noise).Run(new TheoryOptions { Rounds = rounds });
            risk[r, c] = result.DivergedAtRound is null ? result.FinalRisk : double.PositiveInfinity;
        });
        int area = 0, both = 0;
        double sum = 0;
        for (int r = 0; r < Momenta.Length; r++)
        {
            for (int c = 0; c < OuterLrs.Length; c++)
            {
                bool stable = IsStable(null, risk[r, c], initialRisk);
                area += stable ? 1 : 0;
                if (stable && IsStable(null, restarted[r, c], initialRisk))
                {
                    both++;
                    sum += Math.Log(restarted[r, c] / risk[r, c]);
                }
            }
        }

        return (area, both == 0 ? double.NaN : sum / both, both);
    }

    /// <summary>Stable: not diverged, finite, below the initial risk.</summary>
    internal static bool IsStable(int? divergedAtRound, double finalRisk, double initialRisk) =>
        divergedAtRound is null && double.IsFinite(finalRisk) && finalRisk < initialRisk;

    /// <summary>The member of the family for one cell.</summary>
    internal static FamilyConfig Config(OuterForm form, double outerLr, double momentum, int innerSteps, int restartPeriod) => new()
    {
        InnerLr = InnerLr,
        InnerSteps = innerSteps,
        Workers = 1,
        BatchSize = BatchSize,
        OuterLr = outerLr,
        OuterMomentum = momentum,
        OuterKind = OuterKind.Nesterov,
        OuterForm = form,
        Restart = RestartSchedule.Every(restartPeriod),
    };

    // One colour scale for every panel of a figure, over the final risks / R(0) that are drawn (stable cells): a fixed
    // [1e-2, 1] painted every cell alike, since stable cells of this budget end between about 0.5 and 1 × R(0).
    private static IReadOnlyList<HeatmapFigure> SharedColours(IReadOnlyList<HeatmapFigure> panels)
    {
        double[] shown = [.. panels.SelectMany(p => Enumerable.Range(0, p.Values.GetLength(0)).SelectMany(r => Enumerable.Range(0, p.Values.GetLength(1))
            .Where(c => !(p.Marked?[r, c] ?? false)).Select(c => p.Values[r, c]))).Where(v => double.IsFinite(v) && v > 0)];
        if (shown.Length > 0)
        {
            double lo = shown.Min(), hi = shown.Max();
            (double, double) range = hi > lo * 1.0001 ? (lo, hi) : (lo / 1.01, hi * 1.01);
            foreach (HeatmapFigure p in panels)
            {
                p.ColorRange = range;
            }
        }

        return panels;
    }

    private static HeatmapFigure Heatmap(string title, OuterForm form, double[,] risk, bool[,] stable, double initialRisk, bool[,]? marked = null)
    {
        int rows = risk.GetLength(0);
        int cols = risk.GetLength(1);
        var relative = new double[rows, cols];
        var unstable = new bool[rows, cols];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                relative[r, c] = risk[r, c] / initialRisk;
                unstable[r, c] = marked?[r, c] ?? !stable[r, c];
            }
        }

        return new HeatmapFigure(title, form == OuterForm.Ema ? "outer lr ν (EMA form)" : "outer lr α (PyTorch form)", "outer momentum β",
            OuterLrs, Momenta, relative, "final risk / R(0)", AxisScale.Log10, unstable)
        {
            ShowValues = false,
        };
    }
}
