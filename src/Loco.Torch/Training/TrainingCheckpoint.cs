using System.Text.Json;
using System.Text.Json.Nodes;
using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Torch.Checkpoints;
using Loco.Torch.Data;
using static TorchSharp.torch;

namespace Loco.Torch.Training;

/// <summary>
/// Saves and restores a <see cref="LanguageModelTraining"/> through <see cref="CheckpointStore"/>: global weights and
/// outer momentum (global.safetensors), each worker's weights and inner-optimizer state (worker{m}.safetensors: the
/// parameters by name, AdamW's exp_avg/exp_avg_sq/step or SGD's momentum buffers), and in state.json the round and
/// restart counters, the worker clocks, the data samplers, TorchSharp's generator state, the configuration and the
/// run's history (<see cref="LanguageModelTraining.History"/>), and the flags that built the run
/// (<see cref="TrainingOptions.Flags"/>). Resuming continues bit-identically to an uninterrupted run.
/// </summary>
public static class TrainingCheckpoint
{
    private const string GlobalFile = "global.safetensors";

    private static string WorkerFile(int m) => $"worker{m}.safetensors";

    /// <summary>Name of a run folder's checkpoint subfolder.</summary>
    public const string FolderName = "checkpoint";

    /// <summary>
    /// The checkpoint folder of <paramref name="folder"/>: its <see cref="FolderName"/> subfolder, or the folder itself
    /// when it is a checkpoint (holds state.json, or is missing while its sibling F.partial or F.previous exists).
    /// </summary>
    public static string Locate(string folder)
    {
        string full = Path.GetFullPath(folder);
        bool isCheckpoint = File.Exists(Path.Combine(full, CheckpointStore.StateFile))
                            || (!Directory.Exists(full) && (Directory.Exists(full + ".partial") || Directory.Exists(full + ".previous")));
        return isCheckpoint ? full : Path.Combine(full, FolderName);
    }

    /// <summary>
    /// The flags saved with the checkpoint in <paramref name="folder"/> (see <see cref="Locate"/>; a checkpoint left
    /// under its temporary name by a crash between the two renames is found), and its round. A missing or damaged
    /// checkpoint is an <see cref="InvalidInputException"/> naming <c>--resume</c>.
    /// </summary>
    public static (IReadOnlyDictionary<string, string> Flags, long Round, string Folder) ReadFlags(string folder)
    {
        Checkpoint checkpoint = CheckpointStore.Load(Locate(folder));
        try
        {
            Dictionary<string, string> flags = checkpoint.State.Extra?["flags"].Deserialize<Dictionary<string, string>>() ?? [];
            return (flags, checkpoint.State.Round, checkpoint.Folder);
        }
        catch (JsonException ex)
        {
            throw new InvalidInputException("--resume", $"{checkpoint.Folder}: the checkpoint's flags cannot be read ({ex.Message}).");
        }
    }

    /// <summary>
    /// About how many bytes a checkpoint of <paramref name="run"/> takes: the global weights and momentum, and per worker
    /// its weights and up to two optimizer buffers of the same size, in fp32, plus a margin for state.json.
    /// </summary>
    public static long EstimatedBytes(LanguageModelTraining run) =>
        4L * run.ParameterCount * (2 + 3L * run.Trainer.Workers.Count) + (1L << 20);

    /// <summary>Writes the checkpoint of <paramref name="run"/> (with its history) at <paramref name="folder"/>.</summary>
    public static void Save(string folder, LanguageModelTraining run)
    {
        IReadOnlyList<RoundReport> history = run.History;
        DiLoCoTrainer trainer = run.Trainer;
        int n = trainer.Global.Length;
        var files = new List<CheckpointFile>
        {
            CheckpointFile.SafeTensors(GlobalFile, [SafeTensor.Of("global", trainer.Global, n), SafeTensor.Of("outer_momentum", trainer.State.Momentum, n)]),
        };
        foreach (ModuleWorker worker in trainer.Workers)
        {
            files.Add(CheckpointFile.SafeTensors(WorkerFile(worker.Index), WorkerTensors(worker)));
        }

        FlatParameters flat = trainer.Workers[0].Flat;
        var shape = new Dictionary<string, long[]>();
        for (int i = 0; i < flat.Names.Count; i++)
        {
            shape[flat.Names[i]] = flat.Shapes[i];
        }

        var extra = new JsonObject
        {
            ["rounds_since_restart"] = trainer.State.RoundsSinceRestart,
            ["last_round_loss"] = double.IsFinite(trainer.State.LastRoundLoss) ? trainer.State.LastRoundLoss : null,
            ["workers"] = new JsonArray([.. trainer.Workers.Select(Clock)]),
            ["torch_rng_state"] = Convert.ToBase64String(get_rng_state().data<byte>().ToArray()),
            ["history"] = JsonSerializer.SerializeToNode(history.Select(h => new[] { h.Round, h.TrainLoss, h.ValidationLoss, h.Items, h.Seconds }).ToArray(), NanJson),
            ["flags"] = JsonSerializer.SerializeToNode(run.Options.Flags ?? new Dictionary<string, string>()),
        };
        if (trainer.Round.Reducer is Loco.Core.Codecs.CompressingReducer<float> codec)
        {
            // The codec's round (stochastic rounding's key) and each worker's error-feedback residual.
            extra["codec_round"] = codec.Round;
            foreach ((int m, float[] residual) in codec.Residuals)
            {
                files.Add(CheckpointFile.SafeTensors($"residual{m}.safetensors", [SafeTensor.Of("residual", residual, residual.Length)]));
            }
        }

        CheckpointStore.Save(folder, files, new CheckpointState
        {
            Config = Config(run),
            Round = trainer.CompletedRounds,
            RestartCount = trainer.State.Restarts,
            Samplers = [.. trainer.Workers.Select(w => ((LanguageModelLoss)w.Loss).Sampler.State)],
            ModelShape = shape,
            Extra = extra,
        });
    }

