using System.Globalization;
using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Reports.Figures;
using Loco.Reports.Tables;
using Loco.Theory.Analysis;
using Loco.Torch.Ntk;

namespace Loco.Studies.Ntk;

/// <summary>What <see cref="NtkGridStudy.Run"/> found: the predicted grid, the four measured grids and the summary lines it printed.</summary>
/// <param name="Predicted">The theory's cells (rows outer lr, columns momentum).</param>
/// <param name="RestartPeriod">K of the restarted grids.</param>
/// <param name="RealNoRestart">The real MLP without restarts.</param>
/// <param name="RealRestart">The real MLP with restarts every K.</param>
/// <param name="LinearNoRestart">The linearised model without restarts.</param>
/// <param name="LinearRestart">The linearised model with restarts every K.</param>
/// <param name="Summary">The summary, one line each: the grid, then agreement without and with restarts.</param>
/// <param name="Written">The files written.</param>
public sealed record NtkGridResult(StabilityCell[,] Predicted, int RestartPeriod, MeasuredCell[,] RealNoRestart, MeasuredCell[,] RealRestart,
    MeasuredCell[,] LinearNoRestart, MeasuredCell[,] LinearRestart, IReadOnlyList<string> Summary, IReadOnlyList<string> Written);

/// <summary>
/// <c>loco ntk --grid</c>: the theory's stable region over outer learning rate × momentum, predicted from the NTK's effective
/// spectrum (<see cref="StabilityGrid"/>), beside the region measured by training the real and the linearised MLP; without
/// and with restarts (K = <c>family.RestartPeriod</c>). Writes spectrum.csv, grid.csv and grid.png.
/// </summary>
public static class NtkGridStudy
{
    /// <summary>The cells <see cref="Run"/> trains (its <c>cellDone</c> is called once per cell).</summary>
    public static int Cells(double[] lrs, double[] momenta) => 4 * lrs.Length * momenta.Length;

    /// <summary>Predicts and measures the grid, writes the files into <paramref name="outFolder"/> and returns what it found.</summary>
    public static NtkGridResult Run(NtkProblem problem, double[] mu, FamilyConfig family, double[] lrs, double[] momenta, int rounds, double margin,
        string outFolder, Action? cellDone = null)
    {
        int k = family.RestartPeriod;
        StabilityCell[,] predicted = StabilityGrid.Evaluate(mu, family.OuterKind, family.OuterForm, lrs, momenta, k);
        MeasuredCell[,] Measure(IRegressionModel model, int period) => MeasuredStability.Measure(model, problem.Theta0, family.InnerLr, family.InnerSteps,
            family.OuterKind, family.OuterForm, lrs, momenta, period, rounds, margin, cellDone);
        (MeasuredCell[,] RealNo, MeasuredCell[,] RealK, MeasuredCell[,] LinNo, MeasuredCell[,] LinK) measured =
            (Measure(problem.Real, 0), Measure(problem.Real, k), Measure(problem.Linear, 0), Measure(problem.Linear, k));

        var csv = new CsvTable("outer", "outer_form", "outer_lr", "outer_momentum", "restart_period", "predicted_stable", "measured_stable", "final_loss",
            "linear_stable", "linear_final_loss", "initial_loss", "predicted_rate", "diverged_round");
        foreach ((int period, MeasuredCell[,] real, MeasuredCell[,] lin) in new[] { (0, measured.RealNo, measured.LinNo), (k, measured.RealK, measured.LinK) })
        {
            for (int i = 0; i < lrs.Length; i++)
            {
                for (int j = 0; j < momenta.Length; j++)
                {
                    (bool stable, double rate) = Prediction(predicted[i, j], period);
                    MeasuredCell m = real[i, j];
                    csv.Add(family.OuterKind.Name(), family.OuterForm.Name(), lrs[i], momenta[j], period, stable, m.Stable, m.FinalLoss, lin[i, j].Stable,
                        lin[i, j].FinalLoss, m.InitialLoss, rate, m.DivergedAtRound);
                }
            }
        }

        var spectrumCsv = new CsvTable("i", "lambda", "mu");
        for (int i = 0; i < mu.Length; i++)
        {
            spectrumCsv.Add(i + 1, problem.Spectrum.Lambda[i], mu[i]);
        }

        string lrName = family.OuterForm == OuterForm.Ema && family.OuterKind != OuterKind.Plain ? "ν" : "α";
        string[] written =
        [
            spectrumCsv.Save(Path.Combine(outFolder, "spectrum.csv")),
            csv.Save(Path.Combine(outFolder, "grid.csv")),
            GridFigure(Path.Combine(outFolder, "grid.png"), predicted, family, mu[0], lrs, momenta, k, lrName, measured),
        ];

        int cells = lrs.Length * momenta.Length;
        var summary = new List<string>
        {
            $"grid: {family.OuterKind} [{family.OuterForm.Name()}], {lrName} ∈ {{{string.Join(", ", lrs.Select(x => G(x)))}}} × β ∈ {{{string.Join(", ", momenta.Select(x => G(x)))}}}, " +
            $"{rounds} rounds per cell; measured stable = final loss finite and ≤ {G(1 - margin)} × initial loss ({G(measured.RealNo[0, 0].InitialLoss)}).",
        };
        foreach ((string name, int period, MeasuredCell[,] real, MeasuredCell[,] lin) in new[]
                 {
                     ("without restart", 0, measured.RealNo, measured.LinNo), ($"with restart every {k}", k, measured.RealK, measured.LinK),
                 })
        {
            (int predictedStable, int realStable, int realAgree) = Agreement(predicted, real, period);
            (_, int linStable, int linAgree) = Agreement(predicted, lin, period);
            summary.Add($"{name}: predicted stable {predictedStable}/{cells}; real MLP measured stable {realStable}/{cells}, " +
                        $"agreement {realAgree}/{cells}; linearised measured stable {linStable}/{cells}, agreement {linAgree}/{cells}.");
        }

        return new NtkGridResult(predicted, k, measured.RealNo, measured.RealK, measured.LinNo, measured.LinK, summary, written);
    }

