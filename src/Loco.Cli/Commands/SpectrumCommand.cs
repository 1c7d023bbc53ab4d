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

/// <summary><c>loco spectrum</c>: per-mode λ, effective μ, outer rate ρ and (with K > 0) the restart factor c_K.</summary>
internal sealed class SpectrumCommand
{
    private readonly AnalysisOptions _options = new();
    private readonly Option<int?> _rows = Options.Int("--rows", "Modes shown in the table (≥ 2), spread geometrically over the mode index; --csv and --json hold every mode. Default: 16.");
    private readonly Option<string?> _csv = Options.Text("--csv", "Write every mode to this CSV file; columns mode, lambda, mu, rate (ρ per round without restart), restart_period, c_k, restart_rate (|c_K|^(1/K); empty when K = 0), peak_within_cycle.");
    private readonly Option<bool> _json = Options.Flag("--json", "Print the result as JSON on standard output instead of the table.");

    public Command Build(Terminal terminal)
    {
        var command = new Command("spectrum",
            "Per-mode analysis of the outer step in the noiseless linear model: eigenvalue λ, effective eigenvalue μ = 1 − (1 − ηλ)^H " +
            "seen by the slow weights after H inner SGD steps, rate ρ(T(μ)) per round of the outer transfer matrix, and with --restart-period K > 0 " +
            "the restart factor c_K (a mode shrinks by exactly c_K per K-round cycle).");
        foreach (Option option in _options.Common().Append(_rows).Append(_csv).Append(_json))
        {
            command.Options.Add(option);
        }

        command.SetAction(r => Execute(r, terminal));
        return command;
    }

    private int Execute(ParseResult r, Terminal terminal)
    {
        FamilyConfig config = _options.ReadConfig(r);
        (LinearRegressionProblem problem, _, _, double[] mu) = _options.ReadSpectrum(r, config);
        int rows = r.GetValue(_rows) ?? 16;
        if (rows < 2)
        {
            throw new InvalidInputException("--rows", $"show at least 2 modes (got {rows}).");
        }

        OuterOptimizer outer = config.OuterOptimizer;
        int k = config.RestartPeriod;
        ModeRates[] modes = [.. mu.Select(m => ModeRates.Of(outer, m, k))];
        SpectrumRates worst = SpectrumRates.Of(outer, mu, k);

        string? csv = r.GetValue(_csv);
        if (csv is not null)
        {
            var csvTable = new CsvTable("mode", "lambda", "mu", "rate", "restart_period", "c_k", "restart_rate", "peak_within_cycle");
            for (int i = 0; i < modes.Length; i++)
            {
                ModeRates m = modes[i];
                csvTable.Add(i + 1, problem.Lambda[i], m.Mu, m.Rate, k, m.CycleFactor, m.RestartRate, m.PeakWithinCycle);
            }

            Files.Write("--csv", () => csvTable.Save(csv, terminal.Out));
        }

        if (r.GetValue(_json))
        {
            terminal.Out.WriteLine(Json(problem, config, worst, modes));
            return ExitCodes.Ok;
        }

        var table = new Table().Border(TableBorder.Rounded)
            .Title($"[bold]effective spectrum[/]: η={G(config.InnerLr)} H={config.InnerSteps}, {Markup.Escape(outer.ToString())}");
        table.AddColumns("mode", "λ", "μ", "ρ per round");
        if (k > 0)
        {
            table.AddColumns($"c_{k}", $"|c_{k}|^(1/{k})", "peak in cycle");
        }

        foreach (int i in RowSample.Geometric(modes.Length, rows))
        {
            ModeRates m = modes[i];
            var cells = new List<string> { (i + 1).ToString(), G(problem.Lambda[i]), G(m.Mu, "G6"), Mark(m.Rate) };
            if (k > 0)
            {
                cells.AddRange([G(m.CycleFactor), Mark(m.RestartRate), G(m.PeakWithinCycle)]);
            }

            table.AddRow([.. cells]);
        }

        terminal.Console.Write(table);
        terminal.Out.WriteLine($"problem: {problem.Description}");
        terminal.Out.WriteLine($"μ range: [{G(mu.Min())}, {G(mu.Max())}]; slowest mode ρ = {G(worst.Rate, "G6")} per round: {(worst.Stable ? "stable" : "UNSTABLE")} without restart" +
            (k > 0 ? $"; with restart every {k}: max |c_{k}| = {G(worst.CycleFactor, "G6")} per cycle ({G(worst.RestartRate, "G6")} per round), {(worst.StableWithRestart ? "stable" : "UNSTABLE")}" : "") + ".");
        if (csv is not null)
        {
            terminal.Out.WriteLine($"modes written to {csv}");
        }

        return ExitCodes.Ok;
    }

    private static string Mark(double rate) => rate < 1 ? G(rate, "G6") : $"[red]{G(rate, "G6")}[/]";

    private static string Json(LinearRegressionProblem problem, FamilyConfig c, SpectrumRates worst, ModeRates[] modes)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, JsonText.Options))
        {
            w.WriteStartObject();
            WriteSettings(w, problem, c);
            w.WriteNumberOrNull("max_rate", worst.Rate);
            w.WriteBoolean("stable", worst.Stable);
            if (c.RestartPeriod > 0)
            {
                w.WriteNumberOrNull("max_cycle_factor", worst.CycleFactor);
                w.WriteNumberOrNull("max_restart_rate", worst.RestartRate);
                w.WriteBoolean("stable_with_restart", worst.StableWithRestart);
            }

            w.WriteStartArray("modes");
            for (int i = 0; i < modes.Length; i++)
            {
                ModeRates m = modes[i];
                w.WriteStartObject();
                w.WriteNumber("mode", i + 1);
                w.WriteNumberOrNull("lambda", problem.Lambda[i]);
                w.WriteNumberOrNull("mu", m.Mu);
                w.WriteNumberOrNull("rate", m.Rate);
                if (c.RestartPeriod > 0)
                {
                    w.WriteNumberOrNull("c_k", m.CycleFactor);
                    w.WriteNumberOrNull("restart_rate", m.RestartRate);
                    w.WriteNumberOrNull("peak_within_cycle", m.PeakWithinCycle);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    internal static void WriteSettings(Utf8JsonWriter w, LinearRegressionProblem problem, FamilyConfig c)
    {
        w.WriteString("problem", problem.Description);
        w.WriteNumber("inner_lr", c.InnerLr);
        w.WriteNumber("inner_steps", c.InnerSteps);
        w.WriteNumber("outer_lr", c.OuterLr);
        w.WriteNumber("outer_momentum", c.OuterMomentum);
        w.WriteString("outer", c.OuterKind.Name());
        w.WriteString("outer_form", c.OuterForm.Name());
        w.WriteNumber("restart_period", c.RestartPeriod);
    }
}
