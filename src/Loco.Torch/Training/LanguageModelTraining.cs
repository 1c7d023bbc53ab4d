using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Core.Rounds.Reducers;
using Loco.Torch.Data;
using Loco.Torch.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Loco.Torch.Training;

/// <summary>Everything that defines a language-model training run (besides the data).</summary>
public sealed record TrainingOptions
{
    /// <summary>The model's shape (its vocabulary must cover the corpus).</summary>
    public required LlamaConfig Model { get; init; }

    /// <summary>The member of the two-phase family, named as in DESIGN.md §1.</summary>
    public required FamilyConfig Family { get; init; }

    /// <summary>T, tokens per row.</summary>
    public required int Context { get; init; }

    /// <summary>Inner steps per worker over the whole run; rounds = Steps / H (whole rounds).</summary>
    public required int Steps { get; init; }

    /// <summary>Evaluate the validation loss every this many rounds (and at the end); 0 = only at the end.</summary>
    public int EvalEvery { get; init; } = 1;

    /// <summary>Seed of the initial weights and the data streams.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>"cpu" or "cuda".</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>
    /// TorchSharp intra-op threads. 1 by default: on a small shared CPU more threads are slower (they spin waiting
    /// for each other), and one thread makes every reduction's order, hence every result, fixed.
    /// </summary>
    public int Threads { get; init; } = 1;

    /// <summary>Linear warmup of the inner learning rate, in inner steps.</summary>
    public int WarmupSteps { get; init; }

    /// <summary>Final inner learning rate as a fraction of the peak (the decay's floor).</summary>
    public double MinLrFraction { get; init; } = 0.1;

    /// <summary>The inner learning rate's shape after warmup: constant, cosine (the default), linear or WSD.</summary>
    public ScheduleKind Schedule { get; init; } = ScheduleKind.Cosine;

    /// <summary>WSD's decay phase as a fraction of the steps after warmup.</summary>
    public double DecayFraction { get; init; } = 0.2;

    /// <summary>Gradient-norm clip; 0 = none.</summary>
    public double ClipNorm { get; init; } = 1.0;

    /// <summary>The forward and backward pass's precision (<c>--precision</c>); weights, optimizer state and the outer step stay fp32.</summary>
    public Precision Precision { get; init; } = Precision.Fp32;

    /// <summary>
    /// Keep the global weights, pseudo-gradients and outer step on the device (<see cref="DeviceRound"/>); null (the
    /// default) = on a GPU whenever the round is the plain in-process one (no codec, fragments or cluster). Results agree
    /// with the host round to float rounding, not bit for bit.
    /// </summary>
    public bool? OuterOnDevice { get; init; }

    /// <summary>Read the losses back every this many inner steps (<c>--check-every</c>); 0 = once per synchronisation.</summary>
    public int CheckEvery { get; init; }

    /// <summary>At most this many validation windows per evaluation (null = the whole validation split).</summary>
    public int? ValidationWindows { get; init; } = 256;

    /// <summary>
    /// The command-line flags that built these options (flag → value as given), saved with every checkpoint so that
    /// <c>loco train --resume</c> can rebuild the run from its folder alone; not part of what the run computes.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Flags { get; init; }

    /// <summary>How the workers' pseudo-gradients are averaged; null = in process (<see cref="InProcessReducer{T}"/>).</summary>
    public IReducer<float>? Reducer { get; init; }

    /// <summary>The codec each worker's pseudo-gradient passes through (DESIGN.md §8); fp32 = untouched. In process only for now.</summary>
    public Loco.Core.Codecs.CodecSpec Codec { get; init; } = Loco.Core.Codecs.CodecSpec.None;

    /// <summary>Error feedback: each worker keeps what the codec lost and adds it to its next pseudo-gradient.</summary>
    public bool ErrorFeedback { get; init; }

    /// <summary>Streaming fragments (DESIGN.md §8); null = the plain round. In process only.</summary>
    public Loco.Core.Rounds.FragmentSchedule? Fragments { get; init; }