    /// <summary>Predicted stable cells, measured stable cells and cells where the two agree.</summary>
    public static (int Predicted, int Measured, int Agree) Agreement(StabilityCell[,] predicted, MeasuredCell[,] measured, int period)
    {
        int p = 0, m = 0, agree = 0;
        for (int i = 0; i < predicted.GetLength(0); i++)
        {
            for (int j = 0; j < predicted.GetLength(1); j++)
            {
                bool a = Prediction(predicted[i, j], period).Stable;
                bool b = measured[i, j].Stable;
                p += a ? 1 : 0;
                m += b ? 1 : 0;
                agree += a == b ? 1 : 0;
            }
        }

        return (p, m, agree);
    }

    private static (bool Stable, double Rate) Prediction(StabilityCell cell, int period) =>
        period > 0 ? (cell.Rates.StableWithRestart, cell.Rates.RestartRate) : (cell.Rates.Stable, cell.Rates.Rate);

    private static string G(double value) => value.ToString("G4", CultureInfo.InvariantCulture);

    // Two rows (no restart, restart every K) of three panels (theory, real MLP, linearised). Every panel's colour runs over
    // [0, 1] (a rate per round, or final/initial loss, which a stable cell keeps ≤ the margin), so all six share one scale.
    private static string GridFigure(string path, StabilityCell[,] predicted, FamilyConfig family, double topMu, double[] lrs, double[] momenta, int k, string lrName,
        (MeasuredCell[,] RealNo, MeasuredCell[,] RealK, MeasuredCell[,] LinNo, MeasuredCell[,] LinK) measured) =>
        FigureGrid.SavePng(path, [
            PredictedPanel(predicted, family, topMu, lrs, momenta, 0, lrName), MeasuredPanel(measured.RealNo, lrs, momenta, "real MLP, no restart", lrName),
            MeasuredPanel(measured.LinNo, lrs, momenta, "linearised, no restart", lrName),
            PredictedPanel(predicted, family, topMu, lrs, momenta, k, lrName), MeasuredPanel(measured.RealK, lrs, momenta, $"real MLP, K = {k}", lrName),
            MeasuredPanel(measured.LinK, lrs, momenta, $"linearised, K = {k}", lrName),
        ], rows: 2, columns: 3, panelWidth: 520, panelHeight: 420);

    // Colour: the top mode's rate per round (the slow modes all sit at ≈ 1, so the worst-mode rate would colour every cell alike); × where any mode is unstable.
    private static ScottPlot.Plot PredictedPanel(StabilityCell[,] cells, FamilyConfig family, double topMu, double[] lrs, double[] momenta, int period, string lrName)
    {
        double[,] values = new double[lrs.Length, momenta.Length];
        bool[,] marked = new bool[lrs.Length, momenta.Length];
        for (int i = 0; i < lrs.Length; i++)
        {
            for (int j = 0; j < momenta.Length; j++)
            {
                var outer = Outer.Create(family.OuterKind, family.OuterForm, lrs[i], momenta[j]);
                values[i, j] = period > 0
                    ? Math.Pow(Math.Abs(RestartContraction.Factor(outer, topMu, period)), 1.0 / period)
                    : OuterTransfer.Rate(outer, topMu);
                marked[i, j] = !Prediction(cells[i, j], period).Stable;
            }
        }

        string title = period > 0 ? $"theory, K = {period}: top mode |c_K|^(1/K)" : "theory, no restart: top mode ρ(T(μ₁))";
        return new HeatmapFigure(title, "outer momentum β", $"outer lr {lrName}", momenta, lrs, values, "top mode's rate per round (× = a mode unstable)", AxisScale.Linear, marked)
        {
            ColorRange = (0, 1),
        }.Build();
    }

    private static ScottPlot.Plot MeasuredPanel(MeasuredCell[,] cells, double[] lrs, double[] momenta, string title, string lrName)
    {
        double[,] values = new double[lrs.Length, momenta.Length];
        bool[,] marked = new bool[lrs.Length, momenta.Length];
        for (int i = 0; i < lrs.Length; i++)
        {
            for (int j = 0; j < momenta.Length; j++)
            {
                values[i, j] = cells[i, j].FinalLoss / cells[i, j].InitialLoss;
                marked[i, j] = !cells[i, j].Stable;
            }
        }

        return new HeatmapFigure($"{title}: final/initial loss", "outer momentum β", $"outer lr {lrName}", momenta, lrs, values,
            "measured final / initial loss (× = unstable)", AxisScale.Linear, marked)
        {
            ColorRange = (0, 1),
        }.Build();
    }
}
