using System.CommandLine;
using System.CommandLine.Parsing;
using System.Net;
using System.Runtime.InteropServices;
using Loco.Cli.Output;
using Loco.Cluster;
using Loco.Cluster.Hosting;
using Loco.Cluster.Protocol;
using Loco.Cluster.Security;
using Loco.Cluster.Storage;
using Loco.Core.Family;
using Loco.Reports.Figures;
using Loco.Reports.Tables;
using Loco.Torch.Data;
using Loco.Torch.Models;
using Loco.Torch.Training;
using Spectre.Console;

namespace Loco.Cli.Commands;

/// <summary>
/// <c>loco train</c>: trains a LLaMA-style language model with a member of the two-phase family (DiLoCo by default,
/// <see cref="TrainingDefaults"/>), M workers in this process, through the one training loop
/// (<see cref="LanguageModelTraining.Train"/>); writes train.csv (a row per round as it finishes), loss.png and
/// checkpoints; stops cleanly on Ctrl-C; resumes from its folder alone.
/// </summary>
internal sealed class TrainCommand(bool coordinator = false)
{
    private readonly FamilyOptions _family = new();
    private readonly CodecOptions _codec = new();
    private readonly FragmentOptions _fragments = new();
    private readonly Option<int?> _processes = Options.Int("--processes",
        "Run the workers in this many separate processes on this machine (one worker each; --workers defaults to it): starts `loco coordinator` and the " +
        "`loco worker` processes, shows their progress, and stops them all when done or on Ctrl-C. Gives the same losses and weights as the in-process run.");
    private readonly Option<string?> _listen = Options.Text("--listen", "HOST:PORT where workers join (the Orleans gateway); the silo-to-silo port is PORT+1 and the data plane (the chunks' TCP stream) PORT+2. Default: 127.0.0.1:11111.");
    private readonly Option<string?> _store = Options.Text("--store", "Where the committed rounds survive the coordinator: file (under --out/cluster, the default) or redis (Orleans membership and the manifest in Redis; blobs under --out/cluster/blobs).");
    private readonly Option<string?> _redis = Options.Text("--redis", "HOST:PORT of the Redis server for --store redis.");
    private readonly Option<int?> _minWorkers = Options.Int("--min-workers",
        "The fewest workers a round may commit over: a worker lost in a round (its lease expired) is dropped and the round commits over those that uploaded, " +
        "if they are at least this many; otherwise it waits for workers to (re)join. Default: all (--workers).");
    private readonly Option<double?> _lease = Options.Double("--lease", "Seconds without a heartbeat (workers send one a second) after which a worker is taken for dead and its slot freed for a rejoin. Default: 10.");
    private readonly Option<int?> _shards = Options.Int("--shards", "Shards the flat weights are cut into (each a grain that holds its slice of the weights and outer momentum and takes the outer step). Default: 2.");
    private readonly Option<string?> _model = Options.Text("--model", "Model shape: tiny (~0.9M weights), small (~10.7M), 150m (hidden 1024, 12 layers, 16 heads, FFN 4096). Default: tiny.");
    private readonly Option<string?> _corpus = Options.Text("--corpus",
        "Training text: a file (.txt, .jsonl, .jsonl.gz, or a .bin token file) or a folder of them, in UTF-8; the last 5% of tokens are the validation split. " +
        $"Default: {TrainingDefaults.Letters:N0} letters of a generated order-2 Markov source over 12 letters, whose entropy rate is the loss floor.");
    private readonly Option<string?> _tokenizer = Options.Text("--tokenizer",
        "How text becomes tokens: byte, cl100k_base, o200k_base. Default: byte on UTF-8 text; --tokenizer byte given explicitly reads the files' raw bytes, UTF-8 or not.");
    private readonly Option<int?> _steps = Options.Int("--steps", $"Inner steps per worker over the whole run (rounded down to whole rounds of H). Default: {TrainingDefaults.Steps}.");
    private readonly Option<int?> _rounds = Options.Int("--rounds", "Rounds (outer steps) of the run, as on simulate, theory, ntk and sweep: --steps is then rounds × H. Give --rounds or --steps, not both.");
    private readonly Option<int?> _context = Options.Int("--context", $"T, tokens per training row. Default: {TrainingDefaults.Context}.");
    private readonly Option<int?> _evalEvery = Options.Int("--eval-every", "Validation loss of the global weights every this many rounds (and after the last); 0 = only at the end. Default: 1.");
    private readonly Option<int?> _warmup = Options.Int("--warmup", "Linear warmup of the inner learning rate, in inner steps; then --lr-schedule's shape. Default: 5% of --steps.");
    private readonly Option<string?> _schedule = Options.Text("--lr-schedule",
        "The inner learning rate after its warmup: constant, cosine (down to 10% of the peak at the last step), linear (straight down to 10%), or wsd[:F] (warmup-stable-decay: the peak until the last fraction F of the steps, default 0.2, then straight down to 10%). Default: cosine.");
    private readonly Option<double?> _clip = Options.Double("--clip", "Clip each worker's gradient norm to this before every inner step (0 = no clipping). Default: 1.");
    private readonly Option<int?> _threads = Options.Int("--threads", "TorchSharp threads on the CPU (≥ 1); results are identical run to run for a given count. Default: 1 (fastest on a small shared machine).");
    private readonly Option<string?> _device = Options.Text("--device", "cpu or cuda. Default: cpu.");
    private readonly Option<string?> _precision = Options.Text("--precision",
        "fp32, bf16 or fp16: the precision of the forward and backward pass (matrix products and attention, as PyTorch's autocast; the embedding, norms, " +
        "softmax and loss stay fp32). Weights, gradients, optimizer state, pseudo-gradients and the outer step stay fp32; fp16 adds dynamic loss scaling. Default: fp32.");
    private readonly Option<int?> _checkEvery = Options.Int("--check-every",
        "Read the workers' losses back from the device every this many inner steps to stop on a non-finite one; 0 = once per round, before the weights are " +
        "averaged (a GPU step never waits for the host; the round and step of a divergence are reported all the same). Does not change the results. Default: 0.");
    private readonly Option<ulong?> _seed = Options.Seed("--seed", "Seed of the initial weights and the data streams (identical runs for a seed on one machine). Default: 1.");
    private readonly Option<string?> _out = Options.Text("--out", "Output folder: train.csv, loss.png, checkpoint/. A folder that holds another run is refused unless --overwrite. Default: loco-out/train.");
    private readonly Option<bool> _overwrite = Options.Flag("--overwrite", "Replace the run an --out folder already holds (its train.csv, loss.png and checkpoint).");
    private readonly Option<int?> _checkpointEvery = Options.Int("--checkpoint-every", "Write a checkpoint every this many rounds (and at the end, and on Ctrl-C); 0 = only then. Default: 0.");
    private readonly Option<string?> _resume = Options.Text("--resume",
        "Continue the run in this folder (an --out folder, or its checkpoint/) from its last checkpoint, bit-identically to an uninterrupted run; " +
        "every setting comes from the checkpoint, and a flag given again must agree with it.");