    /// <summary>
    /// The indices of the workers this process runs (each with its own model, optimizer and data shard m of M); null =
    /// all M. A cluster worker process runs its own index alone, with a reducer that reaches the others.
    /// </summary>
    public IReadOnlyList<int>? LocalWorkers { get; init; }

    /// <summary>Whether this process evaluates the validation loss of the global weights (a cluster's workers leave it to the coordinator).</summary>
    public bool Evaluates { get; init; } = true;

    /// <summary>Whole rounds of the run.</summary>
    public int Rounds => Steps / Family.InnerSteps;

    /// <summary>Checks what the data does not decide (the device included), naming flags.</summary>
    public void Validate()
    {
        InputChecks.AtLeastOne(Context, "--context", "context length");
        InputChecks.AtLeastOne(Steps, "--steps", "number of inner steps");
        Fragments?.CheckFamily(Family);
        if (Steps < Family.InnerSteps)
        {
            throw new InvalidInputException("--steps", $"{Steps} inner steps are fewer than one round of H = {Family.InnerSteps} (--inner-steps).");
        }

        if (EvalEvery < 0)
        {
            throw new InvalidInputException("--eval-every", $"must be 0 (only at the end) or a positive number of rounds (got {EvalEvery}).");
        }

        InputChecks.AtLeastOne(Threads, "--threads", "number of threads");
        if (CheckEvery < 0)
        {
            throw new InvalidInputException("--check-every", $"must be 0 (once per synchronisation) or a positive number of inner steps (got {CheckEvery}).");
        }

        if (!double.IsFinite(ClipNorm) || ClipNorm < 0)
        {
            throw new InvalidInputException("--clip", $"must be a non-negative number (got {ClipNorm}).");
        }

        if (WarmupSteps < 0)
        {
            throw new InvalidInputException("--warmup", $"must be a non-negative number of inner steps (got {WarmupSteps}).");
        }

        if (Context > Model.MaxContext)
        {
            throw new InvalidInputException("--context", $"{Context} exceeds the model's longest context {Model.MaxContext}.");
        }

        if (LocalWorkers is { } local && (local.Count == 0 || local.Any(m => m < 0 || m >= Family.Workers) || local.Distinct().Count() != local.Count))
        {
            throw new InvalidInputException("--workers", $"the local workers [{string.Join(", ", local)}] must be distinct indices in 0..{Family.Workers - 1}.");
        }

        Model.Validate();
        LanguageModelTraining.ResolveDevice(Device);
    }
}

/// <summary>How <see cref="LanguageModelTraining.Train"/> reports and saves.</summary>
public sealed record TrainingLoop
{
    /// <summary>Where checkpoints go (null: none are written).</summary>
    public string? CheckpointFolder { get; init; }

    /// <summary>Write a checkpoint every this many rounds (besides after the last round and on a stop); 0 = only then.</summary>
    public int CheckpointEvery
    {
        get => _checkpointEvery;
        init => _checkpointEvery = value >= 0
            ? value
            : throw new InvalidInputException("--checkpoint-every", $"must be 0 (only at the end) or a positive number of rounds (got {value}).");
    }

    private readonly int _checkpointEvery;

    /// <summary>Called after round 0's evaluation and after each completed round (with its checkpoint, if any, written).</summary>
    public Action<RoundReport>? OnRound { get; init; }

    /// <summary>Called after each checkpoint written, with its round.</summary>
    public Action<long>? OnCheckpoint { get; init; }

    /// <summary>Where each round's log line goes (see <see cref="TrainingMetrics"/>); null: nowhere.</summary>
    public Microsoft.Extensions.Logging.ILogger? Logger { get; init; }

    /// <summary>The model's name in the metrics' <c>loco.model</c> tag.</summary>
    public string ModelName { get; init; } = "model";

    /// <summary>The method's name in the metrics' <c>loco.method</c> tag.</summary>
    public string MethodName { get; init; } = "two-phase";
}

