using System.Text;
using Loco.Cli.Output;
using Loco.Core.Family;
using Loco.Reports.Figures;
using Loco.Theory.Analysis;
using Loco.Torch.Ntk;
using static Loco.Cli.Commands.AnalysisOptions;

namespace Loco.Cli.Commands;

/// <summary>
/// <c>loco ntk --grid</c>: the theory's stable region over outer learning rate × momentum, predicted from the NTK's effective
/// spectrum (<see cref="StabilityGrid"/>), beside the region measured by training the real and the linearised MLP; without
/// and with restarts. Writes spectrum.csv, grid.csv and grid.png and prints the agreement.
/// </summary>
internal static class NtkGridStudy
{
    public static int Run(Terminal terminal, NtkProblem problem, double[] mu, FamilyConfig family, double[] lrs, double[] momenta, int rounds, double margin,
        string outFolder)
    {
        int k = family.RestartPeriod;
        StabilityCell[,] predicted = StabilityGrid.Evaluate(mu, family.OuterKind, family.OuterForm, lrs, momenta, k);
        int total = 4 * lrs.Length * momenta.Length;
        int done = 0;
        (MeasuredCell[,] RealNo, MeasuredCell[,] RealK, MeasuredCell[,] LinNo, MeasuredCell[,] LinK) measured =
            terminal.WithProgress("stability grid (real and linearised MLP)", () => (double)Volatile.Read(ref done) / total, () =>
            {
                void Done() => Interlocked.Increment(ref done);
                MeasuredCell[,] Measure(IRegressionModel model, int period) => MeasuredStability.Measure(model, problem.Theta0, family.InnerLr, family.InnerSteps,
                    family.OuterKind, family.OuterForm, lrs, momenta, period, rounds, margin, Done);
                return (Measure(problem.Real, 0), Measure(problem.Real, k), Measure(problem.Linear, 0), Measure(problem.Linear, k));
            });

        var csv = new StringBuilder("outer,outer_form,outer_lr,outer_momentum,restart_period,predicted_stable,measured_stable,final_loss,linear_stable,linear_final_loss,initial_loss,predicted_rate,diverged_round\n");
        foreach ((int period, MeasuredCell[,] real, MeasuredCell[,] lin) in new[] { (0, measured.RealNo, measured.LinNo), (k, measured.RealK, measured.LinK) })
        {
            for (int i = 0; i < lrs.Length; i++)
            {
                for (int j = 0; j < momenta.Length; j++)
                {
                    (bool stable, double rate) = Prediction(predicted[i, j], period);
                    MeasuredCell m = real[i, j];
                    csv.AppendLine(string.Join(',', OuterName(family.OuterKind), FormName(family.OuterForm), N(lrs[i]), N(momenta[j]), period,
                        Bool(stable), Bool(m.Stable), N(m.FinalLoss), Bool(lin[i, j].Stable), N(lin[i, j].FinalLoss), N(m.InitialLoss), N(rate),
                        m.DivergedAtRound?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? ""));
                }
            }
        }

        var spectrumCsv = new StringBuilder("i,lambda,mu\n");
        for (int i = 0; i < mu.Length; i++)
        {
            spectrumCsv.AppendLine(string.Join(',', i + 1, N(problem.Spectrum.Lambda[i]), N(mu[i])));
        }

        string lrName = family.OuterForm == Loco.Core.Optimizers.OuterForm.Ema && family.OuterKind != Loco.Core.Optimizers.OuterKind.Plain ? "ν" : "α";
        SimulateCommand.Write("--out", () =>
        {
            CurveWriter.WriteAtomically(Path.Combine(outFolder, "spectrum.csv"), spectrumCsv.ToString());
            CurveWriter.WriteAtomically(Path.Combine(outFolder, "grid.csv"), csv.ToString());
            string png = Path.Combine(outFolder, "grid.png");
            FigureGrid.SavePng(png, [
                PredictedPanel(predicted, family, mu[0], lrs, momenta, 0, lrName), MeasuredPanel(measured.RealNo, lrs, momenta, "real MLP, no restart", lrName),
                MeasuredPanel(measured.LinNo, lrs, momenta, "linearised, no restart", lrName),
                PredictedPanel(predicted, family, mu[0], lrs, momenta, k, lrName), MeasuredPanel(measured.RealK, lrs, momenta, $"real MLP, restart K = {k}", lrName),
                MeasuredPanel(measured.LinK, lrs, momenta, $"linearised, restart K = {k}", lrName),
            ], rows: 2, columns: 3, panelWidth: 520, panelHeight: 420);
        });

        int cells = lrs.Length * momenta.Length;
        terminal.Out.WriteLine($"grid: {family.OuterKind} [{FormName(family.OuterForm)}], {lrName} ∈ {{{string.Join(", ", lrs.Select(x => G(x)))}}} × β ∈ {{{string.Join(", ", momenta.Select(x => G(x)))}}}, " +
                               $"{rounds} rounds per cell; measured stable = final loss finite and ≤ {G(margin)} × initial loss ({G(measured.RealNo[0, 0].InitialLoss)}).");
        foreach ((string name, int period, MeasuredCell[,] real, MeasuredCell[,] lin) in new[]
                 {
                     ("without restart", 0, measured.RealNo, measured.LinNo), ($"with restart every {k}", k, measured.RealK, measured.LinK),
                 })
        {
            (int predictedStable, int realStable, int realAgree) = Agreement(predicted, real, period);
            (_, int linStable, int linAgree) = Agreement(predicted, lin, period);
            terminal.Out.WriteLine($"{name}: predicted stable {predictedStable}/{cells}; real MLP measured stable {realStable}/{cells}, " +
                                   $"agreement {realAgree}/{cells}; linearised measured stable {linStable}/{cells}, agreement {linAgree}/{cells}.");
        }

        terminal.Out.WriteLine($"written: {Path.Combine(outFolder, "grid.csv")}, grid.png, spectrum.csv");
        return ExitCodes.Ok;
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

    private static string Bool(bool value) => value ? "true" : "false";

    // Colour: the top mode's rate per round (the slow modes all sit at ≈ 1, so the worst-mode rate would colour every cell alike); × where any mode is unstable.
    private static ScottPlot.Plot PredictedPanel(StabilityCell[,] cells, FamilyConfig family, double topMu, double[] lrs, double[] momenta, int period, string lrName)
    {
        double[,] values = new double[lrs.Length, momenta.Length];
        bool[,] marked = new bool[lrs.Length, momenta.Length];
        for (int i = 0; i < lrs.Length; i++)
        {
            for (int j = 0; j < momenta.Length; j++)
            {
                var outer = Loco.Core.Optimizers.Outer.Create(family.OuterKind, family.OuterForm, lrs[i], momenta[j]);
                values[i, j] = period > 0
                    ? Math.Pow(Math.Abs(RestartContraction.Factor(outer, topMu, period)), 1.0 / period)
                    : OuterTransfer.Rate(outer, topMu);
                marked[i, j] = !Prediction(cells[i, j], period).Stable;
            }
        }

        string title = period > 0 ? $"theory, restart K = {period}: top mode |c_K|^(1/K)" : "theory, no restart: top mode ρ(T(μ₁))";
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

        return new HeatmapFigure($"measured, {title}: final/initial loss", "outer momentum β", $"outer lr {lrName}", momenta, lrs, values,
            "final / initial loss (× = unstable)", AxisScale.Log10, marked).Build();
    }
}
