using System.CommandLine;
using System.Text;
using System.Text.Json;
using Loco.Cli.Output;
using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Core.Problems;
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
        ModeRow[] modes = [.. Enumerable.Range(0, mu.Length).Select(i => ModeRow.Of(i, problem.Lambda[i], mu[i], outer, k))];
        SpectrumRates worst = SpectrumRates.Of(outer, mu, k);

        string? csv = r.GetValue(_csv);
        if (csv is not null)
        {
            var text = new StringBuilder("mode,lambda,mu,rate,restart_period,c_k,restart_rate,peak_within_cycle\n");
            foreach (ModeRow m in modes)
            {
                text.AppendLine(string.Join(',', m.Index + 1, N(m.Lambda), N(m.Mu), N(m.Rate), k, N(m.CK), N(m.RestartRate), N(m.Peak)));
            }

            SimulateCommand.Write("--csv", () => CurveWriter.WriteAtomically(csv, text.ToString()));
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

        foreach (int i in SampleModes(modes.Length, rows))
        {
            ModeRow m = modes[i];
            var cells = new List<string> { (i + 1).ToString(), G(m.Lambda), G(m.Mu, "G6"), Mark(m.Rate) };
            if (k > 0)
            {
                cells.AddRange([G(m.CK), Mark(m.RestartRate), G(m.Peak)]);
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

    private static string Json(LinearRegressionProblem problem, FamilyConfig c, SpectrumRates worst, ModeRow[] modes)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            WriteSettings(w, problem, c);
            Number(w, "max_rate", worst.Rate);
            w.WriteBoolean("stable", worst.Stable);
            if (c.RestartPeriod > 0)
            {
                Number(w, "max_cycle_factor", worst.CycleFactor);
                Number(w, "max_restart_rate", worst.RestartRate);
                w.WriteBoolean("stable_with_restart", worst.StableWithRestart);
            }

            w.WriteStartArray("modes");
            foreach (ModeRow m in modes)
            {
                w.WriteStartObject();
                w.WriteNumber("mode", m.Index + 1);
                Number(w, "lambda", m.Lambda);
                Number(w, "mu", m.Mu);
                Number(w, "rate", m.Rate);
                if (c.RestartPeriod > 0)
                {
                    Number(w, "c_k", m.CK);
                    Number(w, "restart_rate", m.RestartRate);
                    Number(w, "peak_within_cycle", m.Peak);
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
        w.WriteString("outer", OuterName(c.OuterKind));
        w.WriteString("outer_form", FormName(c.OuterForm));
        w.WriteNumber("restart_period", c.RestartPeriod);
    }

    private readonly record struct ModeRow(int Index, double Lambda, double Mu, double Rate, double CK, double RestartRate, double Peak)
    {
        public static ModeRow Of(int index, double lambda, double mu, OuterOptimizer outer, int k)
        {
            Matrix2 t = OuterTransfer.Of(outer, mu);
            return k > 0
                ? new ModeRow(index, lambda, mu, Spectral.Radius(t), RestartContraction.Factor(t, k), RestartContraction.RatePerRound(t, k), RestartContraction.PeakWithinCycle(t, k))
                : new ModeRow(index, lambda, mu, Spectral.Radius(t), double.NaN, double.NaN, double.NaN);
        }
    }
}