/// <summary>How <see cref="LanguageModelTraining.Train"/> ended.</summary>
/// <param name="History">The run's history (round 0 and every completed round).</param>
/// <param name="Diverged">The divergence that ended the run, or null.</param>
/// <param name="Stopped">Whether the cancellation token stopped the run before its last round.</param>
public sealed record TrainingOutcome(IReadOnlyList<RoundReport> History, TrainingDivergedException? Diverged, bool Stopped)
{
    /// <summary>Whether every round ran.</summary>
    public bool Finished => Diverged is null && !Stopped;

    /// <summary>The validation loss of the initial weights.</summary>
    public double InitialValidationLoss => History[0].ValidationLoss;

    /// <summary>The last validation loss measured (after the last round when the run finished; NaN when none).</summary>
    public double FinalValidationLoss
    {
        get
        {
            for (int i = History.Count - 1; i > 0; i--)
            {
                if (!double.IsNaN(History[i].ValidationLoss))
                {
                    return History[i].ValidationLoss;
                }
            }

            return double.NaN;
        }
    }

    /// <summary>The mean training loss of the last completed round (NaN when none completed).</summary>
    public double FinalTrainLoss => History.Count > 1 ? History[^1].TrainLoss : double.NaN;
}

/// <summary>
/// A LLaMA-style model trained by the two-phase family on a token corpus: M workers, each with its own model copy,
/// inner optimizer and disjoint data shard, run by <see cref="DiLoCoTrainer"/>; validation on the global weights.
/// Deterministic for a seed on one machine: all randomness comes from explicitly seeded generators.
/// </summary>
public sealed class LanguageModelTraining : IDisposable
{
    private LanguageModelTraining(TokenCorpus corpus, TrainingOptions options, Device device, DiLoCoTrainer trainer, ValidationLoss validation)
    {
        Corpus = corpus;
        Options = options;
        Device = device;
        Trainer = trainer;
        Validation = validation;
    }

    /// <summary>The data.</summary>
    public TokenCorpus Corpus { get; }

    /// <summary>The settings.</summary>
    public TrainingOptions Options { get; }

    /// <summary>Where tensors live.</summary>
    public Device Device { get; }

    /// <summary>The two-phase trainer.</summary>
    public DiLoCoTrainer Trainer { get; }

    /// <summary>The validation loss of global weights.</summary>
    public ValidationLoss Validation { get; }

    /// <summary>Trainable weights of the model.</summary>
    public int ParameterCount => Trainer.Global.Length;

    /// <summary>The device named by <c>--device</c>, or an <see cref="InvalidInputException"/> when it cannot be used.</summary>
    public static Device ResolveDevice(string name) => name.Trim().ToLowerInvariant() switch
    {
        "cpu" => CPU,
        "cuda" => cuda.is_available()
            ? CUDA
            : throw new InvalidInputException("--device", "CUDA is not available on this machine (no GPU, or TorchSharp has only its CPU libtorch); use --device cpu."),
        _ => throw new InvalidInputException("--device", $"unknown device '{name}'; choose cpu or cuda."),
    };

