using System.Globalization;
using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Reports.Figures;
using Loco.Reports.Tables;
using Loco.Theory.Analysis;
using Loco.Torch.Ntk;

namespace Loco.Studies.Ntk;

/// <summary>A table to print: a title, column names and rows of cells (text).</summary>
/// <param name="Title">The title.</param>
/// <param name="Columns">The column names.</param>
/// <param name="Rows">The rows, one cell per column.</param>
public sealed record TextTable(string Title, IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<string>> Rows);

/// <summary>What <see cref="NtkModeStudy.Run"/> found.</summary>
/// <param name="Linear">The linearised model's trajectory.</param>
/// <param name="Real">The real MLP's trajectory.</param>
/// <param name="LinearSummary">The linearised model against the theory's per-mode factors.</param>
/// <param name="RealSummary">The real MLP against them.</param>
/// <param name="Before">Lines to print before <paramref name="Modes"/>.</param>
/// <param name="Modes">Sampled modes: λ, μ, the theory's factor, the measured ones and the errors.</param>
/// <param name="After">Lines to print after it.</param>
/// <param name="Written">The files written.</param>
public sealed record NtkModeResult(NtkTrajectory Linear, NtkTrajectory Real, ContractionSummary LinearSummary, ContractionSummary RealSummary,
    IReadOnlyList<string> Before, TextTable Modes, IReadOnlyList<string> After, IReadOnlyList<string> Written);

/// <summary>
/// The per-mode study of <c>loco ntk</c>: trains the linearised and the real MLP with one member of the family, compares each
/// mode's per-cycle ratio with c_K(μ_i) (<see cref="ModeRates"/>), writes spectrum.csv, modes.csv, ntk.png and departure.png.
/// </summary>
public static class NtkModeStudy
{
    /// <summary>Without restarts the figure shows the window [0, L] with L = min(rounds, this).</summary>
    private const int FigureWindow = 10;