    private readonly Option<bool> _json = Options.Flag("--json", "Print the run's summary as JSON on standard output (the progress lines go to standard error).");
    private readonly Option<string?> _cert = CertificateFlag.Create();
    private readonly Option<bool> _insecure = CertificateFlag.CreateInsecure();
    private readonly Option<string?> _dashboard = Options.Text("--dashboard",
        "PORT or HOST:PORT of a status page (round, workers with their last contact and contributions, loss curve, bytes per round, events), served by the coordinator; a bare PORT listens on --listen's address. Default: none.");

    private Command? _command;

    /// <summary>The flags that are not settings of the run: they may differ on resume and are not saved.</summary>
    private readonly Option<string?> _config = ConfigFile.CreateOption();
    private readonly Option<string?> _logFormat = Options.Text("--log-format",
        "text (a line per round when the output is not a terminal) or json (a JSON object per round, through Microsoft.Extensions.Logging's JSON console formatter: round, losses, tokens, tokens/s, bytes sent, outer-step norm, restart). Default: text.");
    private readonly Option<bool> _printConfig = Options.Flag("--print-config",
        "Print the run's effective settings (the --config file with the command line's flags applied) as a config file's JSON, check them, and exit.");

    private IEnumerable<Option> SessionFlags => [_config, _printConfig, _logFormat, _checkEvery, _out, _overwrite, _checkpointEvery, _resume, _json, _processes, _listen, _store, _redis, _shards, _minWorkers, _lease, _cert, _insecure, _dashboard];

    private IEnumerable<Option> All =>
        new Option[] { _model, _corpus, _tokenizer, _steps, _rounds, _context }.Concat(_family.All).Concat(_codec.All).Concat(_fragments.All)
            .Concat([_evalEvery, _warmup, _schedule, _clip, _threads, _device, _precision, _checkEvery, _seed, _out, _overwrite, _json, _config, _printConfig, _logFormat])
            .Concat(coordinator ? [_listen, _store, _redis, _shards, _minWorkers, _lease, _cert, _insecure, _dashboard, _resume] : [_checkpointEvery, _resume, _processes, _store, _redis, _shards, _minWorkers, _lease, _cert, _dashboard]);

    public Command Build(Terminal terminal)
    {
        var command = coordinator ? new Command("coordinator",
            "Holds a training run for workers in other processes or on other machines (Microsoft Orleans): the run grain (worker slots, the round " +
            "barrier, the restart counters, the manifest of committed rounds) and the shard grains (each a slice of the global weights and of the outer " +
            "momentum, to which it applies the outer step). Takes every `loco train` setting; waits for --workers `loco worker --join HOST:PORT` " +
            "processes; writes train.csv, loss.png and the final checkpoint in --out as `loco train` does.") : new Command("train",
            "Trains a LLaMA-style language model (RMSNorm, rotary attention, SwiGLU) with a two-phase optimizer — by default DiLoCo: " +
            "inner AdamW, outer Nesterov α=0.7, β=0.9, M=2 workers on disjoint shards, H=20 — and reports the validation loss " +
            "against the entropy floor of the generated corpus. Losses are in nats per token. Ctrl-C stops after the current round " +
            "with a checkpoint; --resume DIR continues. Defaults of the family flags for train: " +
            $"inner AdamW η = {TrainingDefaults.InnerLr} (warmup, cosine decay to 10%), outer Nesterov α = 0.7, β = 0.9, " +
            $"M = {TrainingDefaults.Workers}, H = {TrainingDefaults.InnerSteps}, B = {TrainingDefaults.Batch}.");
        DescribeTrainDefaults();
        foreach (Option option in All)
        {
            command.Options.Add(option);
        }

        command.SetAction(r => Execute(r, terminal));
        _command = command;
        return command;
    }

    /// <summary>The shared family flags state simulate's defaults; train has its own (<see cref="TrainingDefaults"/>).</summary>
    private void DescribeTrainDefaults()
    {
        _family.InnerLr.Description = $"η, the inner learning rate (peak, after warmup; > 0). Default: {TrainingDefaults.InnerLr} with adamw, 0.5 with sgd, momentum or nesterov.";
        _family.InnerSteps.Description = $"H, inner steps each worker takes per round (≥ 1). Default: {TrainingDefaults.InnerSteps} (1 for --preset sgd).";
        _family.Workers.Description = $"M, number of workers, each on its own shard (≥ 1). Default: {TrainingDefaults.Workers} (1 for --preset sgd or la).";
        _family.Batch.Description = $"B, rows of --context tokens per minibatch per worker (≥ 1). Default: {TrainingDefaults.Batch}.";
        _family.OuterLr.Description = "α, the outer learning rate (> 0); ν in the EMA form. Default: 0.7 (1 with --outer plain).";
        _family.OuterMomentum.Description = "β, the outer momentum, in [0, 1). Default: 0.9 (0 with --outer plain).";
        _family.Outer.Description = $"Outer step: plain (s ← s − αΔ), heavy-ball, nesterov. {Options.OuterKindDefault} (train's outer momentum defaults to 0.9, so nesterov).";
        _family.Inner.Description = "Inner optimizer: sgd, momentum (heavy-ball), nesterov, adamw (PyTorch semantics). Default: adamw.";
    }

    /// <summary>Everything the flags decide, read and checked (the corpus not yet loaded).</summary>
    private sealed record Setup(string Method, string Model, string? Corpus, string Tokenizer, bool RawBytes, TrainingOptions Options);