    /// <summary>
    /// Writes a checkpoint of the global weights and outer momentum alone, in the layout of <see cref="Save"/>
    /// (global.safetensors and state.json with the counters, the history and the flags; no worker files): what a
    /// cluster's coordinator holds, whose workers keep their own state in their own processes.
    /// </summary>
    public static void SaveGlobal(string folder, GlobalCheckpoint c)
    {
        ArgumentNullException.ThrowIfNull(c);
        int n = c.Global.Length;
        if (c.Momentum.Length != n)
        {
            throw new ArgumentException($"The momentum has {c.Momentum.Length} entries; the weights {n}.", nameof(c));
        }

        var extra = new JsonObject
        {
            ["rounds_since_restart"] = c.RoundsSinceRestart,
            ["cluster"] = true,
            ["history"] = JsonSerializer.SerializeToNode(c.History.Select(h => new[] { h.Round, h.TrainLoss, h.ValidationLoss, h.Items, h.Seconds }).ToArray(), NanJson),
            ["flags"] = JsonSerializer.SerializeToNode(c.Options.Flags ?? new Dictionary<string, string>()),
        };
        CheckpointStore.Save(folder,
            [CheckpointFile.SafeTensors(GlobalFile, [SafeTensor.Of("global", c.Global, n), SafeTensor.Of("outer_momentum", c.Momentum, n)])],
            new CheckpointState
            {
                Config = Settings(c.Corpus, c.Options),
                Round = c.Round,
                RestartCount = c.Restarts,
                ModelShape = c.Shape,
                Extra = extra,
            });
    }

