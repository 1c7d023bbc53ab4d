using System.CommandLine;
using System.Globalization;
using Loco.Cli.Output;
using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Reports.Tables;
using Loco.Studies.Sweep;
using Loco.Torch.Data;
using Loco.Torch.Models;
using Loco.Torch.Training;
using Spectre.Console;
using static Loco.Cli.Commands.AnalysisOptions;

namespace Loco.Cli.Commands;

/// <summary>
/// <c>loco sweep</c>: the outer-momentum-restart paper's stability sweep on a language model — a grid of outer learning
/// rate × outer momentum, without and with restarts, for several H — one DiLoCo training run per cell.
/// </summary>
internal sealed class SweepCommand
{
    private static readonly SweepOptions Defaults = new();

    /// <summary>The test-sized sweep of <c>--quick</c> (flags given explicitly still win).</summary>
    internal static readonly SweepOptions Quick = Defaults with
    {
        InnerStepsList = [4],
        OuterLrs = [0.3, 0.9],
        Momenta = [0.5, 0.9],
        Rounds = 6,
        BatchSize = 4,
        Context = 16,
        ValidationWindows = 32,
    };

    /// <summary>The test-sized paper regime of <c>--regime paper --quick</c>: H = 4, 16 on a budget of 96 inner steps (24 and 6 rounds), a 2×2 grid.</summary>
    internal static readonly SweepOptions PaperQuick = Quick with
    {
        InnerStepsList = [4, 16],
        InnerStepBudget = 96,
        InnerLr = SweepOptions.PaperRegime.InnerLr,
        OuterForm = SweepOptions.PaperRegime.OuterForm,
    };

