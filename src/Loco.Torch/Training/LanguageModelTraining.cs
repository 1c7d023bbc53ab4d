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

    /// <summary>Final inner learning rate as a fraction of the peak (cosine decay).</summary>
    public double MinLrFraction { get; init; } = 0.1;

    /// <summary>Gradient-norm clip; 0 = none.</summary>
    public double ClipNorm { get; init; } = 1.0;

    /// <summary>At most this many validation windows per evaluation (null = the whole validation split).</summary>
    public int? ValidationWindows { get; init; } = 256;

    /// <summary>How the workers' pseudo-gradients are averaged; null = in process (<see cref="InProcessReducer{T}"/>).</summary>
    public IReducer<float>? Reducer { get; init; }

    /// <summary>Whole rounds of the run.</summary>
    public int Rounds => Steps / Family.InnerSteps;

    /// <summary>Checks what the data does not decide, naming flags.</summary>
    public void Validate()
    {
        InputChecks.AtLeastOne(Context, "--context", "context length");
        InputChecks.AtLeastOne(Steps, "--steps", "number of inner steps");
        if (Steps < Family.InnerSteps)
        {
            throw new InvalidInputException("--steps", $"{Steps} inner steps are fewer than one round of H = {Family.InnerSteps} (--inner-steps).");
        }

        if (EvalEvery < 0)
        {
            throw new InvalidInputException("--eval-every", $"must be 0 (only at the end) or a positive number of rounds (got {EvalEvery}).");
        }

        InputChecks.AtLeastOne(Threads, "--threads", "number of threads");
        if (WarmupSteps < 0)
        {
            throw new InvalidInputException("--warmup", $"must be a non-negative number of inner steps (got {WarmupSteps}).");
        }

        if (Context > Model.MaxContext)
        {
            throw new InvalidInputException("--context", $"{Context} exceeds the model's longest context {Model.MaxContext}.");
        }

        Model.Validate();
    }
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

        BatchSampler.EnsureFits(corpus.Train.Length, family.Workers, family.BatchSize, options.Context, "--corpus");
        var validationBatches = new ValidationBatches(corpus.Validation, family.BatchSize, options.Context, options.ValidationWindows, "--corpus");
        Device device = ResolveDevice(options.Device);

        set_num_threads(options.Threads);
        random.manual_seed((long)(options.Seed & long.MaxValue));
        var schedule = new LearningRateSchedule(family.InnerLr, options.WarmupSteps, options.Rounds * (long)family.InnerSteps, options.MinLrFraction);
        var inner = new InnerLoopOptions(schedule, options.ClipNorm, family.ResetInnerState);
        Func<FlatParameters, IModuleOptimizer> optimizer = family.InnerKind switch
        {
            InnerKind.AdamW => ModuleOptimizers.AdamW(family.WeightDecay),
            InnerKind.Momentum => ModuleOptimizers.Sgd(family.InnerMomentum, nesterov: false, family.WeightDecay),
            InnerKind.Nesterov => ModuleOptimizers.Sgd(family.InnerMomentum, nesterov: true, family.WeightDecay),
            _ => ModuleOptimizers.Sgd(0, nesterov: false, family.WeightDecay),
        };

        var workers = new List<ModuleWorker>();
        for (int m = 0; m < family.Workers; m++)
        {
            Llama model = NewModel(options, device);
            var sampler = new BatchSampler(corpus.Train, m, family.Workers, options.Seed, "--corpus");
            workers.Add(new ModuleWorker(m, model, new LanguageModelLoss(model, sampler, family.BatchSize, options.Context, device), optimizer, inner));
        }

        var validation = new ValidationLoss(NewModel(options, device), validationBatches, device);
        var trainer = new DiLoCoTrainer(workers, family.OuterOptimizer, family.InnerSteps, validation.Compute, options.EvalEvery, options.Reducer);
        return new LanguageModelTraining(corpus, options, device, trainer, validation);
    }

    private static Llama NewModel(TrainingOptions options, Device device)
    {
        using var generator = new Generator(options.Seed);
        var model = new Llama(options.Model, generator);
        return device.type == DeviceType.CPU ? model : model.to(device);
    }

    /// <summary>One round (see <see cref="DiLoCoTrainer.RunRound"/>).</summary>
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
