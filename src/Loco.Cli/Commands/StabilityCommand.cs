using System.CommandLine;
using System.Text;
using System.Text.Json;
using Loco.Cli.Output;
using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Core.Problems;
using Loco.Reports.Tables;
using Loco.Theory.Analysis;
using Loco.Torch.Ntk;
using Spectre.Console;
using static Loco.Cli.Commands.AnalysisOptions;

namespace Loco.Cli.Commands;

/// <summary><c>loco stability</c>: which (outer learning rate, momentum) cells keep every mode contracting, without and with restarts.</summary>
internal sealed class StabilityCommand
{
    private static readonly double[] DefaultLrs = [0.1, 0.3, 0.5, 0.7, 0.9, 1.1];
    private static readonly double[] DefaultMomenta = [0.1, 0.3, 0.5, 0.7, 0.9];

    private readonly AnalysisOptions _options = new();
    private readonly Option<string?> _lrs = Options.Text("--outer-lrs", "Outer learning rates of the grid's rows (α, or ν in the EMA form; each > 0), comma-separated. Default: 0.1,0.3,0.5,0.7,0.9,1.1.");
    private readonly Option<string?> _momenta = Options.Text("--momenta", "Outer momenta of the grid's columns (each in [0, 1)), comma-separated. Default: 0.1,0.3,0.5,0.7,0.9 (only 0 with --outer plain).");
    private readonly Option<string?> _csv = Options.Text("--csv", "Write one row per cell to this CSV file; columns outer, outer_form, outer_lr, outer_momentum, restart_period, rate, stable, cycle_factor, restart_rate, stable_with_restart, peak_within_cycle.");
    private readonly Option<bool> _json = Options.Flag("--json", "Print the result as JSON on standard output instead of the tables.");
    private readonly Option<string?> _fromNtk = Options.Text("--from-ntk",
        "Take the eigenvalues λ_i from the 'lambda' column of this CSV file (the spectrum.csv that loco ntk writes: its empirical NTK) instead of " +
        $"a linear-regression problem; μ_i = 1 − (1 − ηλ_i)^H with --inner-lr and --inner-steps, whose defaults are then loco ntk's (η = {NtkCommand.DefaultInnerLr}, H = {NtkCommand.DefaultInnerSteps}). " +
        "The problem flags (--dim, --spectrum-exp, --spectrum-file, …) are then not used.");

    public Command Build(Terminal terminal)
    {
        var command = new Command("stability",
            "Stability of the outer step over a grid of outer learning rate × momentum for the effective spectrum μ = 1 − (1 − ηλ)^H of a problem. " +
            "A cell is stable without restart when every mode has ρ(T(μ)) < 1 (shown: the slowest mode's rate per round), and stable with restart " +
            "when every mode has |c_K(μ)| < 1 (shown: max |c_K|^(1/K) per round). Defaults: --outer nesterov, --restart-period 3, and the PyTorch form " +
            "like every command (the outer-momentum-restart paper's grid is in the EMA form: add --outer-form ema).");
        foreach (Option option in _options.Common(withOuterValues: false).Append(_lrs).Append(_momenta).Append(_csv).Append(_json).Append(_fromNtk))
        {
            command.Options.Add(option);
        }

        _options.RestartPeriod.Description = "K, the restart period in rounds for the second grid (0 = show only the grid without restarts). Default: 3.";
        _options.Outer.Description = $"Outer step: plain, heavy-ball, nesterov. {Options.OuterKindDefault}: nesterov here, since the grid's columns are momenta.";
        _options.OuterForm.Description = Options.OuterFormDescription + " With ema the rows are ν.";
        command.SetAction(r => Execute(r, terminal));
        return command;
    }