    private readonly Option<string?> _hs = Options.Text("--inner-steps-list", "The values of H (inner steps per round) to sweep, comma-separated; each gets a grid without and one with restart. Default: 8,32 (--quick: 4).");
    private readonly Option<int?> _restart = Options.Int("--restart-period", "K, the outer-momentum restart period in rounds of the second grid per H (0 = sweep only without restart). Default: 3.");
    private readonly Option<string?> _restartRule = Options.Text("--restart",
        "The second grid's restart rule instead of --restart-period: every:K, adaptive:dot (reset when Δ·v < 0) or adaptive:loss (reset when the workers' " +
        "training loss at the end of a round is higher than at the end of the one before). Default: every:3.");
    private readonly Option<string?> _lrs = Options.Text("--outer-lrs", "Outer learning rates of the grid's rows (ν in the EMA form, α in the PyTorch form; each > 0), comma-separated. Default: 0.1,0.3,0.5,0.7,0.9,1.1 (--quick: 0.3,0.9).");
    private readonly Option<string?> _momenta = Options.Text("--momenta", "Outer momenta of the grid's columns (each in [0, 1)), comma-separated. Default: 0.1,0.3,0.5,0.7,0.9 (--quick: 0.5,0.9).");
    private readonly Option<string?> _outer = Options.Text("--outer", $"Outer step: heavy-ball, nesterov, or plain (with --momenta 0). {Options.OuterKindDefault}: nesterov here, since the grid's columns are momenta.");
    private readonly Option<string?> _outerForm = Options.Text("--outer-form", Options.OuterFormDescription + " With ema the rows are ν; --regime paper is in the EMA form, as the paper.");
    private readonly Option<string?> _model = Options.Text("--model", "Model shape: tiny (~0.9M weights), small (~10.7M), 150m. Default: tiny.");
    private readonly Option<string?> _corpus = Options.Text("--corpus",
        "Training text (as loco train: a file or folder; the last 5% of tokens are the validation split). " +
        $"Default: loco train's generated corpus, {TrainingDefaults.Letters:N0} letters of an order-2 Markov source.");
    private readonly Option<int?> _rounds = Options.Int("--rounds", "Rounds per cell, the same at every H (a cell takes rounds × H inner steps per worker). Default: 12 = four restart cycles at K = 3 (--quick: 6).");
    private readonly Option<int?> _workers = Options.Int("--workers", "M, workers per cell, each on its own data shard. Default: 2.");
    private readonly Option<int?> _batch = Options.Int("--batch", "B, rows of --context tokens per minibatch per worker. Default: 4 (a quarter of loco train's 16, so that the default sweep of 120 cells fits in 30 minutes on 2 CPU cores; --quick: 4).");
    private readonly Option<int?> _context = Options.Int("--context", "T, tokens per training row. Default: 32 (--quick: 16).");
    private readonly Option<double?> _innerLr = Options.Double("--inner-lr", $"η, the peak inner AdamW learning rate (5% warmup, cosine decay to 10%, as loco train). Default: {TrainingDefaults.InnerLr}.");
    private readonly Option<ulong?> _seed = Options.Seed("--seed", "Seed of the initial weights and the data streams, the same for every cell. Default: 1.");
    private readonly Option<double?> _margin = Options.Double("--margin",
        $"Stability margin, a fraction in [0, 1): a cell is stable when its final validation loss is finite and at most (1 − margin) × its validation loss at initialisation; a cell whose loss became non-finite is unstable (diverged). Default: {StabilityCriterion.DefaultMargin}.");
    private readonly Option<int?> _parallel = Options.Int("--parallel", "Cells trained at once, each in its own loco process with one TorchSharp thread (results do not depend on it; 1 trains in this process when output is redirected). Default: one per CPU core (up to 4 on cuda), fewer if memory is short.");
    private readonly Option<string?> _device = Options.Text("--device", "cpu or cuda. Default: cpu.");
    private readonly Option<string?> _out = Options.Text("--out", "Output folder: settings.json, cells.csv, stable-area.csv, heatmap-h<H>-k<K>.png, heatmaps.png. Rerunning the same sweep there resumes it (finished cells are skipped). Default: loco-out/sweep.");
    private readonly Option<bool> _quick = Options.Flag("--quick", "A test-sized sweep (H = 4, a 2×2 grid, 6 rounds, B = 4, T = 16) that runs in seconds.");
    private readonly Option<bool> _json = Options.Flag("--json", "Print the result as JSON on standard output instead of the tables.");
    private readonly CodecOptions _codec = new();
    private readonly FragmentOptions _fragments = new();
    private readonly Option<string?> _precision = Options.Text("--precision", "Every cell's forward and backward precision: fp32, bf16 or fp16 (as loco train). Default: fp32.");
    private readonly Option<string?> _schedule = Options.Text("--lr-schedule",
        "Every cell's inner learning rate after its warmup: constant, cosine, linear or wsd[:F] (as loco train). Default: cosine.");

    // Internal: a child process trains one cell (see SweepChildProcess); validation windows are --quick's knob.
    private readonly Option<string?> _regime = Options.Text("--regime",
        "paper: the restart paper's regime scaled to this machine — a fixed budget of 768 inner steps per worker at every H (the paper's ~12,500 / 16), " +
        "H = 4,8,16,32,64,128 (the paper's 64…2048 / 16; 6 rounds at H = 128), M = 2, AdamW 1e-3 with warmup and cosine decay, EMA-form Nesterov, K = 3, " +
        "the paper's 6×5 grid, model tiny (--quick: H = 4,16, budget 96, a 2×2 grid). Other flags still override its values.");
    private readonly Option<int?> _budget = Options.Int("--budget", "Inner steps per worker per cell, the same at every H (a cell at H runs budget/H rounds); replaces --rounds. Default: none (--regime paper: 768).");
    private readonly Option<int?> _matchRestart = Options.Int("--match-restart-step",
        "K: the warm-up comparison. Train only without restart, with each cell's outer lr scaled to the mean step of a restart every K rounds " +
        "(Nesterov, either form: lr·(1 − β²(1 − β^K)/(K(1 − β)))); rows keep the nominal lr. Default: 0 (off).");
    private readonly Option<int?> _cell = new("--cell") { Hidden = true };
    private readonly Option<int?> _validationWindows = new("--validation-windows") { Hidden = true };