    private Setup Read(ParseResult r, IReadOnlyDictionary<string, string> flags)
    {
        FamilyConfig family = TrainingDefaults.Family(_family.ReadSettings(r));
        int steps = Steps(r.GetValue(_steps), r.GetValue(_rounds), family.InnerSteps);
        int context = r.GetValue(_context) ?? TrainingDefaults.Context;
        string model = (r.GetValue(_model) ?? TrainingDefaults.Model).Trim().ToLowerInvariant();
        (ScheduleKind Kind, double DecayFraction) schedule = r.GetValue(_schedule) is string s ? LearningRateSchedule.Parse(s) : (ScheduleKind.Cosine, 0.2);
        var options = new TrainingOptions
        {
            Model = LlamaConfig.Preset(model, maxContext: Math.Max(context, 1)),
            Family = family,
            Context = context,
            Steps = steps,
            EvalEvery = r.GetValue(_evalEvery) ?? 1,
            WarmupSteps = r.GetValue(_warmup) ?? steps / 20,
            Schedule = schedule.Kind,
            DecayFraction = schedule.DecayFraction,
            ClipNorm = r.GetValue(_clip) ?? 1.0,
            Seed = r.GetValue(_seed) ?? 1,
            Device = r.GetValue(_device) ?? "cpu",
            Threads = r.GetValue(_threads) ?? 1,
            Precision = r.GetValue(_precision) is string precision ? Precisions.Parse(precision) : Precision.Fp32,
            CheckEvery = r.GetValue(_checkEvery) ?? 0,
            Flags = flags,
        };
        (Loco.Core.Codecs.CodecSpec codec, bool feedback) = _codec.Read(r);
        options = options with { Codec = codec, ErrorFeedback = feedback, Fragments = _fragments.Read(r) };
        options.Validate();
        string tokenizer = (r.GetValue(_tokenizer) ?? Tokenizers.Default).Trim().ToLowerInvariant();
        bool raw = r.GetValue(_tokenizer) is not null && tokenizer == "byte";
        string? corpus = r.GetValue(_corpus) is string c ? Path.GetFullPath(c) : null;
        return new Setup(Presets.Label(options.Family), model, corpus, tokenizer, raw, options);
    }

    /// <summary>Inner steps per worker: --steps, or --rounds × H (the two flags count the same run; one of them at most).</summary>
    private static int Steps(int? steps, int? rounds, int innerSteps)
    {
        if (rounds is not int k)
        {
            return steps ?? TrainingDefaults.Steps;
        }

        if (steps is not null)
        {
            throw new InvalidInputException("--rounds", "give --rounds or --steps (inner steps per worker, = rounds × H), not both.");
        }

        InputChecks.AtLeastOne(k, "--rounds", "number of rounds");
        long total = (long)k * innerSteps;
        return total <= int.MaxValue ? (int)total
            : throw new InvalidInputException("--rounds", $"{k} rounds of H = {innerSteps} are {total:N0} inner steps, more than {int.MaxValue:N0}.");
    }

    /// <summary>The settings flags given on the command line (flag → value as given; the corpus as a full path).</summary>
    private Dictionary<string, string> GivenFlags(ParseResult r)
    {
        HashSet<Option> session = [.. SessionFlags];
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Option option in All.Where(o => !session.Contains(o)))
        {
            if (r.GetResult(option) is OptionResult { Implicit: false } given)
            {
                flags[option.Name] = given.Tokens.Count > 0 ? given.Tokens[^1].Value : "true";
            }
        }

        if (flags.TryGetValue(_corpus.Name, out string? corpus))
        {
            flags[_corpus.Name] = Path.GetFullPath(corpus);
        }

