using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Loco.Cli.Output;
using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Reports.Tables;
using Loco.Reports.Figures;
using Loco.Torch.Data;
using Loco.Torch.Models;
using Loco.Torch.Training;
using Spectre.Console;

namespace Loco.Cli.Commands;

/// <summary>
/// <c>loco train</c>: trains a LLaMA-style language model with a member of the two-phase family (DiLoCo by default),
/// M workers in this process; writes train.csv, loss.png and checkpoints; reports the gap to the entropy floor.
/// </summary>
internal sealed class TrainCommand
{
    // Defaults of `loco train` with no arguments: tiny model, generated Markov text, DiLoCo with M = 2, H = 20.
    public const int DefaultSteps = 360;
    public const int DefaultContext = 32;
    public const int DefaultBatch = 16;
    public const double DefaultInnerLr = 2e-3;
    public const int DefaultWorkers = 2;
    public const int DefaultInnerSteps = 20;
    public const int DefaultLetters = 400_000;
    public const double ValidationFraction = 0.05;

    private readonly FamilyOptions _family = new();
    private readonly Option<string?> _model = Options.Text("--model", "Model shape: tiny (~0.9M weights), small (~10.7M), 150m (hidden 1024, 12 layers, 16 heads, FFN 4096). Default: tiny.");
    private readonly Option<string?> _corpus = Options.Text("--corpus",
        "Training text: a file (.txt, .jsonl, .jsonl.gz, or a .bin token file) or a folder of them; the last 5% of tokens are the validation split. " +
        $"Default: {DefaultLetters:N0} letters of a generated order-2 Markov source over 12 letters, whose entropy rate is the loss floor.");
    private readonly Option<string?> _tokenizer = Options.Text("--tokenizer", "How text becomes tokens: byte, cl100k_base, o200k_base. Default: byte.");
    private readonly Option<int?> _steps = Options.Int("--steps", $"Inner steps per worker over the whole run (rounded down to whole rounds of H). Default: {DefaultSteps}.");
    private readonly Option<int?> _context = Options.Int("--context", $"T, tokens per training row. Default: {DefaultContext}.");
    private readonly Option<int?> _evalEvery = Options.Int("--eval-every", "Validation loss of the global weights every this many rounds (and after the last); 0 = only at the end. Default: 1.");
    private readonly Option<int?> _warmup = Options.Int("--warmup", "Linear warmup of the inner learning rate, in inner steps; then cosine decay to 10% at the last step. Default: 5% of --steps.");
    private readonly Option<double?> _clip = Options.Double("--clip", "Clip each worker's gradient norm to this before every inner step (0 = no clipping). Default: 1.");
    private readonly Option<int?> _threads = Options.Int("--threads", "TorchSharp threads on the CPU (≥ 1); results are identical run to run for a given count. Default: 1 (fastest on a small shared machine).");
    private readonly Option<string?> _device = Options.Text("--device", "cpu or cuda. Default: cpu.");
    private readonly Option<ulong?> _seed = Options.Seed("--seed", "Seed of the initial weights and the data streams (identical runs for a seed on one machine). Default: 1.");
    private readonly Option<string?> _out = Options.Text("--out", "Output folder: train.csv, loss.png, checkpoint/. Default: loco-out/train.");
    private readonly Option<int?> _checkpointEvery = Options.Int("--checkpoint-every", "Write a checkpoint every this many rounds (and at the end); 0 = only at the end. Default: 0.");
    private readonly Option<string?> _resume = Options.Text("--resume", "Continue from this checkpoint folder (or an --out folder holding checkpoint/), bit-identically to an uninterrupted run; the other flags must describe the same run.");

    public Command Build(Terminal terminal)
    {
        var command = new Command("train",
            "Trains a LLaMA-style language model (RMSNorm, rotary attention, SwiGLU) with a two-phase optimizer — by default DiLoCo: " +
            "inner AdamW, outer Nesterov α=0.7, β=0.9, M=2 workers on disjoint shards, H=20 — and reports the validation loss " +
            "against the entropy floor of the generated corpus. Losses are in nats per token. Defaults of the family flags for train: " +
            $"inner AdamW η = {DefaultInnerLr} (warmup, cosine decay to 10%), outer Nesterov α = 0.7, β = 0.9, M = {DefaultWorkers}, H = {DefaultInnerSteps}, B = {DefaultBatch}.");
        DescribeTrainDefaults();
        foreach (Option option in new Option[] { _model, _corpus, _tokenizer, _steps, _context }.Concat(_family.All)
                     .Concat([_evalEvery, _warmup, _clip, _threads, _device, _seed, _out, _checkpointEvery, _resume]))
        {
            command.Options.Add(option);
        }

        command.SetAction(r => Execute(r, terminal));
        return command;
    }