    public Command Build(Terminal terminal)
    {
        var command = new Command("sweep",
            "The outer-momentum-restart paper's stability sweep on a language model: for each H, a grid of outer learning rate (rows) × " +
            "outer momentum (columns), once without and once with restarts every K rounds; each cell trains the model from the same " +
            "initial weights and data with DiLoCo (M = 2 workers, inner AdamW, outer Nesterov) and records its final " +
            "validation loss. A cell is stable when that loss is finite and at least --margin (default 10%) below the validation loss " +
            "at initialisation; a non-finite loss is recorded as diverged, with its round. Prints the stable area (stable cells out of " +
            "the grid) with and without restart per H. Defaults: the paper's 6×5 grid of values in the PyTorch form, as every command (--outer-form ema, or --regime paper, for the paper's ν), K = 3, H ∈ {8, 32}, 12 rounds per cell, the tiny " +
            "model on loco train's generated corpus with B = 4 (reduced from train's 16 to fit half an hour on 2 CPU cores), T = 32. Losses are in nats per token.");
        foreach (Option option in new Option[]
                 {
                     _hs, _restart, _restartRule, _lrs, _momenta, _outer, _outerForm, _model, _corpus, _rounds, _workers, _batch, _context, _innerLr, _seed,
                     _margin, _parallel, _device, _out, _quick, _json, _cell, _validationWindows, _regime, _budget, _matchRestart,
                 }.Concat(_codec.All).Concat(_fragments.All).Append(_schedule).Append(_precision).Append(ConfigFile.CreateOption()))
        {
            command.Options.Add(option);
        }

        command.SetAction(r => Execute(r, terminal));
        return command;
    }

    /// <summary>The header's words on what a worker sends: the codec and the fragments, when not the plain fp32 round.</summary>
    private static string Communication(SweepOptions o) =>
        (o.Codec.Kind != Loco.Core.Codecs.CodecKind.Fp32 || o.ErrorFeedback ? $", codec {o.Codec}{(o.ErrorFeedback ? " with error feedback" : "")}" : "") +
        (o.Fragments is { } f ? $", fragments {f}" : "");