    /// <summary>Trains both models (<paramref name="trained"/> is called after each), compares, writes the files into <paramref name="outFolder"/>.</summary>
    public static NtkModeResult Run(NtkProblem problem, double[] mu, FamilyConfig family, int rounds, string outFolder, Action? trained = null)
    {
        OuterOptimizer outer = family.OuterOptimizer;
        int k = family.RestartPeriod;
        NtkTrajectory linear = NtkTrajectory.Run(problem.Linear, problem.Theta0, family.InnerLr, family.InnerSteps, outer, rounds);
        trained?.Invoke();
        NtkTrajectory real = NtkTrajectory.Run(problem.Real, problem.Theta0, family.InnerLr, family.InnerSteps, outer, rounds);
        trained?.Invoke();

        ComparisonRule rule = ComparisonRule.Default;
        IReadOnlyList<ModeCycle> linearRows = ModeContraction.Compare(problem.Spectrum, mu, outer, k, linear, rule);
        IReadOnlyList<ModeCycle> realRows = ModeContraction.Compare(problem.Spectrum, mu, outer, k, real, rule);
        ContractionSummary linearSummary = ModeContraction.Summarize(linearRows, rule);
        ContractionSummary realSummary = ModeContraction.Summarize(realRows, rule);

        double[] lambda = problem.Spectrum.Lambda;
        double[] a0 = new double[lambda.Length];
        problem.Spectrum.Project(linear.Residuals[0], a0);
        double norm0 = Math.Sqrt(a0.Sum(x => x * x));
        ModeRates[] rates = [.. mu.Select(m => ModeRates.Of(outer, m, k))];
        double[] ck = [.. rates.Select(r => r.CycleFactor)];
        double[] rate = [.. rates.Select(r => r.Rate)];

        var spectrumCsv = new CsvTable("i", "lambda", "mu", "c_k", "rate", "a0");
        for (int i = 0; i < lambda.Length; i++)
        {
            spectrumCsv.Add(i + 1, lambda[i], mu[i], ck[i], rate[i], a0[i] / norm0);
        }

        var modesCsv = new CsvTable("mode", "cycle", "start", "end", "coefficient_linear", "measured_linear", "coefficient_real", "measured_real", "theory_c_k",
            "counted_linear", "counted_real");
        for (int row = 0; row < linearRows.Count; row++)
        {
            ModeCycle l = linearRows[row];
            ModeCycle? rr = row < realRows.Count ? realRows[row] : null;
            modesCsv.Add(l.Mode + 1, l.Cycle, l.Start, l.End, l.Coefficient, l.Measured, rr?.Coefficient, rr?.Measured, l.Theory, l.Included, rr is { Included: true });
        }

        string[] written =
        [
            spectrumCsv.Save(Path.Combine(outFolder, "spectrum.csv")),
            modesCsv.Save(Path.Combine(outFolder, "modes.csv")),
            ContractionFigure(mu, outer, k, rounds, linearRows, realRows).SavePng(Path.Combine(outFolder, "ntk.png")),
            DepartureFigure(linearSummary, realSummary, k).SavePng(Path.Combine(outFolder, "departure.png")),
        ];

        string window = k > 0 ? $"per restart cycle of K = {k}" : "per window [0, t] without restarts";
        var before = new List<string> { $"family: {outer}, η = {G(family.InnerLr)}, H = {family.InnerSteps}, M = 1 (full-batch GD), {rounds} rounds; compared {window}." };
        if (linear.DivergedAtRound is { } ld)
        {
            before.Add($"the linearised model diverged in round {ld} (the comparison uses the rounds before it).");
        }

        if (real.DivergedAtRound is { } rd)
        {
            before.Add($"the real MLP diverged in round {rd} (the comparison uses the rounds before it).");
        }

        var after = new List<string>
        {
            $"rule: a window counts when |a_i(start)| ≥ {G(rule.MinCoefficient)}·‖r₀‖; error = |measured − theory| / max(|theory|, {G(rule.TheoryFloor)}).",
            $"linearised model vs theory: max error {G(linearSummary.MaxError, "E2")}, median {G(linearSummary.MedianError, "E2")} " +
            $"over {linearSummary.Counted}/{linearSummary.Total} windows.",
            $"real MLP vs theory: max error {G(realSummary.MaxError, "E2")}, median {G(realSummary.MedianError, "E2")} " +
            $"over {realSummary.Counted}/{realSummary.Total} windows; loss {G(real.Loss(0))} → {G(real.Loss(real.Rounds))} " +
            $"(linearised {G(linear.Loss(linear.Rounds))}).",
        };
        int common = Math.Min(linear.Rounds, real.Rounds);
        if (common > 0)
        {
            double Gap(int t) => Math.Sqrt(linear.Residuals[t].Zip(real.Residuals[t], (x, y) => (x - y) * (x - y)).Sum()) / norm0;
            int[] shown = [.. RowSample.Geometric(common + 1, 6).Where(t => t > 0)];
            after.Add("residual gap ‖r_real − r_linearised‖/‖r₀‖ by round: " + string.Join(", ", shown.Select(t => $"{t}: {G(Gap(t), "E2")}")) + ".");
        }

        if (realSummary.PerCycle.Count > 0)
        {
            after.Add("real MLP departure by " + (k > 0 ? "cycle" : "round") + " (max over modes): " +
                      string.Join(", ", Spread(realSummary.PerCycle, 8).Select(c => $"{c.Cycle}: {G(c.Max, "E1")}")) + ".");
        }

        after.Add($"written: {Path.Combine(outFolder, "spectrum.csv")}, modes.csv, ntk.png, departure.png");
        TextTable table = ModeTable(lambda, mu, ck, k, a0, norm0, linearSummary, realSummary, linearRows, realRows);
        return new NtkModeResult(linear, real, linearSummary, realSummary, before, table, after, written);
    }

    private static string G(double value, string format = "G4") => value.ToString(format, CultureInfo.InvariantCulture);

    private static IEnumerable<CycleError> Spread(IReadOnlyList<CycleError> cycles, int count) =>
        cycles.Count <= count ? cycles : RowSample.Geometric(cycles.Count, count).Select(i => cycles[i]);

