using System.CommandLine;
using Loco.Cli.Output;
using Loco.Core.Family;
using Loco.Core.Problems;
using Loco.Reports.Tables;
using Loco.Simulation;
using Spectre.Console;

namespace Loco.Cli.Commands;

/// <summary><c>loco simulate</c>: Monte Carlo runs of one member of the family on Gaussian linear regression.</summary>
internal sealed class SimulateCommand
{
    private readonly FamilyOptions _family = new();
    private readonly ProblemOptions _problem = new();
    private readonly RunOptions _run = new();
    private readonly CodecOptions _codec = new();
    private readonly FragmentOptions _fragments = new();
    private readonly Option<string?> _csv = Options.Text("--csv", "Write the curves to this CSV file: one row per round (and per inner step with --inner-curve); columns method, inner_lr, inner_steps, workers, batch, outer_lr, outer_momentum, outer, outer_form, restart_period, round, inner_step, samples, risk, excess_risk, stderr.");
    private readonly Option<bool> _json = Options.Flag("--json", "Print the result as JSON on standard output instead of the table.");
    private readonly Option<bool> _innerCurve = Options.Flag("--inner-curve", "Also record the risk of the worker-averaged fast weights after every inner step (rows with inner_step > 0).");

    public Command Build(Terminal terminal)
    {
        var command = new Command("simulate",
            "Monte Carlo simulation of a two-phase optimizer on Gaussian linear regression: R independent runs, " +
            "mean risk and its standard error per round.");
        foreach (Option option in _family.All.Concat(_problem.All).Concat(_run.All).Concat(_codec.All).Concat(_fragments.All).Append(_innerCurve).Append(_csv).Append(_json))
        {
            command.Options.Add(option);
        }

        command.SetAction(r => Execute(r, terminal));
        return command;
    }

    private int Execute(ParseResult r, Terminal terminal)
    {
        FamilyConfig config = _family.Read(r);
        (Loco.Core.Codecs.CodecSpec codec, bool feedback) = _codec.Read(r);
        SimulationOptions options = _run.Read(r) with { RecordInnerSteps = r.GetValue(_innerCurve), Codec = codec, ErrorFeedback = feedback, Fragments = _fragments.Read(r) };
        ResultMemory.EnsureSimulationFits(r.GetValue(_problem.Dim) ?? 1000, options.Runs, options.Rounds, config, options.RecordInnerSteps, options.Threads);
        LinearRegressionProblem problem = _problem.Read(r);
        string? csv = r.GetValue(_csv);
        bool json = r.GetValue(_json);
        string method = Presets.Label(config);

        var progress = new SimulationProgress();
        SimulationResult result = terminal.WithProgress("simulating",
            () => progress.RoundsTotal == 0 ? 0 : (double)progress.RoundsDone / progress.RoundsTotal,
            () => MonteCarloSimulator.Run(problem, config, options, progress));

        (string, SimulationResult)[] rows = [(method, result)];
        if (csv is not null)
        {
            Files.Write("--csv", () => CurveWriter.WriteCsv(csv, rows, terminal.Out));
        }

        if (json)
        {
            terminal.Out.WriteLine(CurveWriter.Json(rows));
        }
        else
        {
            var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{Markup.Escape(method)}[/]: {Markup.Escape(config.ToString())}");
            table.AddColumns("quantity", "value");
            table.AddRow("problem", Markup.Escape(problem.Description));
            table.AddRow("runs", result.Runs.ToString());
            table.AddRow("rounds", result.RoundsCompleted.ToString());
            table.AddRow("samples per run", (result.RoundsCompleted * result.SamplesPerRound).ToString("N0"));
            table.AddRow("initial risk", result.Risk[0].ToString("G5"));
            table.AddRow("final risk ± stderr", $"{result.FinalRisk:G5} ± {result.FinalStdErr:G2}");
            table.AddRow("final excess risk", $"{result.ExcessRisk(result.RoundsCompleted):G5} (floor σ²/2 = {result.NoiseFloor:G3})");
            terminal.Console.Write(table);
            if (csv is not null)
            {
                terminal.Out.WriteLine($"curves written to {csv}");
            }
        }

        if (result.DivergedAtRound is int k)
        {
            terminal.Error.WriteLine($"loco simulate: diverged at round {k} (risk non-finite or above 1e12 × its start); outputs hold rounds 0..{k - 1}.");
            return ExitCodes.Diverged;
        }

        return ExitCodes.Ok;
    }
}

/// <summary>Flags of a Monte Carlo study.</summary>
internal sealed class RunOptions
{
    public Option<int?> Rounds { get; } = Options.Int("--rounds", "Rounds (outer steps) per run (≥ 1). Default: 100.");

    public Option<int?> Runs { get; } = Options.Int("--runs", "R, independent runs averaged (≥ 1; ≥ 2 for a standard error). Default: 16.");

    public Option<ulong?> Seed { get; } = Options.Seed("--seed", "Seed of the data streams (results are identical for a seed, whatever --threads). Default: 1.");

    public Option<int?> Threads { get; } = Options.Int("--threads", $"Threads (≥ 1); does not change results. Default: {Environment.ProcessorCount} (every core).");

    public IEnumerable<Option> All => [Rounds, Runs, Seed, Threads];

    public SimulationOptions Read(ParseResult r)
    {
        var options = new SimulationOptions
        {
            Rounds = r.GetValue(Rounds) ?? 100,
            Runs = r.GetValue(Runs) ?? 16,
            Seed = r.GetValue(Seed) ?? 1,
            Threads = r.GetValue(Threads) ?? Environment.ProcessorCount,
        };
        options.Validate();
        return options;
    }
}