    /// <summary>
    /// Restores <paramref name="run"/> (freshly created with the same settings) from the checkpoint at
    /// <paramref name="folder"/> (see <see cref="Locate"/>), including its history; returns the checkpoint's round.
    /// A checkpoint of another model shape or configuration, or a damaged one, is an <see cref="InvalidInputException"/>
    /// naming <c>--resume</c>.
    /// </summary>
    /// <remarks>
    /// A checkpoint found under its temporary name (a save interrupted between its two renames) is put in place once
    /// restored, so that the next save cannot remove it.
    /// </remarks>
    public static long Load(string folder, LanguageModelTraining run)
    {
        string target = Locate(folder);
        Checkpoint checkpoint = CheckpointStore.Load(target);
        CheckpointState state = checkpoint.State;
        DiLoCoTrainer trainer = run.Trainer;
        FlatParameters flat = trainer.Workers[0].Flat;
        for (int i = 0; i < flat.Names.Count; i++)
        {
            if (!state.ModelShape.TryGetValue(flat.Names[i], out long[]? saved) || !saved.SequenceEqual(flat.Shapes[i]))
            {
                throw new InvalidInputException("--resume",
                    $"{checkpoint.Folder} holds a model of another shape (parameter '{flat.Names[i]}': saved {Shape(saved)}, this run {Shape(flat.Shapes[i])}); " +
                    "use the same --model and data as the run that wrote it.");
            }
        }

        if (state.ModelShape.Count != flat.Names.Count)
        {
            throw new InvalidInputException("--resume", $"{checkpoint.Folder} holds a model with {state.ModelShape.Count} parameters; this run has {flat.Names.Count}.");
        }

        JsonObject config = Config(run);
        string[] different = [.. config.Select(kv => kv.Key).Where(k => !JsonNode.DeepEquals(config[k], state.Config?[k]))];
        if (different.Length > 0)
        {
            throw new InvalidInputException("--resume",
                $"{checkpoint.Folder} was written by a run with other settings ({string.Join(", ", different.Select(k => $"{k}: saved {state.Config?[k]?.ToJsonString() ?? "none"}, now {config[k]?.ToJsonString()}"))}); " +
                "give the same flags as that run.");
        }

        try
        {
            SafeTensorFile global = checkpoint.ReadSafeTensors(GlobalFile);
            JsonObject extra = state.Extra ?? throw new InvalidDataException("state.json has no trainer state.");
            trainer.Restore(Floats(global, "global", flat.Length), Floats(global, "outer_momentum", flat.Length), state.Round,
                extra["rounds_since_restart"]!.GetValue<long>(), state.RestartCount);
            trainer.State.RestoreLoss(extra["last_round_loss"]?.GetValue<double>() ?? double.NaN);
            JsonArray clocks = extra["workers"]!.AsArray();
            if (clocks.Count != trainer.Workers.Count || state.Samplers.Count != trainer.Workers.Count)
            {
                throw new InvalidDataException($"it has {clocks.Count} workers; this run has {trainer.Workers.Count}.");
            }

            foreach (ModuleWorker worker in trainer.Workers)
            {
                SafeTensorFile file = checkpoint.ReadSafeTensors(WorkerFile(worker.Index));
                float[] weights = new float[flat.Length];
                for (int i = 0; i < worker.Flat.Names.Count; i++)
                {
                    float[] values = Floats(file, "weights/" + worker.Flat.Names[i], (int)worker.Flat.Parameters[i].numel());
                    values.CopyTo(weights, worker.Flat.Offset(i));
                }

                worker.Flat.CopyFrom(weights);
                var snapshot = new OptimizerSnapshot();
                foreach ((string name, SafeTensor t) in file.Tensors)
                {
                    if (name.StartsWith("optimizer/", StringComparison.Ordinal))
                    {
                        snapshot.Buffers[name["optimizer/".Length..]] = t.ToFloats();
                    }
                    else if (name.StartsWith("counter/", StringComparison.Ordinal))
                    {
                        snapshot.Counters[name["counter/".Length..]] = t.ToInt64s()[0];
                    }
                }

                worker.Optimizer.Load(snapshot);
                worker.Round = clocks[worker.Index]!["round"]!.GetValue<long>();
                worker.InnerStepsTaken = clocks[worker.Index]!["inner_steps"]!.GetValue<long>();
                ((LanguageModelLoss)worker.Loss).Sampler.Restore(state.Samplers[worker.Index]);
                if (worker.Scaler is LossScaler scaler)
                {
                    JsonNode clock = clocks[worker.Index]!;
                    scaler.Scale = clock["loss_scale"]?.GetValue<double>() ?? throw new InvalidDataException("it holds no fp16 loss scale.");
                    scaler.GoodSteps = clock["good_steps"]!.GetValue<int>();
                    scaler.Skipped = clock["skipped_steps"]!.GetValue<long>();
                }
            }

            if (trainer.Round.Reducer is Loco.Core.Codecs.CompressingReducer<float> codec)
            {
                codec.ResumeAt(extra["codec_round"]?.GetValue<long>() ?? throw new InvalidDataException("it holds no codec state."));
                if (codec.ErrorFeedback)
                {
                    foreach (ModuleWorker worker in trainer.Workers)
                    {
                        codec.RestoreResidual(worker.Index, Floats(checkpoint.ReadSafeTensors($"residual{worker.Index}.safetensors"), "residual", flat.Length));
                    }
                }
            }

            using Tensor rng = tensor(Convert.FromBase64String(extra["torch_rng_state"]!.GetValue<string>()));
            set_rng_state(rng);
            double[][] rows = extra["history"].Deserialize<double[][]>(NanJson) ?? [];
            run.RestoreHistory(rows.Select(h => new RoundReport((long)h[0], h[1], h[2], (long)h[3], h[4])));
            run.CheckpointedRound = state.Round;
            if (checkpoint.Folder != target)
            {
                CheckpointStore.Recover(target);
            }

            return state.Round;
        }
        catch (Exception ex) when (ex is InvalidDataException or KeyNotFoundException or NullReferenceException or InvalidOperationException or FormatException or JsonException)
        {
            throw new InvalidInputException("--resume", $"{checkpoint.Folder}: the checkpoint is damaged or incomplete ({ex.Message}).");
        }
    }

    private static readonly JsonSerializerOptions NanJson = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>A worker's clocks (and its fp16 loss scaler) as state.json records them.</summary>
    private static JsonNode Clock(ModuleWorker worker)
    {
        var clock = new JsonObject { ["round"] = worker.Round, ["inner_steps"] = worker.InnerStepsTaken };
        if (worker.Scaler is LossScaler scaler)
        {
            clock["loss_scale"] = scaler.Scale;
            clock["good_steps"] = scaler.GoodSteps;
            clock["skipped_steps"] = scaler.Skipped;
        }

        return clock;
    }