    private SweepOptions Read(ParseResult r)
    {
        SweepOptions d = (r.GetValue(_regime)?.Trim().ToLowerInvariant()) switch
        {
            null or "" or "default" => r.GetValue(_quick) ? Quick : Defaults,
            "paper" => r.GetValue(_quick) ? PaperQuick : SweepOptions.PaperRegime,
            string other => throw new InvalidInputException("--regime", $"unknown regime '{other}'; choose paper (or leave it out for the default sweep)."),
        };
        int? budget = r.GetValue(_budget) ?? d.InnerStepBudget;
        if (r.GetValue(_rounds) is not null && budget is not null)
        {
            throw new InvalidInputException("--rounds", "this sweep has a fixed budget of inner steps per cell (--budget or --regime paper); give rounds or a budget, not both.");
        }

        OuterKind outer = Options.Choice(r.GetValue(_outer), "--outer", Options.OuterKinds) ?? d.OuterKind;
        double[] momentaDefault = outer == OuterKind.Plain ? [0.0] : [.. d.Momenta];
        var options = d with
        {
            InnerStepsList = Integers(r.GetValue(_hs), "--inner-steps-list", [.. d.InnerStepsList], 1),
            RestartPeriod = r.GetValue(_restart) ?? d.RestartPeriod,
            RestartRule = ReadRestartRule(r),
            OuterLrs = Numbers(r.GetValue(_lrs), "--outer-lrs", [.. d.OuterLrs], v => double.IsFinite(v) && v > 0, "a positive finite number"),
            Momenta = Numbers(r.GetValue(_momenta), "--momenta", momentaDefault, v => double.IsFinite(v) && v >= 0 && v < 1, "a number in [0, 1)"),
            OuterKind = outer,
            OuterForm = Options.Choice(r.GetValue(_outerForm), "--outer-form", Options.OuterForms) ?? d.OuterForm,
            Model = (r.GetValue(_model) ?? d.Model).Trim().ToLowerInvariant(),
            Rounds = r.GetValue(_rounds) ?? d.Rounds,
            InnerStepBudget = budget,
            MatchRestartStep = r.GetValue(_matchRestart) ?? d.MatchRestartStep,
            Workers = r.GetValue(_workers) ?? d.Workers,
            BatchSize = r.GetValue(_batch) ?? d.BatchSize,
            Context = r.GetValue(_context) ?? d.Context,
            InnerLr = r.GetValue(_innerLr) ?? d.InnerLr,
            Seed = r.GetValue(_seed) ?? d.Seed,
            Device = (r.GetValue(_device) ?? d.Device).Trim().ToLowerInvariant(),
            Criterion = new StabilityCriterion(r.GetValue(_margin) ?? StabilityCriterion.DefaultMargin),
            ValidationWindows = r.GetValue(_validationWindows) ?? d.ValidationWindows,
        };
        (Loco.Core.Codecs.CodecSpec codec, bool feedback) = _codec.Read(r);
        // An explicit plain schedule (--fragments 1) is the plain round bit for bit: recorded as none, so it resumes a plain sweep.
        Loco.Core.Rounds.FragmentSchedule? fragments = _fragments.Read(r);
        options = options with { Codec = codec, ErrorFeedback = feedback, Fragments = fragments is { IsPlain: true } ? null : fragments };
        if (r.GetValue(_schedule) is string schedule)
        {
            (Loco.Torch.Training.ScheduleKind kind, double fraction) = Loco.Torch.Training.LearningRateSchedule.Parse(schedule);
            options = options with { Schedule = new Loco.Torch.Training.LearningRateSchedule(1) { Kind = kind, DecayFraction = fraction } };
        }
        if (r.GetValue(_precision) is string precision)
        {
            options = options with { Precision = Loco.Torch.Training.Precisions.Parse(precision) };
        }

        options.Validate();
        return options;
    }

    private RestartSchedule? ReadRestartRule(ParseResult r)
    {
        if (r.GetValue(_restartRule) is not string text)
        {
            return null;
        }

        if (r.GetValue(_restart) is not null)
        {
            throw new InvalidInputException("--restart", "give the second grid's restart either as --restart-period K or as --restart RULE, not both.");
        }

        try
        {
            return RestartSchedule.Parse(text);
        }
        catch (FormatException e)
        {
            throw new InvalidInputException("--restart", e.Message);
        }
    }