    private int Execute(ParseResult r, Terminal terminal)
    {
        string? fromNtk = r.GetValue(_fromNtk);
        FamilyConfig config = _options.ReadConfig(r, OuterKind.Nesterov, defaultRestart: 3, withOuterValues: false);
        if (fromNtk is not null)
        {
            config = config with
            {
                InnerLr = r.GetValue(_options.InnerLr) ?? NtkCommand.DefaultInnerLr,
                InnerSteps = r.GetValue(_options.InnerSteps) ?? NtkCommand.DefaultInnerSteps,
            };
        }

        double[] lrs = Numbers(r.GetValue(_lrs), "--outer-lrs", DefaultLrs, v => double.IsFinite(v) && v > 0, "a positive finite number");
        string? momentaText = r.GetValue(_momenta);
        double[] momenta = Numbers(momentaText, "--momenta", config.OuterKind == OuterKind.Plain ? [0.0] : DefaultMomenta,
            v => double.IsFinite(v) && v >= 0 && v < 1, "a number in [0, 1)");
        if (config.OuterKind == OuterKind.Plain && momenta.Any(b => b != 0))
        {
            throw new InvalidInputException("--momenta", "a plain outer step (--outer plain) has no momentum; leave --momenta out or choose --outer heavy-ball or nesterov.");
        }

        (string description, double[] mu) = ReadSpectrum(r, config, fromNtk);
        int k = config.RestartPeriod;
        int done = 0;
        StabilityCell[,] cells = terminal.WithProgress("stability grid", () => (double)Volatile.Read(ref done) / (lrs.Length * momenta.Length),
            () => StabilityGrid.Evaluate(mu, config.OuterKind, config.OuterForm, lrs, momenta, k, () => Interlocked.Increment(ref done)));
        (int stable, int withRestart, int onlyWith, int onlyWithout) = StabilityGrid.Count(cells);

        string? csv = r.GetValue(_csv);
        if (csv is not null)
        {
            var table = new CsvTable("outer", "outer_form", "outer_lr", "outer_momentum", "restart_period", "rate", "stable", "cycle_factor", "restart_rate",
                "stable_with_restart", "peak_within_cycle");
            foreach (StabilityCell c in cells)
            {
                table.Add(config.OuterKind.Name(), config.OuterForm.Name(), c.LearningRate, c.Momentum, k, c.Rates.Rate, c.Rates.Stable, c.Rates.CycleFactor,
                    c.Rates.RestartRate, k > 0 ? (bool?)c.Rates.StableWithRestart : null, c.Rates.PeakWithinCycle);
            }

            Files.Write("--csv", () => table.Save(csv, terminal.Out));
        }

        if (r.GetValue(_json))
        {
            terminal.Out.WriteLine(Json(description, config, cells, (stable, withRestart, onlyWith, onlyWithout)));
            return ExitCodes.Ok;
        }

        string lrName = config.OuterForm == OuterForm.Ema && config.OuterKind != OuterKind.Plain ? "ν" : "α";
        string title = $"{config.OuterKind.Name()} [{config.OuterForm.Name()}], η={G(config.InnerLr)} H={config.InnerSteps}, μ ∈ [{G(mu.Min())}, {G(mu.Max())}]";
        terminal.Console.Write(Grid(cells, lrName, $"[bold]without restart[/]: ρ per round, {Markup.Escape(title)}", c => c.Rates.Rate));
        if (k > 0)
        {
            terminal.Console.Write(Grid(cells, lrName, $"[bold]with restart every {k}[/]: max |c_{k}|^(1/{k}) per round", c => c.Rates.RestartRate));
        }

        int total = cells.Length;
        terminal.Out.WriteLine($"problem: {description}");
        terminal.Out.WriteLine($"stable cells: {stable}/{total} without restart" +
            (k > 0 ? $", {withRestart}/{total} with restart every {k} ({onlyWith} only with, {onlyWithout} only without)" : "") + ". Unstable cells are marked ✗.");
        if (csv is not null)
        {
            terminal.Out.WriteLine($"cells written to {csv}");
        }

        return ExitCodes.Ok;
    }

    private static Table Grid(StabilityCell[,] cells, string lrName, string title, Func<StabilityCell, double> rate)
    {
        var table = new Table().Border(TableBorder.Rounded).Title(title);
        table.AddColumn($"{lrName} \\ β");
        for (int j = 0; j < cells.GetLength(1); j++)
        {
            table.AddColumn(G(cells[0, j].Momentum));
        }

        for (int i = 0; i < cells.GetLength(0); i++)
        {
            var row = new List<string> { G(cells[i, 0].LearningRate) };
            for (int j = 0; j < cells.GetLength(1); j++)
            {
                double x = rate(cells[i, j]);
                row.Add(x < 1 ? G(x, "F6") : $"[red]✗ {Markup.Escape(double.IsFinite(x) ? G(x, "G4") : "overflow")}[/]");
            }

            table.AddRow([.. row]);
        }

        return table;
    }

    private (string Description, double[] Mu) ReadSpectrum(ParseResult r, FamilyConfig config, string? fromNtk)
    {
        if (fromNtk is null)
        {
            (LinearRegressionProblem problem, _, _, double[] mu) = _options.ReadSpectrum(r, config);
            return (problem.Description, mu);
        }

        double[] lambda = NtkSpectrumFile.ReadLambda(fromNtk, "--from-ntk");
        return ($"empirical NTK spectrum from {Path.GetFileName(fromNtk)} ({lambda.Length} modes, λ ∈ [{G(lambda.Min())}, {G(lambda.Max())}])",
            EffectiveSpectrum.Compute(lambda, config.InnerLr, config.InnerSteps));
    }

    private static string Json(string description, FamilyConfig c, StabilityCell[,] cells, (int Stable, int WithRestart, int OnlyWith, int OnlyWithout) counts)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, JsonText.Options))
        {
            w.WriteStartObject();
            w.WriteString("problem", description);
            w.WriteNumber("inner_lr", c.InnerLr);
            w.WriteNumber("inner_steps", c.InnerSteps);
            w.WriteString("outer", c.OuterKind.Name());
            w.WriteString("outer_form", c.OuterForm.Name());
            w.WriteNumber("restart_period", c.RestartPeriod);
            w.WriteNumber("cells", cells.Length);
            w.WriteNumber("stable", counts.Stable);
            if (c.RestartPeriod > 0)
            {
                w.WriteNumber("stable_with_restart", counts.WithRestart);
                w.WriteNumber("stable_only_with_restart", counts.OnlyWith);
                w.WriteNumber("stable_only_without_restart", counts.OnlyWithout);
            }

            w.WriteStartArray("grid");
            foreach (StabilityCell cell in cells)
            {
                w.WriteStartObject();
                w.WriteNumber("outer_lr", cell.LearningRate);
                w.WriteNumber("outer_momentum", cell.Momentum);
                w.WriteNumberOrNull("rate", cell.Rates.Rate);
                w.WriteBoolean("stable", cell.Rates.Stable);
                if (c.RestartPeriod > 0)
                {
                    w.WriteNumberOrNull("cycle_factor", cell.Rates.CycleFactor);
                    w.WriteNumberOrNull("restart_rate", cell.Rates.RestartRate);
                    w.WriteNumberOrNull("peak_within_cycle", cell.Rates.PeakWithinCycle);
                    w.WriteBoolean("stable_with_restart", cell.Rates.StableWithRestart);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