    private static IEnumerable<SafeTensor> WorkerTensors(ModuleWorker worker)
    {
        float[] weights = new float[worker.Flat.Length];
        worker.Flat.CopyTo(weights);
        for (int i = 0; i < worker.Flat.Names.Count; i++)
        {
            int start = worker.Flat.Offset(i);
            int length = (int)worker.Flat.Parameters[i].numel();
            yield return SafeTensor.Of("weights/" + worker.Flat.Names[i], weights.AsSpan(start, length), worker.Flat.Shapes[i]);
        }

        OptimizerSnapshot snapshot = worker.Optimizer.Save();
        foreach ((string name, float[] values) in snapshot.Buffers)
        {
            yield return SafeTensor.Of("optimizer/" + name, values, values.Length);
        }

        foreach ((string name, long value) in snapshot.Counters)
        {
            yield return SafeTensor.Of("counter/" + name, [value], 1);
        }
    }

    private static float[] Floats(SafeTensorFile file, string name, int length)
    {
        if (!file.Tensors.TryGetValue(name, out SafeTensor? t))
        {
            throw new InvalidDataException($"no tensor '{name}'");
        }

        float[] values = t.ToFloats();
        return values.Length == length ? values : throw new InvalidDataException($"tensor '{name}' has {values.Length} values, expected {length}");
    }

    private static string Shape(long[]? shape) => shape is null ? "none" : $"[{string.Join(", ", shape)}]";

    /// <summary>The settings a resumed run must share with the one that wrote the checkpoint.</summary>
    private static JsonObject Config(LanguageModelTraining run) => Settings(run.Corpus, run.Options);

    /// <summary>
    /// The settings of a run of <paramref name="o"/> on <paramref name="corpus"/> as a checkpoint's state.json records
    /// them: what a resumed run, or every process of a cluster run, must share.
    /// </summary>
    public static JsonObject Settings(TokenCorpus corpus, TrainingOptions o)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentNullException.ThrowIfNull(o);
        FamilyConfig f = o.Family;
        var settings = new JsonObject
        {
            ["model"] = JsonSerializer.SerializeToNode(o.Model),
            ["corpus"] = corpus.Name,
            ["vocabulary"] = corpus.VocabularySize,
            ["train_tokens"] = corpus.Train.Length,
            ["family"] = f.ToString(),
            ["inner_lr"] = f.InnerLr,
            ["inner_steps"] = f.InnerSteps,
            ["workers"] = f.Workers,
            ["batch"] = f.BatchSize,
            ["weight_decay"] = f.WeightDecay,
            ["outer"] = f.OuterKind.Name(),
            ["outer_form"] = f.OuterForm.Name(),
            ["outer_lr"] = f.OuterLr,
            ["outer_momentum"] = f.OuterMomentum,
            ["restart"] = f.Restart.Spec,
            ["context"] = o.Context,
            ["steps"] = o.Steps,
            ["seed"] = o.Seed,
            ["warmup"] = o.WarmupSteps,
            ["clip"] = o.ClipNorm,
            ["min_lr_fraction"] = o.MinLrFraction,
            ["eval_every"] = o.EvalEvery,
            ["threads"] = o.Threads,
        };
        if (o.Schedule != ScheduleKind.Cosine)
        {
            // Recorded only when not the default, so checkpoints written before schedules existed still resume.
            settings["lr_schedule"] = new LearningRateSchedule(0) { Kind = o.Schedule, DecayFraction = o.DecayFraction }.Spec;
        }

        if (o.Precision != Precision.Fp32)
        {
            settings["precision"] = o.Precision.Name();
        }

        if (o.Fragments is { IsPlain: false } fragments)
        {
            settings["fragments"] = fragments.ToString();
        }

        return settings;
    }
}

/// <summary>What <see cref="TrainingCheckpoint.SaveGlobal"/> writes.</summary>
/// <param name="Corpus">The run's data (its name and size are part of the settings).</param>
/// <param name="Options">The run's settings (with the flags that built it).</param>
/// <param name="Global">The global weights.</param>
/// <param name="Momentum">The outer momentum.</param>
/// <param name="Round">Rounds completed.</param>
/// <param name="RoundsSinceRestart">The restart counter.</param>
/// <param name="Restarts">Restarts so far.</param>
/// <param name="History">The run's history (round 0 and every completed round).</param>
/// <param name="Shape">The model's parameters by name, with their shapes.</param>
public sealed record GlobalCheckpoint(TokenCorpus Corpus, TrainingOptions Options, float[] Global, float[] Momentum, long Round, long RoundsSinceRestart,
    long Restarts, IReadOnlyList<RoundReport> History, IReadOnlyDictionary<string, long[]> Shape);