    private int Execute(ParseResult r, Terminal terminal)
    {
        // Everything is read and checked before anything is trained or written.
        SweepOptions options = Read(r);
        LanguageModelTraining.ResolveDevice(options.Device);
        int? parallelGiven = r.GetValue(_parallel);
        if (parallelGiven is < 1)
        {
            throw new InvalidInputException("--parallel", $"must be at least 1 (got {parallelGiven}).");
        }

        string outFolder = r.GetValue(_out) ?? Path.Combine("loco-out", "sweep");
        int? cellIndex = r.GetValue(_cell);
        if (cellIndex is null)
        {
            OutFolder.EnsureWritable(outFolder);
        }

        string? corpusPath = r.GetValue(_corpus);
        TokenCorpus corpus = TrainCommand.LoadCorpus(corpusPath, Tokenizers.Default);
        if (cellIndex is int index)
        {
            options.CheckCorpus(corpus);
            return TrainOneCell(terminal, corpus, options, index);
        }

        LlamaConfig model = LlamaConfig.Preset(options.Model, corpus.VocabularySize, options.Context);
        TrainingMemory.EnsureFits(model, options.Workers, options.BatchSize, options.Context);
        int parallel = Math.Min(parallelGiven ?? StabilitySweep.DefaultParallelism(options.Device, StabilitySweep.BytesPerCell(model, options.Workers, options.BatchSize, options.Context)),
            options.Cells().Count);
        // Side by side, or beside the progress display's threads, each cell trains in its own process (see CollectionPause).
        var sweep = parallel > 1 || terminal.Interactive
            ? new StabilitySweep(corpus, options) { Train = SweepChildProcess.Trainer(options, corpusPath, TextWriter.Synchronized(terminal.Error)) }
            : new StabilitySweep(corpus, options);

        SweepFolder folder = SweepFolder.Open(outFolder, options, corpus.Name);

        int total = options.Cells().Count;
        bool json = r.GetValue(_json);
        if (!json)
        {
            terminal.Out.WriteLine($"loco sweep: {corpus.Name}; model {options.Model} ({model.ParameterCount:N0} weights); " +
                                   $"M = {options.Workers}, inner AdamW η = {G(options.InnerLr)}, outer {options.OuterKind.Name()} [{options.OuterForm.Name()}]; " +
                                   $"H ∈ {{{string.Join(", ", options.InnerStepsList)}}}, K ∈ {{{string.Join(", ", options.RestartSettings.Select(SweepCell.Label))}}}, " +
                                   $"{options.OuterLrs.Count}×{options.Momenta.Count} grid; {(options.InnerStepBudget is int n ? $"{n} inner steps per worker per cell (rounds = {n}/H)" : $"{options.Rounds} rounds per cell")}{(options.MatchRestartStep > 0 ? $", no restart with ν scaled to the mean step of a restart every {options.MatchRestartStep}" : "")}{Communication(options)}, B = {options.BatchSize}, T = {options.Context}; " +
                                   $"{total} cells ({folder.Finished.Count} already in {outFolder}), {parallel} at a time on {options.Device}.");
        }

        SweepResult result = Run(sweep, folder, parallel, terminal, total, quiet: json);
        Files.Write("--out", () => OutputFile.Write(Path.Combine(outFolder, "stable-area.csv"), SweepWriter.StableAreaCsv(result)));
        IReadOnlyList<string> figures = SweepWriter.WriteHeatmaps(outFolder, result);
        if (json)
        {
            terminal.Out.WriteLine(SweepWriter.Json(result, corpus.Name, outFolder));
            return ExitCodes.Ok;
        }

        PrintSummary(terminal, result, outFolder, figures);
        return ExitCodes.Ok;
    }

    /// <summary>The child-process mode: trains cell <paramref name="index"/> in this process and prints its row.</summary>
    private static int TrainOneCell(Terminal terminal, TokenCorpus corpus, SweepOptions options, int index)
    {
        IReadOnlyList<SweepCell> cells = options.Cells();
        if (index < 0 || index >= cells.Count)
        {
            throw new InvalidInputException("--cell", $"must be a cell index in 0..{cells.Count - 1} (got {index}).");
        }

        SweepCellResult result = SweepCellRunner.Run(corpus, options, cells[index]);
        terminal.Out.WriteLine(SweepChildProcess.Marker + SweepTable.Row(options, result));
        return ExitCodes.Ok;
    }