        return flags;
    }

    /// <summary>What a setup computes, flag by flag, to compare a resumed command line with the saved one.</summary>
    private static Dictionary<string, string> Resolved(Setup s)
    {
        TrainingOptions o = s.Options;
        FamilyConfig f = o.Family;
        static string R(double v) => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        return new Dictionary<string, string>
        {
            ["--model"] = s.Model, ["--corpus"] = s.Corpus ?? "(generated)", ["--tokenizer"] = s.Tokenizer + (s.RawBytes ? " (raw bytes)" : ""),
            ["--steps"] = $"{o.Steps}", ["--rounds"] = $"{o.Rounds}", ["--context"] = $"{o.Context}", ["--eval-every"] = $"{o.EvalEvery}", ["--warmup"] = $"{o.WarmupSteps}",
            ["--lr-schedule"] = new LearningRateSchedule(0) { Kind = o.Schedule, DecayFraction = o.DecayFraction }.Spec,
            ["--clip"] = R(o.ClipNorm), ["--threads"] = $"{o.Threads}", ["--device"] = o.Device.Trim().ToLowerInvariant(), ["--seed"] = $"{o.Seed}",
            ["--precision"] = o.Precision.Name(),
            ["--inner-lr"] = R(f.InnerLr), ["--inner-steps"] = $"{f.InnerSteps}", ["--workers"] = $"{f.Workers}", ["--batch"] = $"{f.BatchSize}",
            ["--outer-lr"] = R(f.OuterLr), ["--outer-momentum"] = R(f.OuterMomentum), ["--outer"] = $"{f.OuterKind}", ["--outer-form"] = $"{f.OuterForm}",
            ["--restart-period"] = f.Restart.Spec, ["--inner"] = $"{f.InnerKind}", ["--inner-momentum"] = R(f.InnerMomentum),
            ["--weight-decay"] = R(f.WeightDecay), ["--reset-inner-state"] = $"{f.ResetInnerState}",
            ["--compress"] = o.Codec.ToString(), ["--error-feedback"] = $"{o.ErrorFeedback}",
            ["--fragments"] = (o.Fragments ?? Loco.Core.Rounds.FragmentSchedule.None).ToString(),
        };
    }

    private ParseResult Parse(IReadOnlyDictionary<string, string> flags, string source)
    {
        var args = new List<string>();
        foreach ((string flag, string value) in flags)
        {
            args.Add(flag);
            args.Add(value);
        }

        ParseResult parsed = _command!.Parse(args);
        return parsed.Errors.Count == 0 ? parsed : throw new InvalidInputException("--resume", $"{source}: the saved flags do not parse ({parsed.Errors[0].Message}).");
    }

    /// <summary>
    /// The setup of <c>--resume DIR</c>: the saved flags, with any given again checked against them (a flag that would
    /// change the run is refused, naming it).
    /// </summary>
    private Setup ReadResumed(ParseResult r, IReadOnlyDictionary<string, string> saved, string source)
    {
        Setup original = Read(Parse(saved, source), saved);
        Dictionary<string, string> given = GivenFlags(r);
        if (given.Count == 0)
        {
            return original;
        }

        var merged = new Dictionary<string, string>(saved, StringComparer.Ordinal);
        foreach ((string flag, string value) in given)
        {
            // --rounds and --steps count the same thing: one given again replaces the other in the saved flags.
            if (flag == _rounds.Name)
            {
                merged.Remove(_steps.Name);
            }
            else if (flag == _steps.Name)
            {
                merged.Remove(_rounds.Name);
            }

            merged[flag] = value;
        }

        Dictionary<string, string> before = Resolved(original);
        Dictionary<string, string> after = Resolved(Read(Parse(merged, "the command line"), merged));
        string[] differ = [.. before.Keys.Where(k => before[k] != after[k])];
        if (differ.Length > 0)
        {
            string flag = differ.FirstOrDefault(given.ContainsKey) ?? differ[0];
            throw new InvalidInputException(flag,
                $"the run in {source} was trained with {string.Join(", ", differ.Select(k => $"{k} {before[k]}"))}; a resumed run takes every setting " +
                $"from its checkpoint, so leave {flag} out (or give the saved value).");
        }

        return original;
    }

    /// <summary>
    /// The data and settings of a run from its flags (as a coordinator sends them to its workers); <see cref="Build"/>
    /// first.
    /// </summary>
    internal (TokenCorpus Corpus, TrainingOptions Options) FromFlags(IReadOnlyDictionary<string, string> flags)
    {
        Setup setup = Read(Parse(flags, "the coordinator's flags"), flags);
        TokenCorpus corpus = LoadCorpus(setup.Corpus, setup.Tokenizer, setup.RawBytes);
        return (corpus, setup.Options with { Model = setup.Options.Model with { VocabularySize = corpus.VocabularySize } });
    }

    private int Execute(ParseResult r, Terminal terminal)
    {
        if (r.GetValue(_printConfig))
        {
            Dictionary<string, string> flags = GivenFlags(r);
            Read(r, flags); // a bad value is refused here, as the run would refuse it
            terminal.Out.WriteLine(ConfigFile.ToJson(flags));
            return ExitCodes.Ok;
        }

        if (coordinator)
        {
            return ExecuteCoordinator(r, terminal);
        }

        if (r.GetValue(_processes) is int processes)
        {
            if (r.GetValue(_resume) is not null)
            {
                throw new InvalidInputException("--processes", "a cluster run cannot be resumed with --resume yet; start it again.");
            }

            var cluster = new List<string>();
            foreach (Option option in new Option[] { _store, _redis, _shards, _minWorkers, _lease, _dashboard })
            {
                if (r.GetResult(option) is OptionResult { Implicit: false } given)
                {
                    cluster.AddRange([option.Name, given.Tokens[^1].Value]);
                }
            }

            Read(r, GivenFlags(r)); // bad settings (a codec, fragments that H cannot hold) are refused here, before any process starts
            string? cert = r.GetValue(_cert) is string c ? Path.GetFullPath(c) : null;
            CertificateFlag.Load(cert)?.Dispose(); // a bad file is refused here, before any process starts
            return ClusterProcesses.Run(terminal, processes, GivenFlags(r), cluster, r.GetValue(_out) ?? Path.Combine("loco-out", "train"), r.GetValue(_overwrite), r.GetValue(_json),
                cert);
        }

        foreach (Option option in new Option[] { _store, _redis, _shards, _minWorkers, _lease, _cert, _dashboard })
        {
            if (r.GetResult(option) is OptionResult { Implicit: false })
            {
                throw new InvalidInputException(option.Name, "is a setting of the cluster; give it with --processes N (or to loco coordinator).");
            }
        }

        // Everything is read and checked before anything is trained or written.
        bool jsonLog = LogFormatIsJson(r);
        string? resume = r.GetValue(_resume);
        string outFolder;
        Setup setup;
        if (resume is not null)
        {
            (IReadOnlyDictionary<string, string> saved, _, string checkpointFound) = TrainingCheckpoint.ReadFlags(resume);
            outFolder = RunFolderOf(resume);
            if (r.GetValue(_out) is string given && Path.GetFullPath(given) != Path.GetFullPath(outFolder))
            {
                throw new InvalidInputException("--out", $"a resumed run writes to its own folder {outFolder}; leave --out out (or give that folder).");
            }

            // The run folder's config.json holds the run's settings (as state.json does, for folders written before it);
            // the checkpoint still refuses settings other than those it was trained with.
            string config = Path.Combine(outFolder, "config.json");
            if (File.Exists(config))
            {
                saved = ConfigFile.Flags(config, _command!);
                checkpointFound = config;
            }

            setup = ReadResumed(r, saved, checkpointFound);
        }
        else
        {
            outFolder = r.GetValue(_out) ?? Path.Combine("loco-out", "train");
            setup = Read(r, GivenFlags(r));
        }

        int checkpointEvery = r.GetValue(_checkpointEvery) ?? 0;
        var loopCheck = new TrainingLoop { CheckpointEvery = checkpointEvery };
        OutFolder.EnsureWritable(outFolder);
        string checkpointFolder = Path.Combine(outFolder, TrainingCheckpoint.FolderName);
        bool overwrite = r.GetValue(_overwrite);
        if (resume is null && !overwrite && HoldsRun(outFolder) is string what)
        {
            throw new InvalidInputException("--out",
                $"the folder '{outFolder}' holds another run ({what}); continue it with --resume {outFolder}, replace it with --overwrite, or choose another --out.");
        }

        TokenCorpus corpus = LoadCorpus(setup.Corpus, setup.Tokenizer, setup.RawBytes);
        TrainingOptions options = setup.Options with { Model = setup.Options.Model with { VocabularySize = corpus.VocabularySize } };
        using LanguageModelTraining run = LanguageModelTraining.Create(corpus, options);
        OutFolder.EnsureSpace(outFolder, 2 * TrainingCheckpoint.EstimatedBytes(run), "a checkpoint (written beside the previous one)");
        long resumedAt = 0;
        if (resume is not null)
        {
            resumedAt = TrainingCheckpoint.Load(checkpointFolder, run);
        }
        else if (overwrite)
        {
            RemoveRun(outFolder);
        }

        bool json = r.GetValue(_json);
        TextWriter lines = json || jsonLog ? terminal.Error : terminal.Out;
        lines.WriteLine($"loco train: {corpus.Name}; model {setup.Model} ({run.ParameterCount:N0} weights); {options.Family}; " +
                               $"{options.Rounds} rounds of H = {options.Family.InnerSteps}, context {options.Context}, device {options.Device}{(options.Precision == Precision.Fp32 ? "" : $", {options.Precision.Name()}")}.");
        if (resume is not null)
        {
            lines.WriteLine($"loco train: resuming at round {resumedAt} of {options.Rounds} from {checkpointFolder}.");
        }

        var csv = new TrainCsv(Path.Combine(outFolder, "train.csv"), setup.Method, setup.Model, options, run.Trainer.EncodedBytesPerWorkerPerRound(options.Codec.Create().EncodedBytes));
        Files.Write("--out", () => csv.Begin(run.History));
        if (resume is null)
        {
            // The run's effective settings as a config file: `loco train --config DIR/config.json` runs it again.
            Files.Write("--out", () => File.WriteAllText(Path.Combine(outFolder, "config.json"), ConfigFile.ToJson(setup.Options.Flags ?? new Dictionary<string, string>()) + "\n"));
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(terminal.Cancellation);
        int interrupts = 0;
        using PosixSignalRegistration? sigint = terminal.OwnsProcess ? PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            if (Interlocked.Increment(ref interrupts) == 1)
            {
                // The first Ctrl-C stops after the current round, with a checkpoint; a second one ends the process.
                context.Cancel = true;
                terminal.Error.WriteLine("loco train: stopping after the current round (Ctrl-C again to quit at once, without a checkpoint).");
                stop.Cancel();
            }
        }) : null;

        long lastCheckpoint = resume is null ? -1 : resumedAt;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long tokensAtStart = run.Tokens;
        using Microsoft.Extensions.Logging.ILoggerFactory? logs = jsonLog ? JsonLogs(toStandardError: json) : null;
        Action<RoundReport>? progress = terminal.Interactive || jsonLog ? null : report =>
        {
            if (report.Round > 0)
            {
                lines.WriteLine(RoundLine(report, options, (run.Tokens - tokensAtStart) / clock.Elapsed.TotalSeconds));
            }
        };
        TrainingOutcome outcome;
        try
        {
            outcome = Train(terminal, run, loopCheck with
            {
                CheckpointFolder = checkpointFolder,
                Logger = logs?.CreateLogger("Loco.Training"),
                ModelName = setup.Model,
                MethodName = setup.Method,
                OnRound = report =>
                {
                    csv.Append(report);
                    progress?.Invoke(report);
                },
                OnCheckpoint = round => lastCheckpoint = round,
            }, stop.Token, tokensAtStart, clock);
        }
        catch (IOException ex)
        {
            string kept = lastCheckpoint >= 0 ? $"the last good checkpoint (round {lastCheckpoint}) is kept in {checkpointFolder}" : "no checkpoint was written";
            terminal.Error.WriteLine($"loco train: cannot write to {outFolder} ({ex.Message}); stopped after round {run.History[^1].Round}: " +
                                     $"{kept}, and train.csv holds the rounds finished before the failure." +
                                     (lastCheckpoint >= 0 ? $" Free some space, then continue with: loco train --resume {outFolder}" : ""));
            return ExitCodes.Failure;
        }

        WritePlot(outFolder, setup, options, run.History, corpus.EntropyFloorNats, outcome.Diverged);
        if (outcome.Diverged is { } diverged)
        {
            terminal.Error.WriteLine($"loco train: diverged at round {diverged.Round}, step {diverged.Step} (worker {diverged.Worker}, loss {diverged.Loss}); " +
                                     $"train.csv holds rounds 0..{run.Trainer.CompletedRounds}; the last good checkpoint (if any) is kept in {checkpointFolder}.");
            return ExitCodes.Diverged;
        }

        if (outcome.Stopped)
        {
            terminal.Error.WriteLine($"loco train: stopped after round {run.Trainer.CompletedRounds} of {options.Rounds}; checkpoint in {checkpointFolder}. " +
                                     $"Continue with: loco train --resume {outFolder}");
            return ExitCodes.Interrupted;
        }

        if (json)
        {
            terminal.Out.WriteLine(SummaryJson(setup, run, corpus.EntropyFloorNats, outFolder));
            return ExitCodes.Ok;
        }

        PrintSummary(terminal, run, corpus.EntropyFloorNats, outFolder);
        return ExitCodes.Ok;
    }

    private int ExecuteCoordinator(ParseResult r, Terminal terminal)
    {
        if (r.GetValue(_resume) is string resume)
        {
            return ResumeCoordinator(r, terminal, resume);
        }

        string outFolder = r.GetValue(_out) ?? Path.Combine("loco-out", "train");
        Setup setup = Read(r, GivenFlags(r));
        IPEndPoint listen = Endpoints.Parse(r.GetValue(_listen) ?? "127.0.0.1:11111", "--listen");
        string store = (r.GetValue(_store) ?? "file").Trim().ToLowerInvariant();
        string? redis = r.GetValue(_redis);
        if (store is not ("file" or "redis"))
        {
            throw new InvalidInputException("--store", $"unknown store '{store}'; choose file or redis.");
        }

        if (store == "redis" && redis is null)
        {
            throw new InvalidInputException("--redis", "--store redis needs the server as --redis HOST:PORT.");
        }

        if (store == "file" && redis is not null)
        {
            throw new InvalidInputException("--redis", "--redis is for --store redis; leave it out or add --store redis.");
        }

        if (redis is not null)
        {
            Endpoints.Parse(redis, "--redis");
        }

        int shards = r.GetValue(_shards) ?? 2;
        InputChecks.AtLeastOne(shards, "--shards", "number of shards");
        int minWorkers = r.GetValue(_minWorkers) ?? setup.Options.Family.Workers;
        if (minWorkers < 1 || minWorkers > setup.Options.Family.Workers)
        {
            throw new InvalidInputException("--min-workers", $"must lie in 1..{setup.Options.Family.Workers} (--workers); got {minWorkers}.");
        }

        double lease = r.GetValue(_lease) ?? 10;
        if (!double.IsFinite(lease) || lease < 1)
        {
            throw new InvalidInputException("--lease", $"must be at least 1 second (heartbeats come every second); got {lease}.");
        }
        ClusterCertificate? certificate = CertificateFlag.Load(r.GetValue(_cert));
        CertificateFlag.EnsureGuarded(listen, certificate, r.GetValue(_insecure));
        OutFolder.EnsureWritable(outFolder);
        bool overwrite = r.GetValue(_overwrite);
        if (!overwrite && HoldsRun(outFolder) is string what)
        {
            throw new InvalidInputException("--out", $"the folder '{outFolder}' holds another run ({what}); replace it with --overwrite, or choose another --out.");
        }

        TokenCorpus corpus = LoadCorpus(setup.Corpus, setup.Tokenizer, setup.RawBytes);
        TrainingOptions options = setup.Options with { Model = setup.Options.Model with { VocabularySize = corpus.VocabularySize } };
        if (overwrite)
        {
            RemoveRun(outFolder);
        }

        return Coordinate(r, terminal, outFolder, setup, corpus, options,
            new CoordinatorOptions
            {
                Listen = listen, OutFolder = outFolder, Redis = redis, Shards = shards, MinWorkers = minWorkers, LeaseSeconds = lease, Certificate = certificate,
                Dashboard = DashboardEndpoint(r, listen),
            }, null);
    }

    /// <summary>
    /// <c>loco coordinator --resume DIR</c>: the run in DIR continues from the last round its manifest (file store, or
    /// Redis) records, on the same port unless --listen says otherwise; the workers that stayed alive rejoin by
    /// themselves and redo the open round.
    /// </summary>
    private int ResumeCoordinator(ParseResult r, Terminal terminal, string folder)
    {
        if (GivenFlags(r).Keys.FirstOrDefault() is string given)
        {
            throw new InvalidInputException(given, "a resumed run takes every setting from its manifest; leave the settings flags out.");
        }

        string outFolder = Path.GetFullPath(folder);
        RunRecord record = RunRecord.Load(outFolder)
            ?? throw new InvalidInputException("--resume", $"{outFolder} holds no cluster run (no cluster/run.json): give the --out folder of a `loco coordinator`.");
        RunManifest manifest;
        try
        {
            IRunStore store = record.Redis is null
                ? new FileRunStore(Path.Combine(outFolder, "cluster"))
                : new RedisRunStore(record.Redis, record.RunId, Path.Combine(outFolder, "cluster", "blobs"));
            using (store as IDisposable)
            {
                manifest = store.ReadManifestAsync().GetAwaiter().GetResult()
                           ?? throw new InvalidInputException("--resume", $"the run {record.RunId} has no manifest in {store.Description}.");
            }
        }
        catch (ClusterUnavailableException ex)
        {
            throw new InvalidInputException("--resume", ex.Message);
        }

        Setup setup = Read(Parse(manifest.Flags, "the manifest's flags"), manifest.Flags);
        TokenCorpus corpus = LoadCorpus(setup.Corpus, setup.Tokenizer, setup.RawBytes);
        TrainingOptions options = setup.Options with { Model = setup.Options.Model with { VocabularySize = corpus.VocabularySize } };
        IPEndPoint listen = Endpoints.Parse(r.GetValue(_listen) ?? record.Listen, "--listen");
        ClusterCertificate? certificate = CertificateFlag.Load(r.GetValue(_cert) ?? record.Certificate, r.GetValue(_cert) is null ? "--resume" : "--cert");
        CertificateFlag.EnsureGuarded(listen, certificate, r.GetValue(_insecure));

        // train.csv keeps the rounds up to the manifest's (a row for a round the manifest does not hold would be rerun).
        string csvPath = Path.Combine(outFolder, "train.csv");
        var history = new List<RoundReport>();
        if (File.Exists(csvPath))
        {
            string[] lines = File.ReadAllLines(csvPath);
            var kept = new List<string> { lines[0] };
            long tokens = 0;
            foreach (string line in lines.Skip(1))
            {
                string[] f = line.Split(',');
                long round = long.Parse(f[12], System.Globalization.CultureInfo.InvariantCulture);
                if (round > manifest.Round)
                {
                    break;
                }

                static double D(string v) => v.Length == 0 ? double.NaN : double.Parse(v, System.Globalization.CultureInfo.InvariantCulture);
                long total = long.Parse(f[16], System.Globalization.CultureInfo.InvariantCulture);
                history.Add(new RoundReport(round, D(f[14]), D(f[15]), total - tokens, D(f[^1])));
                tokens = total;
                kept.Add(line);
            }

            Files.Write("--resume", () => OutputFile.Write(csvPath, string.Join('\n', kept) + "\n"));
        }

        terminal.Out.WriteLine($"loco coordinator: resuming run {record.RunId} at round {manifest.Round} of {options.Rounds} from {outFolder}.");
        return Coordinate(r, terminal, outFolder, setup, corpus, options, new CoordinatorOptions
        {
            Listen = listen, OutFolder = outFolder, Redis = record.Redis, Shards = record.Shards, ChunkFloats = record.ChunkFloats,
            MinWorkers = record.MinWorkers, LeaseSeconds = record.LeaseSeconds, Resume = manifest, RunId = record.RunId, Certificate = certificate,
            Dashboard = DashboardEndpoint(r, listen),
        }, history);
    }

    // --dashboard PORT (on --listen's address) or HOST:PORT; null when not given.
    private IPEndPoint? DashboardEndpoint(ParseResult r, IPEndPoint listen)
    {
        if (r.GetValue(_dashboard) is not string text)
        {
            return null;
        }

        IPEndPoint page = int.TryParse(text, out int port) ? Endpoints.Parse($"{listen.Address}:{port}", "--dashboard") : Endpoints.Parse(text, "--dashboard");
        Endpoints.EnsureFree(page, "--dashboard");
        return page;
    }

    private int Coordinate(ParseResult r, Terminal terminal, string outFolder, Setup setup, TokenCorpus corpus, TrainingOptions options,
        CoordinatorOptions coordinatorOptions, IReadOnlyList<RoundReport>? history)
    {
        string? redis = coordinatorOptions.Redis;
        bool json = r.GetValue(_json);
        TextWriter lines = json ? terminal.Error : terminal.Out;
        ClusterCoordinator cluster;
        try
        {
            cluster = ClusterCoordinator.StartAsync(coordinatorOptions, corpus, options).GetAwaiter().GetResult();
        }
        catch (ClusterUnavailableException ex)
        {
            throw new InvalidInputException(ex.Message.Contains("dashboard", StringComparison.Ordinal) ? "--dashboard" : redis is null ? "--listen" : "--redis", ex.Message);
        }

        try
        {
            RunSpec spec = cluster.Spec;
            lines.WriteLine($"loco coordinator: {corpus.Name}; model {setup.Model} ({spec.Layout.Dimension:N0} weights in {spec.Layout.Shards} shards); {options.Family}; " +
                            $"{options.Rounds} rounds of H = {options.Family.InnerSteps}; store: {cluster.StoreDescription}.");
            lines.WriteLine($"loco coordinator: listening on {cluster.Gateway}; waiting for {spec.Workers} workers (loco worker --join {cluster.Gateway}).");
            if (cluster.DashboardAddress is Uri page)
            {
                lines.WriteLine($"loco coordinator: status page at {page}");
            }

            // What one worker sends a round: each chunk encoded on its own with the run's codec.
            Loco.Core.Codecs.ICodec codec = spec.CodecSpec.Create();
            long perWorker = Enumerable.Range(0, spec.Layout.Shards)
                .Sum(k => Enumerable.Range(0, spec.Layout.ChunkCount(k)).Sum(c => (long)codec.EncodedBytes(spec.Layout.Chunk(k, c).Length)));
            var csv = new TrainCsv(Path.Combine(outFolder, "train.csv"), setup.Method, setup.Model, options, perWorker);
            if (history is null)
            {
                Files.Write("--out", () => csv.Begin([]));
            }
            else
            {
                csv.Resume(history);
            }

            var clock = System.Diagnostics.Stopwatch.StartNew();
            long tokens = history?.Sum(h => h.Items) ?? 0;
            long tokensAtStart = tokens;
            CoordinatorOutcome outcome = cluster.RunAsync(new CoordinatorLoop
            {
                CheckpointFolder = Path.Combine(outFolder, TrainingCheckpoint.FolderName),
                OnEvent = e => lines.WriteLine($"loco coordinator: {e}"),
                OnRound = (report, commit) =>
                {
                    csv.Append(report, commit?.Contributors);
                    tokens += report.Items;
                    if (commit is not null)
                    {
                        double seconds = clock.Elapsed.TotalSeconds;
                        lines.WriteLine($"{RoundLine(report, options, (tokens - tokensAtStart) / seconds)} workers [{string.Join(",", commit.Contributors)}] " +
                                        $"sent {commit.Reports.Sum(x => x.BytesSent):N0} B reduce {commit.ReduceSeconds:F2} s{(commit.Restarted ? " restart" : "")}");
                    }
                },
            }, terminal.Cancellation, history).GetAwaiter().GetResult();
            WritePlot(outFolder, setup, options, outcome.History, corpus.EntropyFloorNats, null);
            if (outcome.Failure is string failure)
            {
                terminal.Error.WriteLine($"loco coordinator: the run stopped after round {outcome.History[^1].Round}: {failure}");
                return failure.Contains("diverged", StringComparison.Ordinal) ? ExitCodes.Diverged : ExitCodes.Failure;
            }

            if (outcome.Stopped)
            {
                terminal.Error.WriteLine($"loco coordinator: stopped after round {outcome.History[^1].Round} of {options.Rounds}.");
                return ExitCodes.Interrupted;
            }

            RoundReport last = outcome.History[^1];
            double validation = outcome.History.Last(h => !double.IsNaN(h.ValidationLoss)).ValidationLoss;
            lines.WriteLine($"loco coordinator: done: {last.Round} rounds, final train loss {last.TrainLoss:F4}, validation loss {validation:F4}" +
                            (corpus.EntropyFloorNats is double f ? $" (floor {f:F4})" : "") +
                            $"; {outcome.BytesReceived:N0} bytes received; outputs in {outFolder}.");
            if (json)
            {
                terminal.Out.WriteLine($"{{\"rounds\":{last.Round},\"final_train_loss\":{Numbers.Format(last.TrainLoss)},\"final_validation_loss\":{Numbers.Format(validation)}," +
                                       $"\"bytes_received\":{outcome.BytesReceived},\"train_csv\":{System.Text.Json.JsonSerializer.Serialize(Path.Combine(outFolder, "train.csv"))}}}");
            }

            return ExitCodes.Ok;
        }
        finally
        {
            cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static TrainingOutcome Train(Terminal terminal, LanguageModelTraining run, TrainingLoop loop, CancellationToken stop,
        long tokensAtStart, System.Diagnostics.Stopwatch clock)
    {
        if (!terminal.Interactive)
        {
            return run.Train(loop, stop);
        }

        TrainingOutcome? outcome = null;
        terminal.Console.Progress().AutoClear(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                ProgressTask task = ctx.AddTask("training", maxValue: run.Options.Rounds);
                task.Value = run.Trainer.CompletedRounds;
                Action<RoundReport>? inner = loop.OnRound;
                outcome = run.Train(loop with
                {
                    OnRound = report =>
                    {
                        inner?.Invoke(report);
                        task.Value = report.Round;
                        task.Description = Markup.Escape(RoundLine(report, run.Options, (run.Tokens - tokensAtStart) / clock.Elapsed.TotalSeconds));
                    },
                }, stop);
            });
        return outcome!;
    }

    private bool LogFormatIsJson(ParseResult r) => (r.GetValue(_logFormat)?.Trim().ToLowerInvariant()) switch
    {
        null or "text" => false,
        "json" => true,
        string other => throw new InvalidInputException("--log-format", $"'{other}' is not a log format: use text or json."),
    };

    // One JSON object per log line (Microsoft.Extensions.Logging's console provider with its JSON formatter), on standard
    // output, or on standard error when standard output carries the --json summary.
    private static Microsoft.Extensions.Logging.ILoggerFactory JsonLogs(bool toStandardError) =>
        Microsoft.Extensions.Logging.LoggerFactory.Create(b =>
        {
            Microsoft.Extensions.Logging.ConsoleLoggerExtensions.AddJsonConsole(b, o =>
            {
                o.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
                o.TimestampFormat = "O";
                o.UseUtcTimestamp = true;
            });
            Microsoft.Extensions.DependencyInjection.OptionsServiceCollectionExtensions.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(b.Services,
                o => o.LogToStandardErrorThreshold = toStandardError ? Microsoft.Extensions.Logging.LogLevel.Trace : Microsoft.Extensions.Logging.LogLevel.None);
        });

    private static string RoundLine(RoundReport report, TrainingOptions options, double tokensPerSecond)
    {
        string validation = double.IsNaN(report.ValidationLoss) ? "" : $" val {report.ValidationLoss:F3}";
        return $"round {report.Round}/{options.Rounds} step {report.Round * options.Family.InnerSteps} train {report.TrainLoss:F3}{validation} {tokensPerSecond:N0} tok/s";
    }

    /// <summary>The run folder <c>--resume</c> names: the folder itself, or the parent of a checkpoint folder.</summary>
    private static string RunFolderOf(string resume)
    {
        string full = Path.GetFullPath(resume);
        return TrainingCheckpoint.Locate(full) == full ? Path.GetDirectoryName(full)! : full;
    }

    /// <summary>What of a run the folder holds (null when none).</summary>
    private static string? HoldsRun(string folder)
    {
        string[] found = [.. new[] { "train.csv", "cluster", TrainingCheckpoint.FolderName, TrainingCheckpoint.FolderName + ".partial", TrainingCheckpoint.FolderName + ".previous" }
            .Where(name => File.Exists(Path.Combine(folder, name)) || Directory.Exists(Path.Combine(folder, name)))];
        return found.Length > 0 ? string.Join(", ", found) : null;
    }

    private static void RemoveRun(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return;
        }

        Files.Write("--out", () =>
        {
            foreach (string name in new[] { TrainingCheckpoint.FolderName, TrainingCheckpoint.FolderName + ".partial", TrainingCheckpoint.FolderName + ".previous" })
            {
                string path = Path.Combine(folder, name);
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, recursive: true);
                }
            }

            foreach (string name in new[] { "train.csv", "loss.png", "coordinator.log" })
            {
                File.Delete(Path.Combine(folder, name));
            }

            foreach (string log in Directory.EnumerateFiles(folder, "worker*.log"))
            {
                File.Delete(log);
            }

            string cluster = Path.Combine(folder, "cluster");
            if (Directory.Exists(cluster))
            {
                Directory.Delete(cluster, recursive: true);
            }
        });
    }

    internal static TokenCorpus LoadCorpus(string? path, string tokenizerName, bool rawBytes = false)
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
            return CorpusLoader.Generated(new MarkovSource(MarkovSourceOptions.Default), TrainingDefaults.Letters, TrainingDefaults.ValidationFraction, tokenizer);
        }

        return CorpusLoader.Load(path, tokenizer, TrainingDefaults.ValidationFraction, subject: "--corpus", rawBytes: rawBytes);
    }

    private static void WritePlot(string folder, Setup setup, TrainingOptions options, IReadOnlyList<RoundReport> history, double? floor, TrainingDivergedException? diverged)
    {
        double[] rounds = [.. history.Select(h => (double)h.Round)];
        Files.Write("--out", () => LinePlot.SavePng(Path.Combine(folder, "loss.png"), $"loco train: {setup.Model}, {setup.Method}", "round", "loss (nats per token)",
            [new LineSeries("train", rounds, [.. history.Select(h => h.TrainLoss)]), new LineSeries("validation", rounds, [.. history.Select(h => h.ValidationLoss)])],
            references: floor is double f ? [new ReferenceLine("entropy floor", f)] : null,
            xRange: (0, options.Rounds),
            markers: diverged is null ? null : [new VerticalMarker($"diverged in round {diverged.Round}", diverged.Round)]));
    }

    private static string SummaryJson(Setup setup, LanguageModelTraining run, double? floor, string folder)
    {
        IReadOnlyList<RoundReport> history = run.History;
        RoundReport last = history[^1];
        using var stream = new MemoryStream();
        using (var w = new System.Text.Json.Utf8JsonWriter(stream, JsonText.Options))
        {
            w.WriteStartObject();
            w.WriteString("method", setup.Method);
            w.WriteString("model", setup.Model);
            w.WriteString("family", run.Options.Family.ToString());
            w.WriteNumber("rounds", last.Round);
            w.WriteNumber("tokens", run.Tokens);
            w.WriteNumber("seconds", last.Seconds);
            w.WriteNumberOrNull("final_train_loss", last.TrainLoss);
            w.WriteNumberOrNull("final_validation_loss", history.Last(h => !double.IsNaN(h.ValidationLoss)).ValidationLoss);
            w.WriteNumberOrNull("entropy_floor", floor ?? double.NaN);
            w.WriteNumber("bytes_per_worker_per_round", run.Trainer.BytesPerWorkerPerRound);
            w.WriteString("train_csv", Path.Combine(folder, "train.csv"));
            w.WriteString("checkpoint", Path.Combine(folder, TrainingCheckpoint.FolderName));
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void PrintSummary(Terminal terminal, LanguageModelTraining run, double? floor, string folder)
    {
        IReadOnlyList<RoundReport> history = run.History;
        RoundReport last = history[^1];
        double validation = history.Last(h => !double.IsNaN(h.ValidationLoss)).ValidationLoss;
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]loco train[/]");
        table.AddColumns("quantity", "value");
        table.AddRow("rounds", $"{last.Round} (H = {run.Options.Family.InnerSteps}, M = {run.Options.Family.Workers})");
        table.AddRow("tokens", run.Tokens.ToString("N0"));
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
        table.AddRow("outputs", Markup.Escape($"{Path.Combine(folder, "train.csv")}, {Path.Combine(folder, "loss.png")}, {Path.Combine(folder, TrainingCheckpoint.FolderName)}"));
        terminal.Console.Write(table);
    }
}