    /// <summary>Builds the run; validates everything first (nothing is trained or written on bad input).</summary>
    public static LanguageModelTraining Create(TokenCorpus corpus, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        options.Validate();
        FamilyConfig family = options.Family;
        if (options.Model.VocabularySize < corpus.VocabularySize)
        {
            throw new InvalidInputException("--model", $"the model's vocabulary ({options.Model.VocabularySize}) is smaller than the corpus's ({corpus.VocabularySize}).");
        }

        TrainingMemory.EnsureFits(options.Model, family.Workers, family.BatchSize, options.Context);
        BatchSampler.EnsureFits(corpus.Train.Length, family.Workers, family.BatchSize, options.Context, "--corpus");
        var validationBatches = new ValidationBatches(corpus.Validation, family.BatchSize, options.Context, options.ValidationWindows, "--corpus");
        Device device = ResolveDevice(options.Device);
        set_num_threads(options.Threads);
        random.manual_seed((long)(options.Seed & long.MaxValue));
        var schedule = new LearningRateSchedule(family.InnerLr, options.WarmupSteps, options.Rounds * (long)family.InnerSteps, options.MinLrFraction)
        {
            Kind = options.Schedule,
            DecayFraction = options.DecayFraction,
        };
        var inner = new InnerLoopOptions(schedule, options.ClipNorm, family.ResetInnerState) { Precision = options.Precision, CheckEvery = options.CheckEvery };
        Func<FlatParameters, IModuleOptimizer> optimizer = family.InnerKind switch
        {
            InnerKind.AdamW => ModuleOptimizers.AdamW(family.WeightDecay),
            InnerKind.Momentum => ModuleOptimizers.Sgd(family.InnerMomentum, nesterov: false, family.WeightDecay),
            InnerKind.Nesterov => ModuleOptimizers.Sgd(family.InnerMomentum, nesterov: true, family.WeightDecay),
            _ => ModuleOptimizers.Sgd(0, nesterov: false, family.WeightDecay),
        };

        var workers = new List<ModuleWorker>();
        foreach (int m in options.LocalWorkers ?? [.. Enumerable.Range(0, family.Workers)])
        {
            Llama model = NewModel(options, device);
            model.Precision = options.Precision; // the validation model stays fp32: its loss measures the weights alone
            var sampler = new BatchSampler(corpus.Train, m, family.Workers, options.Seed, "--corpus");
            workers.Add(new ModuleWorker(m, model, new LanguageModelLoss(model, sampler, family.BatchSize, options.Context, device), optimizer, inner));
        }

        IReducer<float>? reducer = options.Reducer;
        if (options.Codec.Kind != Loco.Core.Codecs.CodecKind.Fp32 || options.ErrorFeedback)
        {
            if (reducer is IRemoteOuterStep<float>)
            {
                // A cluster's reducer encodes the chunks it sends with the run's codec itself (and keeps the feedback).
            }
            else if (reducer is not null)
            {
                throw new Loco.Core.Family.InvalidInputException("--compress", "a custom reducer takes no codec: wrap it in a CompressingReducer yourself.");
            }
            else
            {
                reducer = new Loco.Core.Codecs.CompressingReducer<float>(new InProcessReducer<float>(), options.Codec, options.ErrorFeedback, options.Seed);
            }
        }

        var validation = new ValidationLoss(NewModel(options, device), validationBatches, device);
        var trainer = new DiLoCoTrainer(workers, family.OuterOptimizer, family.InnerSteps, options.Evaluates ? validation.Compute : null,
            options.Evaluates ? options.EvalEvery : 0, reducer, options.Fragments, options.OuterOnDevice);
        return new LanguageModelTraining(corpus, options, device, trainer, validation);
    }

    /// <summary>
    /// What a process that holds the global weights but no worker needs (a cluster's coordinator): the initial global
    /// weights of the run (those of every worker's seeded model, as <see cref="Create"/> starts from) and the validation
    /// loss of given global weights, computed as the in-process run computes it.
    /// </summary>
    public static (float[] Initial, ValidationLoss Validation) CreateEvaluator(TokenCorpus corpus, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        options.Validate();
        var validationBatches = new ValidationBatches(corpus.Validation, options.Family.BatchSize, options.Context, options.ValidationWindows, "--corpus");
        Device device = ResolveDevice(options.Device);
        set_num_threads(options.Threads);
        random.manual_seed((long)(options.Seed & long.MaxValue));
        Llama model = NewModel(options, device);
        var flat = FlatParameters.Of(model);
        float[] initial = new float[flat.Length];
        flat.CopyTo(initial);
        return (initial, new ValidationLoss(model, validationBatches, device));
    }

    private static Llama NewModel(TrainingOptions options, Device device)
    {
        using var generator = new Generator(options.Seed);
        var model = new Llama(options.Model, generator);
        return device.type == DeviceType.CPU ? model : model.to(device);
    }

    private readonly List<RoundReport> _history = [];