    private static SweepResult Run(StabilitySweep sweep, SweepFolder folder, int parallel, Terminal terminal, int total, bool quiet)
    {
        if (!terminal.Interactive)
        {
            return sweep.Run(folder, parallel, quiet ? null : p => terminal.Out.WriteLine($"[{p.Done}/{p.Total}] {Describe(p.Last)}{Eta(p)}"));
        }

        SweepResult? result = null;
        SweepProgress? latest = null;
        terminal.Console.Progress().AutoClear(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                ProgressTask task = ctx.AddTask($"cells {folder.Finished.Count}/{total}", maxValue: total);
                task.Value = folder.Finished.Count;
                Task<SweepResult> running = Task.Run(() => sweep.Run(folder, parallel, p => Volatile.Write(ref latest, p)));
                while (!running.Wait(200))
                {
                    if (Volatile.Read(ref latest) is { } p)
                    {
                        task.Value = p.Done;
                        task.Description = Markup.Escape($"cells {p.Done}/{p.Total}{Eta(p)}; last {Describe(p.Last)}");
                    }
                }

                result = running.GetAwaiter().GetResult();
            });
        return result!;
    }

    private static string Eta(SweepProgress p) => p.Remaining is TimeSpan t ? $", ETA {t:hh\\:mm\\:ss}" : "";

    private static string Describe(SweepCellResult c)
    {
        string outcome = c.DivergedRound is long d ? $"diverged in round {d}"
            : $"{G(c.InitialValidationLoss, "F3")} → {G(c.FinalValidationLoss, "F3")} {(c.Stable ? "stable" : "unstable")}";
        return $"H={c.Cell.InnerSteps} K={c.Cell.RestartLabel} lr={G(c.Cell.OuterLr)} β={G(c.Cell.OuterMomentum)}: {outcome} ({c.Seconds:F1} s)";
    }

    private static void PrintSummary(Terminal terminal, SweepResult result, string folder, IReadOnlyList<string> figures)
    {
        SweepOptions o = result.Options;
        RestartSchedule k = o.Restart;
        string with = k is PeriodicRestart p ? $"K = {p.Rounds}" : Markup.Escape(SweepCell.Label(k));
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"[bold]stable area[/] (final val loss ≤ {G(1 - o.Criterion.Margin)} × initial; cells of {o.GridSize})");
        table.AddColumns(k is not NeverRestart ? ["H", "without restart", $"with restart ({with})", "only with", "only without", "diverged without / with", "loss cost of restart (cells stable both)"] : ["H", "without restart", "diverged"]);
        foreach (int h in o.InnerStepsList)
        {
            SweepCellResult[,] none = result.Grid(h, RestartSchedule.Never);
            if (k is NeverRestart)
            {
                table.AddRow(h.ToString(CultureInfo.InvariantCulture), Count(none, c => c.Stable), Number(none, c => c.Diverged));
                continue;
            }

            SweepCellResult[,] restarted = result.Grid(h, k);
            int onlyWith = 0, onlyWithout = 0;
            for (int i = 0; i < none.GetLength(0); i++)
            {
                for (int j = 0; j < none.GetLength(1); j++)
                {
                    onlyWith += restarted[i, j].Stable && !none[i, j].Stable ? 1 : 0;
                    onlyWithout += none[i, j].Stable && !restarted[i, j].Stable ? 1 : 0;
                }
            }

            table.AddRow(h.ToString(CultureInfo.InvariantCulture), Count(none, c => c.Stable), Count(restarted, c => c.Stable),
                onlyWith.ToString(CultureInfo.InvariantCulture), onlyWithout.ToString(CultureInfo.InvariantCulture),
                $"{Number(none, c => c.Diverged)} / {Number(restarted, c => c.Diverged)}",
                result.RestartLossCost(h, k) is (double cost, int n) && n > 0 ? $"{cost:+0.000;-0.000} nats ({n} cells)" : "none stable both ways");
        }

        terminal.Console.Write(table);
        terminal.Out.WriteLine($"{result.Trained} cells trained, {result.Resumed} taken from {folder}; {result.Seconds:F1} s.");
        terminal.Out.WriteLine($"outputs: {Path.Combine(folder, SweepFolder.CellsFile)}, {Path.Combine(folder, "stable-area.csv")}, {string.Join(", ", figures)}");
    }

    private static string Number(SweepCellResult[,] grid, Func<SweepCellResult, bool> predicate) =>
        grid.Cast<SweepCellResult>().Count(predicate).ToString(CultureInfo.InvariantCulture);

    private static string Count(SweepCellResult[,] grid, Func<SweepCellResult, bool> predicate) =>
        $"{grid.Cast<SweepCellResult>().Count(predicate)}/{grid.Length}";
}
