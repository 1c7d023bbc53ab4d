using System.CommandLine;
using System.Text;
using System.Text.Json;
using Loco.Cli.Output;
using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Core.Problems;
using Loco.Reports.Tables;
using Loco.Theory.Analysis;
using Spectre.Console;
using static Loco.Cli.Commands.AnalysisOptions;

namespace Loco.Cli.Commands;

/// <summary><c>loco contraction</c>: the restart factor c_K per mode and period, next to ρ^K, and the μ where c_K vanishes.</summary>
internal sealed class ContractionCommand
{
    private readonly AnalysisOptions _options = new();
    private readonly Option<string?> _periods = Options.Text("--periods", "Restart periods K in rounds (each ≥ 1), comma-separated. Default: 1,2,3,5,10.");
    private readonly Option<int?> _rows = Options.Int("--rows", "Modes shown in the table (≥ 2), spread geometrically over the mode index; --csv and --json hold every mode. Default: 12.");
    private readonly Option<string?> _csv = Options.Text("--csv", "Write one row per mode and period to this CSV file; columns mode, lambda, mu, rate, restart_period, c_k, rho_k (ρ^K), ratio (|c_K|/ρ^K).");
    private readonly Option<bool> _json = Options.Flag("--json", "Print the result as JSON on standard output instead of the tables.");

    public Command Build(Terminal terminal)
    {
        var command = new Command("contraction",
            "Restart contraction in the noiseless linear model: a K-round cycle that starts from zero outer momentum shrinks a mode by " +
            "exactly c_K(μ) = (T(μ)^K)₁₁; compared with ρ^K, the contraction the spectral radius predicts. Where |c_K| ≪ ρ^K the rotation of " +
            "the outer momentum cancels (phase cancellation); the μ in (0, μ_max] where c_K = 0 are listed.");
        foreach (Option option in _options.Common(withRestart: false).Append(_periods).Append(_rows).Append(_csv).Append(_json))
        {
            command.Options.Add(option);
        }

        command.SetAction(r => Execute(r, terminal));
        return command;
    }

    private int Execute(ParseResult r, Terminal terminal)
    {
        FamilyConfig config = _options.ReadConfig(r);
        int[] periods = Integers(r.GetValue(_periods), "--periods", [1, 2, 3, 5, 10], 1);
        int rows = r.GetValue(_rows) ?? 12;
        if (rows < 2)
        {
            throw new InvalidInputException("--rows", $"show at least 2 modes (got {rows}).");
        }

        (LinearRegressionProblem problem, _, _, double[] mu) = _options.ReadSpectrum(r, config);
        OuterOptimizer outer = config.OuterOptimizer;
        double[] rate = new double[mu.Length];
        double[,] ck = new double[mu.Length, periods.Length];
        for (int i = 0; i < mu.Length; i++)
        {
            for (int p = 0; p < periods.Length; p++)
            {
                ModeRates m = ModeRates.Of(outer, mu[i], periods[p]);
                (rate[i], ck[i, p]) = (m.Rate, m.CycleFactor);
            }
        }

        double muMax = mu.Max();
        IReadOnlyList<CancellationPoint>[] zeros = [.. periods.Select(k => muMax > 0 ? PhaseCancellation.Zeros(outer, k, muMax) : [])];

        string? csv = r.GetValue(_csv);
        if (csv is not null)
        {
            var csvTable = new CsvTable("mode", "lambda", "mu", "rate", "restart_period", "c_k", "rho_k", "ratio");
            for (int i = 0; i < mu.Length; i++)
            {
                for (int p = 0; p < periods.Length; p++)
                {
                    double rhoK = Math.Pow(rate[i], periods[p]);
                    csvTable.Add(i + 1, problem.Lambda[i], mu[i], rate[i], periods[p], ck[i, p], rhoK, Math.Abs(ck[i, p]) / rhoK);
                }
            }

            Files.Write("--csv", () => csvTable.Save(csv, terminal.Out));
        }

        if (r.GetValue(_json))
        {
            terminal.Out.WriteLine(Json(problem, config, periods, mu, rate, ck, zeros));
            return ExitCodes.Ok;
        }

        var table = new Table().Border(TableBorder.Rounded)
            .Title($"[bold]restart factor[/] c_K vs ρ^K: η={G(config.InnerLr)} H={config.InnerSteps}, {Markup.Escape(outer.ToString())}");
        table.AddColumns("mode", "μ", "ρ");
        foreach (int k in periods)
        {
            table.AddColumn($"c_{k} (ρ^{k})");
        }

        foreach (int i in RowSample.Geometric(mu.Length, rows))
        {
            var cells = new List<string> { (i + 1).ToString(), G(mu[i], "G6"), G(rate[i], "G6") };
            for (int p = 0; p < periods.Length; p++)
            {
                string value = $"{G(ck[i, p])} ({G(Math.Pow(rate[i], periods[p]))})";
                cells.Add(Math.Abs(ck[i, p]) >= 1 ? $"[red]{value}[/]" : value);
            }

            table.AddRow([.. cells]);
        }

        terminal.Console.Write(table);
        terminal.Out.WriteLine($"problem: {problem.Description}");
        for (int p = 0; p < periods.Length; p++)
        {
            int k = periods[p];
            double worst = Enumerable.Range(0, mu.Length).Max(i => Math.Abs(ck[i, p]));
            string cancel = zeros[p].Count == 0
                ? "c_K has no zero in (0, μ_max]"
                : "c_K = 0 at μ = " + string.Join(", ", zeros[p].Take(6).Select(z => $"{G(z.Mu)} (ρ^{k} = {G(z.RadiusToTheK, "G3")})")) + (zeros[p].Count > 6 ? ", …" : "");
            terminal.Out.WriteLine($"K={k}: max |c_K| = {G(worst, "G6")} ({(worst < 1 ? "stable" : "UNSTABLE")} with restart); {cancel}.");
        }

        if (csv is not null)
        {
            terminal.Out.WriteLine($"modes written to {csv}");
        }

        return ExitCodes.Ok;
    }

    private static string Json(LinearRegressionProblem problem, FamilyConfig c, int[] periods, double[] mu, double[] rate, double[,] ck, IReadOnlyList<CancellationPoint>[] zeros)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, JsonText.Options))
        {
            w.WriteStartObject();
            SpectrumCommand.WriteSettings(w, problem, c with { Restart = RestartSchedule.Every(0) });
            w.WriteStartArray("periods");
            for (int p = 0; p < periods.Length; p++)
            {
                w.WriteStartObject();
                w.WriteNumber("restart_period", periods[p]);
                w.WriteNumberOrNull("max_abs_c_k", Enumerable.Range(0, mu.Length).Max(i => Math.Abs(ck[i, p])));
                w.WriteStartArray("zeros");
                foreach (CancellationPoint z in zeros[p])
                {
                    w.WriteStartObject();
                    w.WriteNumber("mu", z.Mu);
                    w.WriteNumberOrNull("rho_k", z.RadiusToTheK);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("modes");
            for (int i = 0; i < mu.Length; i++)
            {
                w.WriteStartObject();
                w.WriteNumber("mode", i + 1);
                w.WriteNumber("lambda", problem.Lambda[i]);
                w.WriteNumberOrNull("mu", mu[i]);
                w.WriteNumberOrNull("rate", rate[i]);
                w.WriteStartArray("c_k");
                for (int p = 0; p < periods.Length; p++)
                {
                    if (double.IsFinite(ck[i, p]))
                    {
                        w.WriteNumberValue(ck[i, p]);
                    }
                    else
                    {
                        w.WriteNullValue();
                    }
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
