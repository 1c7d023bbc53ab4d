using System.CommandLine;
using Loco.Cli.Output;
using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Core.Problems;
using Loco.Reports.Tables;
using Loco.Simulation;
using Spectre.Console;

namespace Loco.Cli.Commands;

/// <summary>
/// <c>loco demo</c>: the family side by side on one problem and one sample budget, from embedded defaults.
/// </summary>
internal sealed class DemoCommand
{
    /// <summary>Default samples each method may use per run (summed over its workers).</summary>
    public const long DefaultSampleBudget = 1 << 13;

    private readonly Option<string?> _out = Options.Text("--out", "Folder for demo.csv. Default: loco-out.");
    private readonly Option<int?> _runs = Options.Int("--runs", "R, independent runs per method (≥ 2). Default: 128.");
    private readonly Option<ulong?> _seed = Options.Seed("--seed", "Seed of the data streams. Default: 1.");
    private readonly Option<int?> _samples = Options.Int("--samples", $"Sample budget per run and method, summed over workers (≥ 256). Default: {DefaultSampleBudget}.");
    private readonly Option<bool> _json = Options.Flag("--json", "Print the results as JSON on standard output instead of the table.");

    /// <summary>The demo problem: D = 1000, λ_i = i^−1.5, θ*_i ~ N(0, i^−1), σ = 0.1.</summary>
    public static LinearRegressionProblem Problem() => LinearRegressionProblem.PowerLaw(1000, 1.5, 1.0, 0.1, targetSeed: 42);

    /// <summary>The methods compared, each a setting of the one family (η = 0.5, B = 8 throughout).</summary>
    public static IReadOnlyList<(string Name, FamilyConfig Config)> Methods()
    {
        FamilyConfig Make(Preset preset, int? steps = null, int? workers = null, double? outerLr = null, OuterKind? kind = null, double? beta = null, int? restart = null) =>
            new FamilySettings
            {
                Preset = preset,
                InnerLr = 0.5,
                BatchSize = 8,
                InnerSteps = steps,
                Workers = workers,
                OuterLr = outerLr,
                OuterKind = kind,
                OuterMomentum = beta,
                RestartPeriod = restart,
            }.Resolve();

        return
        [
            ("SGD", Make(Preset.Sgd)),
            ("LA", Make(Preset.La, steps: 8, outerLr: 0.5)),
            ("LA-DiLoCo (M=4)", Make(Preset.LaDiloco, steps: 8, workers: 4, outerLr: 0.5)),
            ("SLA heavy-ball", Make(Preset.Sla, steps: 8, outerLr: 0.5, kind: OuterKind.HeavyBall, beta: 0.6)),
            ("SLA Nesterov", Make(Preset.Sla, steps: 8, outerLr: 0.5, kind: OuterKind.Nesterov, beta: 0.6)),
            ("SLA Nesterov + restart (K=3)", Make(Preset.Sla, steps: 8, outerLr: 0.5, kind: OuterKind.Nesterov, beta: 0.6, restart: 3)),
        ];
    }

    public Command Build(Terminal terminal)
    {
        var command = new Command("demo",
            $"Runs SGD, LA, LA-DiLoCo (M=4), SLA heavy-ball, SLA Nesterov and SLA Nesterov with restart (K=3) on one " +
            $"power-law regression problem (D=1000, λ_i=i^-1.5, θ*_i~N(0,i^-1), σ=0.1) with the same sample budget per run, " +
            "prints a table and writes the curves to <out>/demo.csv.");
        command.Options.Add(_out);
        command.Options.Add(_runs);
        command.Options.Add(_seed);
        command.Options.Add(_samples);
        command.Options.Add(_json);
        command.SetAction(r => Execute(r, terminal));
        return command;
    }

    private int Execute(ParseResult r, Terminal terminal)
    {
        string folder = r.GetValue(_out) ?? "loco-out";
        int runs = r.GetValue(_runs) ?? 128;
        if (runs < 2)
        {
            throw new InvalidInputException("--runs", $"the demo needs at least 2 runs per method for a standard error (got {runs}).");
        }

        ulong seed = r.GetValue(_seed) ?? 1;
        long budget = r.GetValue(_samples) ?? DefaultSampleBudget;
        if (budget < 256)
        {
            throw new InvalidInputException("--samples", $"the sample budget must be at least 256 (got {budget}).");
        }

        LinearRegressionProblem problem = Problem();
        IReadOnlyList<(string Name, FamilyConfig Config)> methods = Methods();
        var progresses = methods.Select(_ => new SimulationProgress()).ToArray();
        int Rounds(FamilyConfig config) => (int)Math.Max(1, budget / config.SamplesPerRound);
        long total = methods.Sum(m => (long)runs * Rounds(m.Config));
        var results = terminal.WithProgress("demo",
            () => (double)progresses.Sum(p => p.RoundsDone) / total,
            () => methods.Select((m, i) => (m.Name, MonteCarloSimulator.Run(problem, m.Config,
                new SimulationOptions { Rounds = Rounds(m.Config), Runs = runs, Seed = seed }, progresses[i]))).ToList());

        string csv = Path.Combine(folder, "demo.csv");
        Files.Write("--out", () => CurveWriter.WriteCsv(csv, results));
        if (r.GetValue(_json))
        {
            terminal.Out.WriteLine(CurveWriter.Json(results));
        }
        else
        {
            var table = new Table().Border(TableBorder.Rounded)
                .Title($"Two-phase optimizers on {Markup.Escape(problem.Description)}, {runs} runs each")
                .Caption($"risk floor σ²/2 = {problem.NoiseFloor:G3}; initial risk {results[0].Item2.Risk[0]:G4}; curves in {Markup.Escape(csv)}");
            table.AddColumns("method", "settings", "final risk ± stderr", "final excess risk", "rounds", "samples used");
            foreach ((string name, SimulationResult result) in results)
            {
                bool diverged = result.DivergedAtRound is not null;
                string risk = diverged ? $"diverged at round {result.DivergedAtRound}" : $"{result.FinalRisk:F6} ± {result.FinalStdErr:F6}";
                string excess = diverged ? "" : $"{result.ExcessRisk(result.RoundsCompleted):F6}";
                table.AddRow(Markup.Escape(name), Markup.Escape(result.Config.ToString()), risk, excess,
                    result.RoundsCompleted.ToString(), (result.RoundsCompleted * result.SamplesPerRound).ToString("N0"));
            }

            terminal.Console.Write(table);
        }

        return results.Any(x => x.Item2.DivergedAtRound is not null) ? ExitCodes.Diverged : ExitCodes.Ok;
    }
}