    /// <summary>The shared family flags state simulate's defaults; train has its own (DiLoCo, M = 2, H = 20).</summary>
    private void DescribeTrainDefaults()
    {
        _family.InnerLr.Description = $"η, the inner learning rate (peak, after warmup; > 0). Default: {DefaultInnerLr} with adamw, 0.5 with sgd, momentum or nesterov.";
        _family.InnerSteps.Description = $"H, inner steps each worker takes per round (≥ 1). Default: {DefaultInnerSteps} (1 for --preset sgd).";
        _family.Workers.Description = $"M, number of workers, each on its own shard (≥ 1). Default: {DefaultWorkers} (1 for --preset sgd or la).";
        _family.Batch.Description = $"B, rows of --context tokens per minibatch per worker (≥ 1). Default: {DefaultBatch}.";
        _family.OuterLr.Description = "α, the outer learning rate (> 0); ν in the EMA form. Default: 0.7 (1 with --outer none).";
        _family.OuterMomentum.Description = "β, the outer momentum, in [0, 1). Default: 0.9 (0 with --outer none).";
        _family.Outer.Description = "Outer step: none (s ← s − αΔ), heavy-ball, nesterov. Default: nesterov (none when --outer-momentum is 0).";
        _family.Inner.Description = "Inner optimizer: sgd, momentum (heavy-ball), nesterov, adamw (PyTorch semantics). Default: adamw.";
    }

    private FamilyConfig ReadFamily(ParseResult r)
    {
        FamilySettings given = _family.ReadSettings(r);
        if (given.Preset is null)
        {
            // Without a preset, train defaults to DiLoCo: inner AdamW, outer Nesterov α = 0.7, β = 0.9.
            given = given with
            {
                InnerKind = given.InnerKind ?? InnerKind.AdamW,
                OuterKind = given.OuterKind ?? (given.OuterMomentum is 0 ? OuterKind.Plain : OuterKind.Nesterov),
            };
            given = given with
            {
                OuterMomentum = given.OuterMomentum ?? (given.OuterKind == OuterKind.Plain ? 0.0 : 0.9),
                OuterLr = given.OuterLr ?? (given.OuterKind == OuterKind.Plain ? 1.0 : 0.7),
            };
        }

        bool adamw = (given.InnerKind ?? (given.Preset == Preset.Diloco ? InnerKind.AdamW : InnerKind.Sgd)) == InnerKind.AdamW;
        return (given with
        {
            Workers = given.Workers ?? (given.Preset is Preset.Sgd or Preset.La ? null : DefaultWorkers),
            InnerSteps = given.InnerSteps ?? (given.Preset == Preset.Sgd ? null : DefaultInnerSteps),
            BatchSize = given.BatchSize ?? DefaultBatch,
            InnerLr = given.InnerLr ?? (adamw ? DefaultInnerLr : null),
        }).Resolve();
    }