    /// <summary>
    /// The run's per-round record: round 0 (the validation loss of the initial weights, added by the first
    /// <see cref="Train"/>) and every round <see cref="Train"/> completed, with its wall-clock seconds since the run began
    /// (over every session of a resumed run). Checkpoints save it and restore it.
    /// </summary>
    public IReadOnlyList<RoundReport> History => _history;

    /// <summary>Tokens the rounds of <see cref="History"/> consumed across workers.</summary>
    public long Tokens => _history.Sum(h => h.Items);

    /// <summary>Replaces the history (a checkpoint being restored).</summary>
    internal void RestoreHistory(IEnumerable<RoundReport> history)
    {
        _history.Clear();
        _history.AddRange(history);
    }

    /// <summary>
    /// The training loop: evaluates the initial weights (round 0) when the history is empty, then runs rounds until
    /// <see cref="TrainingOptions.Rounds"/>, appending each to <see cref="History"/> (the last one with its validation
    /// loss, evaluated if its round did not) and calling <paramref name="loop"/>'s <see cref="TrainingLoop.OnRound"/>.
    /// With a checkpoint folder it saves a checkpoint every <see cref="TrainingLoop.CheckpointEvery"/> rounds, after the
    /// last round, and when <paramref name="cancellationToken"/> stops the run (checked between rounds). A non-finite
    /// training loss ends the run as diverged: the weights and history stay as after the last good round, and no
    /// checkpoint is written. A failing checkpoint write (a full disk) throws its <see cref="IOException"/> and leaves
    /// the last good checkpoint in place.
    /// </summary>
    public TrainingOutcome Train(TrainingLoop? loop = null, CancellationToken cancellationToken = default)
    {
        loop ??= new TrainingLoop();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        double before = _history.Count > 0 ? _history[^1].Seconds : 0;
        if (_history.Count == 0)
        {
            _history.Add(new RoundReport(0, double.NaN, Evaluate(), 0));
            loop.OnRound?.Invoke(_history[0]);
        }

        while (Trainer.CompletedRounds < Options.Rounds)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                if (CheckpointedRound != Trainer.CompletedRounds)
                {
                    Checkpoint(loop);
                }

                return new TrainingOutcome(_history, null, Stopped: true);
            }

            RoundReport report;
            try
            {
                report = Trainer.RunRound();
            }
            catch (TrainingDivergedException diverged)
            {
                return new TrainingOutcome(_history, diverged, Stopped: false);
            }

            bool last = Trainer.CompletedRounds == Options.Rounds;
            if (last && double.IsNaN(report.ValidationLoss))
            {
                report = report with { ValidationLoss = Evaluate() };
            }

            double now = before + clock.Elapsed.TotalSeconds;
            double roundSeconds = now - (_history.Count > 0 ? _history[^1].Seconds : before);
            _history.Add(report with { Seconds = now });
            TrainingMetrics.Record(_history[^1], roundSeconds, Options.Rounds, loop.ModelName, loop.MethodName, loop.Logger);
            if (last || (loop.CheckpointEvery > 0 && report.Round % loop.CheckpointEvery == 0))
            {
                Checkpoint(loop);
            }

            loop.OnRound?.Invoke(_history[^1]);
        }

        return new TrainingOutcome(_history, null, Stopped: false);
    }

    /// <summary>The round of the checkpoint last saved or loaded (-1 when none).</summary>
    internal long CheckpointedRound { get; set; } = -1;

    private void Checkpoint(TrainingLoop loop)
    {
        if (loop.CheckpointFolder is string folder)
        {
            TrainingCheckpoint.Save(folder, this);
            CheckpointedRound = Trainer.CompletedRounds;
            loop.OnCheckpoint?.Invoke(Trainer.CompletedRounds);
        }
    }

    /// <summary>One round (see <see cref="DiLoCoTrainer.RunRound"/>), outside <see cref="Train"/>'s history.</summary>
    public RoundReport RunRound() => Trainer.RunRound();

    /// <summary>Validation loss of the current global weights.</summary>
    public double Evaluate() => Trainer.Evaluate();

    /// <inheritdoc />
    public void Dispose()
    {
        Trainer.Dispose();
        Validation.Dispose();
    }
}