    private static TextTable ModeTable(double[] lambda, double[] mu, double[] ck, int k, double[] a0, double norm0, ContractionSummary linear, ContractionSummary real,
        IReadOnlyList<ModeCycle> linearRows, IReadOnlyList<ModeCycle> realRows)
    {
        string title = k > 0 ? $"modes: c_K per cycle (K = {k}), measured = median over counted cycles" : "modes: (T^t)₁₁ over [0, t]; errors over counted windows";
        string[] columns = ["mode", "λ", "μ", "|a_i(0)|/‖r₀‖", k > 0 ? "c_K theory" : "ρ(T)", "linear", "real", "linear max err", "real max err", "real median err"];
        var rows = new List<IReadOnlyList<string>>();

        foreach (int i in RowSample.Geometric(lambda.Length, 12))
        {
            ModeError? le = linear.PerMode.Where(m => m.Mode == i).Select(m => (ModeError?)m).FirstOrDefault();
            ModeError? re = real.PerMode.Where(m => m.Mode == i).Select(m => (ModeError?)m).FirstOrDefault();
            string Median(IReadOnlyList<ModeCycle> rows)
            {
                double[] m = [.. rows.Where(r => r.Mode == i && r.Included).Select(r => r.Measured).Order()];
                return k > 0 && m.Length > 0 ? G(m[m.Length / 2], "G6") : "";
            }

            rows.Add([(i + 1).ToString(CultureInfo.InvariantCulture), G(lambda[i]), G(mu[i]), G(Math.Abs(a0[i]) / norm0, "E1"),
                k > 0 ? G(ck[i], "G6") : "", Median(linearRows), Median(realRows),
                le is { } l ? G(l.Max, "E1") : "–", re is { } r ? G(r.Max, "E1") : "–", re is { } r2 ? G(r2.Median, "E1") : "–"]);
        }

        return new TextTable(title, columns, rows);
    }

    private static CurveFigure ContractionFigure(double[] mu, OuterOptimizer outer, int k, int rounds, IReadOnlyList<ModeCycle> linearRows,
        IReadOnlyList<ModeCycle> realRows)
    {
        int window = k > 0 ? k : Math.Min(rounds, FigureWindow);
        double lo = mu.Where(m => m > 0).DefaultIfEmpty(1e-6).Min();
        double hi = mu.Max();
        double[] grid = [.. Enumerable.Range(0, 801).Select(i => lo * Math.Pow(hi / lo, i / 800.0)).Concat(mu.Where(m => m > 0)).Order()];
        double[] theory = [.. grid.Select(m => Math.Abs(RestartContraction.Factor(outer, m, window)))];
        bool Shown(ModeCycle c) => c.Included && (k > 0 || c.End == window);
        ModeCycle[] lin = [.. linearRows.Where(Shown)];
        ModeCycle[] rea = [.. realRows.Where(Shown)];
        string label = k > 0 ? $"|c_{k}(μ)| theory" : $"|(T^{window})₁₁(μ)| theory";
        var figure = new CurveFigure(
            (k > 0 ? $"NTK modes per restart cycle (K = {k})" : $"NTK modes over rounds 0..{window}, no restart"),
            "μ = 1 − (1 − ηλ)^H", k > 0 ? "|a_i((j+1)K) / a_i(jK)|" : $"|a_i({window}) / a_i(0)|", AxisScale.Log10, AxisScale.Log10)
        {
            LegendAlignment = ScottPlot.Alignment.LowerLeft,
        };
        figure.Line(label, grid, theory, 0);
        figure.Points("linearised model (every counted cycle)", [.. lin.Select(c => mu[c.Mode])], [.. lin.Select(c => Math.Abs(c.Measured))], 1, size: 8);
        figure.Points("real MLP (every counted cycle)", [.. rea.Select(c => mu[c.Mode])], [.. rea.Select(c => Math.Abs(c.Measured))], 2,
            shape: ScottPlot.MarkerShape.Cross, size: 9);
        return figure;
    }

    private static CurveFigure DepartureFigure(ContractionSummary linear, ContractionSummary real, int k)
    {
        string unit = k > 0 ? "restart cycle j" : "round t";
        var figure = new CurveFigure("Departure from the theory's per-mode factor", unit, "|measured − theory| / max(|theory|, 0.01)", AxisScale.Linear, AxisScale.Log10)
        {
            LegendOutside = true,
        };
        figure.Line("real MLP, max over modes", [.. real.PerCycle.Select(c => (double)c.Cycle)], [.. real.PerCycle.Select(c => c.Max)], 2);
        figure.Line("real MLP, median over modes", [.. real.PerCycle.Select(c => (double)c.Cycle)], [.. real.PerCycle.Select(c => c.Median)], 2, LineStyle.Dashed);
        figure.Line("linearised, max over modes", [.. linear.PerCycle.Select(c => (double)c.Cycle)], [.. linear.PerCycle.Select(c => Math.Max(c.Max, 1e-17))], 1);
        return figure;
    }
}