    private int Execute(ParseResult r, Terminal terminal)
    {
        // Everything is read and checked before anything is trained or written.
        FamilyConfig family = ReadFamily(r);
        string method = r.GetValue(_family.Preset)?.ToLowerInvariant() ?? "diloco";
        int steps = r.GetValue(_steps) ?? DefaultSteps;
        var options = new TrainingOptions
        {
            Model = LlamaConfig.Preset(r.GetValue(_model) ?? "tiny"),
            Family = family,
            Context = r.GetValue(_context) ?? DefaultContext,
            Steps = steps,
            EvalEvery = r.GetValue(_evalEvery) ?? 1,
            WarmupSteps = r.GetValue(_warmup) ?? steps / 20,
            ClipNorm = r.GetValue(_clip) ?? 1.0,
            Seed = r.GetValue(_seed) ?? 1,
            Device = r.GetValue(_device) ?? "cpu",
            Threads = r.GetValue(_threads) ?? 1,
        };
        if (!double.IsFinite(options.ClipNorm) || options.ClipNorm < 0)
        {
            throw new InvalidInputException("--clip", $"must be a non-negative number (got {options.ClipNorm}).");
        }

        int checkpointEvery = r.GetValue(_checkpointEvery) ?? 0;
        if (checkpointEvery < 0)
        {
            throw new InvalidInputException("--checkpoint-every", $"must be 0 (only at the end) or a positive number of rounds (got {checkpointEvery}).");
        }

        options.Validate();
        LanguageModelTraining.ResolveDevice(options.Device);
        string outFolder = r.GetValue(_out) ?? Path.Combine("loco-out", "train");
        TokenCorpus corpus = LoadCorpus(r.GetValue(_corpus), r.GetValue(_tokenizer) ?? Tokenizers.Default);
        options = options with { Model = options.Model with { VocabularySize = corpus.VocabularySize, MaxContext = Math.Max(options.Context, 1) } };

        using LanguageModelTraining run = LanguageModelTraining.Create(corpus, options);
        var history = new List<RoundReport>();
        string? resume = r.GetValue(_resume);
        if (resume is not null)
        {
            history.AddRange(TrainingCheckpoint.Load(resume, run));
        }
        else
        {
            history.Add(new RoundReport(0, double.NaN, run.Evaluate(), 0));
        }

        terminal.Out.WriteLine($"loco train: {corpus.Name}; model {r.GetValue(_model) ?? "tiny"} ({run.ParameterCount:N0} weights); {family}; " +
                               $"{options.Rounds} rounds of H = {family.InnerSteps}, context {options.Context}, device {options.Device}.");
        string checkpointFolder = Path.Combine(outFolder, "checkpoint");
        var clock = Stopwatch.StartNew();
        double secondsBefore = history.Count > 0 ? history[^1].Seconds : 0;
        TrainingDivergedException? diverged = null;
        long tokens = history.Sum(h => h.Items);
        long tokensAtStart = tokens;

        void Train(Action<RoundReport, double>? onRound)
        {
            while (run.Trainer.CompletedRounds < options.Rounds)
            {
                RoundReport report;
                try
                {
                    report = run.RunRound();
                }
                catch (TrainingDivergedException ex)
                {
                    diverged = ex;
                    return;
                }

                if (run.Trainer.CompletedRounds == options.Rounds && double.IsNaN(report.ValidationLoss))
                {
                    report = report with { ValidationLoss = run.Evaluate() };
                }

                tokens += report.Items;
                report = report with { Seconds = secondsBefore + clock.Elapsed.TotalSeconds };
                history.Add(report);
                onRound?.Invoke(report, (tokens - tokensAtStart) / clock.Elapsed.TotalSeconds);
                bool last = run.Trainer.CompletedRounds == options.Rounds;
                if (last || (checkpointEvery > 0 && report.Round % checkpointEvery == 0))
                {
                    TrainingCheckpoint.Save(checkpointFolder, run, history);
                }
            }
        }

        if (terminal.Interactive)
        {
            terminal.Console.Progress().AutoClear(true)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    ProgressTask task = ctx.AddTask("training", maxValue: options.Rounds);
                    task.Value = run.Trainer.CompletedRounds;
                    Train((report, rate) =>
                    {
                        task.Value = report.Round;
                        task.Description = $"round {report.Round}/{options.Rounds} step {report.Round * family.InnerSteps} loss {report.TrainLoss:F3} {rate:N0} tok/s";
                    });
                });
        }
        else
        {
            Train(null);
        }

        WriteOutputs(outFolder, method, r.GetValue(_model) ?? "tiny", options, history, corpus.EntropyFloorNats);
        if (diverged is not null)
        {
            terminal.Error.WriteLine($"loco train: diverged at round {diverged.Round}, step {diverged.Step} (worker {diverged.Worker}, loss {diverged.Loss}); " +
                                     $"train.csv holds rounds 0..{run.Trainer.CompletedRounds}; the last good checkpoint (if any) is kept in {checkpointFolder}.");
            return ExitCodes.Diverged;
        }

        PrintSummary(terminal, run, history, corpus.EntropyFloorNats, outFolder);
        return ExitCodes.Ok;
    }

    internal static TokenCorpus LoadCorpus(string? path, string tokenizerName)
    {
        ITokenizer tokenizer;
        try
        {
            tokenizer = Tokenizers.Create(tokenizerName);
        }
        catch (InvalidInputException ex) when (ex.Subject != "--tokenizer")
        {
            throw new InvalidInputException("--tokenizer", ex.Problem);
        }

        if (path is null)
        {
            return CorpusLoader.Generated(new MarkovSource(MarkovSourceOptions.Default), DefaultLetters, ValidationFraction, tokenizer);
        }

        return CorpusLoader.Load(path, tokenizer, ValidationFraction, subject: "--corpus");
    }

    internal static string CsvHeader => "method,model,inner_lr,inner_steps,workers,batch,context,outer_lr,outer_momentum,outer,outer_form,restart_period,round,inner_step,train_loss,val_loss,tokens,seconds";

    private static void WriteOutputs(string folder, string method, string model, TrainingOptions options, List<RoundReport> history, double? floor)
    {
        FamilyConfig c = options.Family;
        static string N(double v) => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "";
        string settings = string.Join(',', method, model, N(c.InnerLr), c.InnerSteps, c.Workers, c.BatchSize, options.Context, N(c.OuterLr),
            N(c.OuterMomentum), c.OuterKind.Name(), c.OuterForm.Name(), c.RestartPeriod);
        var text = new StringBuilder().AppendLine(CsvHeader);
        long tokens = 0;
        foreach (RoundReport h in history)
        {
            tokens += h.Items;
            text.Append(settings).Append(',').Append(h.Round).Append(',').Append(h.Round * c.InnerSteps).Append(',')
                .Append(N(h.TrainLoss)).Append(',').Append(N(h.ValidationLoss)).Append(',').Append(tokens).Append(',')
                .Append(h.Seconds.ToString("F3", CultureInfo.InvariantCulture)).AppendLine();
        }

        Files.Write("--out", () => OutputFile.Write(Path.Combine(folder, "train.csv"), text.ToString()));
        double[] rounds = [.. history.Select(h => (double)h.Round)];
        Files.Write("--out", () => LinePlot.SavePng(Path.Combine(folder, "loss.png"), $"loco train: {model}, {method}", "round", "loss (nats per token)",
            [new LineSeries("train", rounds, [.. history.Select(h => h.TrainLoss)]), new LineSeries("validation", rounds, [.. history.Select(h => h.ValidationLoss)])],
            references: floor is double f ? [new ReferenceLine("entropy floor", f)] : null));
    }

    private static void PrintSummary(Terminal terminal, LanguageModelTraining run, List<RoundReport> history, double? floor, string folder)
    {
        RoundReport last = history[^1];
        double validation = history.Last(h => !double.IsNaN(h.ValidationLoss)).ValidationLoss;
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]loco train[/]");
        table.AddColumns("quantity", "value");
        table.AddRow("rounds", $"{last.Round} (H = {run.Options.Family.InnerSteps}, M = {run.Options.Family.Workers})");
        table.AddRow("tokens", history.Sum(h => h.Items).ToString("N0"));
        table.AddRow("seconds", last.Seconds.ToString("F1"));
        table.AddRow("final train loss", last.TrainLoss.ToString("F4"));
        table.AddRow("final validation loss", validation.ToString("F4"));
        if (floor is double f)
        {
            table.AddRow("entropy floor", f.ToString("F4"));
            table.AddRow("gap to floor", (validation - f).ToString("F4"));
        }

        long perRound = run.Trainer.BytesPerWorkerPerRound;
        table.AddRow("sent per worker per round", $"{perRound:N0} bytes (one fp32 pseudo-gradient; data-parallel would send {perRound * run.Options.Family.InnerSteps:N0})");
        table.AddRow("outputs", Markup.Escape($"{Path.Combine(folder, "train.csv")}, {Path.Combine(folder, "loss.png")}, {Path.Combine(folder, "checkpoint")}"));
        terminal.Console.Write(table);
    }
}
