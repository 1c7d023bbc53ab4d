using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Loco.Cli.Output;
using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Core.Problems;
using Loco.Reports.Tables;
using Loco.Theory.Dynamics;
using Loco.Theory.Spectra;
using Loco.Theory.Tuning;
using Spectre.Console;
using static Loco.Cli.Commands.AnalysisOptions;

namespace Loco.Cli.Commands;

/// <summary><c>loco tune</c>: the settings that minimise the final risk under a sample budget, according to the exact theory.</summary>
internal sealed class TuneCommand
{
    private readonly FamilyOptions _family = new();
    private readonly ProblemOptions _problem = new();
    private readonly Option<long?> _samples = new("--samples")
    {
        Description = "The sample budget across all workers (≥ 1): rounds = ⌊samples / (M·H·B)⌋. Default: 100000.",
        CustomParser = r =>
        {
            string text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
            if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v))
            {
                return v;
            }

            r.AddError($"--samples: '{text}' is not a whole number.");
            return null;
        },
    };

    private readonly Option<string?> _free = Options.Text("--free",
        "Knobs to tune, comma-separated: inner-lr (η), outer-lr (α, or ν in the EMA form), outer-momentum (β), inner-steps (H), restart-period (K). " +
        "The others keep their flag values. Default: inner-lr,outer-lr.");

    private readonly Option<int?> _grid = Options.Int("--grid", "Grid points per free knob before the local search (≥ 2). Default: 5.");
    private readonly Option<int?> _refine = Options.Int("--refine", "Most extra evaluations for the local search after the grid (≥ 0). Default: 120.");
    private readonly Option<int?> _top = Options.Int("--top", "How many settings to list: the best, then runner-ups that differ from those above by more than 10% in η or α, 0.05 in β, or in H or K (≥ 1; --csv holds every evaluated setting). Default: 5.");
    private readonly Option<string?> _mode = Options.Text("--mode", "exact (finite-D fourth-moment term kept) or high-dim (Volterra limit). Default: exact.");
    private readonly Option<string?> _csv = Options.Text("--csv", "Write every evaluated setting to this CSV file, best first; columns rank, inner_lr, inner_steps, outer_lr, outer_momentum, restart_period, rounds, final_risk, diverged_at_round.");
    private readonly Option<bool> _json = Options.Flag("--json", "Print the result as JSON on standard output instead of the table.");

    private readonly (Knob Knob, Option<string?> Option)[] _ranges =
    [
        (Knob.InnerLr, Options.Text("--inner-lr-range", "Search range of η as lo:hi (0 < lo < hi; geometric grid). Default: 0.02:1.9 divided by the largest eigenvalue.")),
        (Knob.OuterLr, Options.Text("--outer-lr-range", "Search range of α (ν in the EMA form) as lo:hi (0 < lo < hi; geometric grid). Default: 0.1:2 (0.1:10 in the EMA form).")),
        (Knob.OuterMomentum, Options.Text("--outer-momentum-range", "Search range of β as lo:hi (0 ≤ lo < hi < 1; uniform grid). Default: 0:0.95.")),
        (Knob.InnerSteps, Options.Text("--inner-steps-range", "Search range of H as lo:hi (whole numbers, 1 ≤ lo < hi; geometric grid). Default: 1:64.")),
        (Knob.RestartPeriod, Options.Text("--restart-period-range", "Search range of K in rounds as lo:hi (whole numbers, 0 ≤ lo < hi; lo = 0 adds 'never'). Default: 0:16.")),
    ];

    private readonly CodecOptions _codec = new();

    public Command Build(Terminal terminal)
    {
        var command = new Command("tune",
            "Tune a member of the family on a linear-regression problem with the exact risk recursion (inner SGD): a grid over the free knobs, " +
            "refined by a coordinate search, minimising the final risk after the rounds that fit in --samples. Prints the best settings and the runner-ups.");
        foreach (Option option in _family.All.Concat(_problem.All).Append(_samples).Append(_free).Append(_grid).Append(_refine).Append(_top).Append(_mode).Append(_csv).Append(_json).Concat(_ranges.Select(x => x.Option)).Concat(_codec.All))
        {
            command.Options.Add(option);
        }

        command.SetAction(r => Execute(r, terminal));
        return command;
    }

    private int Execute(ParseResult r, Terminal terminal)
    {
        FamilyConfig config = _family.Read(r);
        RiskRecursion.CheckSupported(config);
        (Loco.Core.Codecs.CodecSpec codec, bool feedback) = _codec.Read(r);
        CodecNoise.CheckSupported(codec, feedback);
        Knob free = ParseKnobs(r.GetValue(_free));
        long samples = r.GetValue(_samples) ?? 100_000;
        int top = r.GetValue(_top) ?? 5;
        if (top < 1)
        {
            throw new InvalidInputException("--top", $"list at least 1 setting (got {top}).");
        }

        TheoryMode mode = Options.Choice(r.GetValue(_mode), "--mode", Options.TheoryModes) ?? TheoryMode.Exact;
        var ranges = new Dictionary<Knob, KnobRange>();
        foreach ((Knob knob, Option<string?> option) in _ranges)
        {
            if (r.GetValue(option) is string text)
            {
                ranges[knob] = KnobRange.Parse(knob, text, option.Name);
            }
        }

        // Every candidate must fit at least one round of M·H·B samples; with H free the shortest round has H = 1.
        long smallestRound = (long)config.Workers * config.BatchSize * (free.HasFlag(Knob.InnerSteps) ? 1 : config.InnerSteps);
        if (samples < smallestRound)
        {
            throw new InvalidInputException("--samples",
                $"{samples:N0} samples buy no round: one round takes M·H·B = {smallestRound:N0} samples here; give at least that many.");
        }

        var request = new TuningRequest
        {
            Base = config, Samples = samples, Free = free, GridPoints = r.GetValue(_grid) ?? 5, RefineEvaluations = r.GetValue(_refine) ?? 120, Ranges = ranges,
        };
        LinearRegressionProblem problem = _problem.Read(r);
        AtomSpectrum spectrum = AtomSpectrum.FromProblem(problem);
        var model = new RecursionRiskModel(spectrum, problem.Noise, mode) { Codec = codec };

        int done = 0, planned = 1;
        TuningResult result = terminal.WithProgress("tuning", () => Math.Min(1, (double)Volatile.Read(ref done) / Math.Max(1, Volatile.Read(ref planned))),
            () => Tuner.Run(model, request, problem.Lambda.Max(), (d, p) => { Volatile.Write(ref done, d); Volatile.Write(ref planned, p); }));

        string? csv = r.GetValue(_csv);
        if (csv is not null)
        {
            var csvTable = new CsvTable("rank", "inner_lr", "inner_steps", "outer_lr", "outer_momentum", "restart_period", "rounds", "final_risk", "diverged_at_round");
            int rank = 1;
            foreach (Candidate c in result.Ranked)
            {
                TuningPoint p = c.Point;
                csvTable.Add(rank++, p.InnerLr, p.InnerSteps, p.OuterLr, p.OuterMomentum, p.RestartPeriod, c.Outcome.Rounds,
                    c.Outcome.Diverged ? null : (double?)c.Outcome.FinalRisk, c.Outcome.DivergedAtRound);
            }

            Files.Write("--csv", () => csvTable.Save(csv, terminal.Out));
        }

        if (r.GetValue(_json))
        {
            terminal.Out.WriteLine(Json(problem, config, samples, free, result, top));
            return ExitCodes.Ok;
        }

        var table = new Table().Border(TableBorder.Rounded)
            .Title($"[bold]tuned[/] ({Markup.Escape(FreeNames(free))}) for {samples:N0} samples, best: {Markup.Escape(result.Best.Point.Apply(config).ToString())}");
        table.AddColumns("rank", "η", "H", config.OuterForm == OuterForm.Ema && config.OuterKind != OuterKind.Plain ? "ν" : "α", "β", "K", "rounds", "final risk");
        int n = 1;
        foreach (Candidate c in result.Distinct(top))
        {
            TuningPoint p = c.Point;
            table.AddRow((n++).ToString(), G(p.InnerLr), p.InnerSteps.ToString(), G(p.OuterLr), G(p.OuterMomentum), p.RestartPeriod.ToString(), c.Outcome.Rounds.ToString(),
                c.Outcome.Diverged ? $"diverged at round {c.Outcome.DivergedAtRound}" : G(c.Outcome.FinalRisk, "G6"));
        }

        terminal.Console.Write(table);
        terminal.Out.WriteLine($"problem: {problem.Description}; noise floor σ²/2 = {G(problem.NoiseFloor)}");
        terminal.Out.WriteLine($"evaluations: {result.GridEvaluations} on the grid (best there {G(result.BestOnGrid.Outcome.FinalRisk, "G6")}), {result.RefineEvaluations} in the local search.");
        foreach (RangeEdge edge in result.Edges())
        {
            string name = KnobNames.Single(k => k.Knob == edge.Knob).Name;
            terminal.Out.WriteLine($"edge: the best {name} = {G(edge.Value)} is at or near the {(edge.Upper ? "upper" : "lower")} end of its search range " +
                $"[{G(edge.Range.Min)}, {G(edge.Range.Max)}]; the optimum may lie outside (widen it with --{name}-range lo:hi).");
        }

        if (csv is not null)
        {
            terminal.Out.WriteLine($"settings written to {csv}");
        }

        return ExitCodes.Ok;
    }

    private static readonly (string Name, Knob Knob)[] KnobNames =
        [("inner-lr", Knob.InnerLr), ("outer-lr", Knob.OuterLr), ("outer-momentum", Knob.OuterMomentum), ("inner-steps", Knob.InnerSteps), ("restart-period", Knob.RestartPeriod)];

    private static Knob ParseKnobs(string? text)
    {
        if (text is null)
        {
            return Knob.InnerLr | Knob.OuterLr;
        }

        Knob free = Knob.None;
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            free |= Options.Choice(part, "--free", KnobNames) ?? Knob.None;
        }

        return free == Knob.None ? throw new InvalidInputException("--free", "name at least one knob.") : free;
    }

    private static string FreeNames(Knob free) => string.Join(", ", KnobNames.Where(k => free.HasFlag(k.Knob)).Select(k => k.Name));

    private static string Json(LinearRegressionProblem problem, FamilyConfig c, long samples, Knob free, TuningResult result, int top)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, JsonText.Options))
        {
            w.WriteStartObject();
            w.WriteString("problem", problem.Description);
            w.WriteNumber("samples", samples);
            w.WriteString("free", FreeNames(free));
            w.WriteString("outer", c.OuterKind.Name());
            w.WriteString("outer_form", c.OuterForm.Name());
            w.WriteNumber("workers", c.Workers);
            w.WriteNumber("batch", c.BatchSize);
            w.WriteNumber("grid_evaluations", result.GridEvaluations);
            w.WriteNumber("refine_evaluations", result.RefineEvaluations);
            w.WriteStartArray("best");
            foreach (Candidate cand in result.Distinct(top))
            {
                TuningPoint p = cand.Point;
                w.WriteStartObject();
                w.WriteNumber("inner_lr", p.InnerLr);
                w.WriteNumber("inner_steps", p.InnerSteps);
                w.WriteNumber("outer_lr", p.OuterLr);
                w.WriteNumber("outer_momentum", p.OuterMomentum);
                w.WriteNumber("restart_period", p.RestartPeriod);
                w.WriteNumber("rounds", cand.Outcome.Rounds);
                w.WriteNumberOrNull("final_risk", cand.Outcome.FinalRisk);
                if (cand.Outcome.DivergedAtRound is int d)
                {
                    w.WriteNumber("diverged_at_round", d);
                }
                else
                {
                    w.WriteNull("diverged_at_round");
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("edges");
            foreach (RangeEdge edge in result.Edges())
            {
                w.WriteStartObject();
                w.WriteString("knob", KnobNames.Single(k => k.Knob == edge.Knob).Name);
                w.WriteNumber("value", edge.Value);
                w.WriteNumber("range_min", edge.Range.Min);
                w.WriteNumber("range_max", edge.Range.Max);
                w.WriteString("edge", edge.Upper ? "upper" : "lower");
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
