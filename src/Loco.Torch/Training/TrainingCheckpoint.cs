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
/// per-round losses so far. Resuming continues bit-identically to an uninterrupted run.
/// </summary>
public static class TrainingCheckpoint
{
    private const string GlobalFile = "global.safetensors";

    private static string WorkerFile(int m) => $"worker{m}.safetensors";

    /// <summary>Writes the checkpoint of <paramref name="run"/> (with its <paramref name="history"/>) at <paramref name="folder"/>.</summary>
    public static void Save(string folder, LanguageModelTraining run, IReadOnlyList<RoundReport> history)
    {
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
            ["workers"] = new JsonArray([.. trainer.Workers.Select(w => (JsonNode)new JsonObject { ["round"] = w.Round, ["inner_steps"] = w.InnerStepsTaken })]),
            ["torch_rng_state"] = Convert.ToBase64String(get_rng_state().data<byte>().ToArray()),
            ["history"] = JsonSerializer.SerializeToNode(history.Select(h => new[] { h.Round, h.TrainLoss, h.ValidationLoss, h.Items, h.Seconds }).ToArray(), NanJson),
        };
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
    /// Restores <paramref name="run"/> (freshly created with the same settings) from the checkpoint at
    /// <paramref name="folder"/> (or its <c>checkpoint</c> subfolder) and returns the per-round history saved with it.
    /// A checkpoint of another model shape or configuration, or a damaged one, is an <see cref="InvalidInputException"/>
    /// naming <c>--resume</c>.
    /// </summary>
    public static IReadOnlyList<RoundReport> Load(string folder, LanguageModelTraining run)
    {
        if (!File.Exists(Path.Combine(folder, CheckpointStore.StateFile)) && Directory.Exists(Path.Combine(folder, "checkpoint")))
        {
            folder = Path.Combine(folder, "checkpoint");
        }

        Checkpoint checkpoint = CheckpointStore.Load(folder);
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
            }

            using Tensor rng = tensor(Convert.FromBase64String(extra["torch_rng_state"]!.GetValue<string>()));
            set_rng_state(rng);
            double[][] rows = extra["history"].Deserialize<double[][]>(NanJson) ?? [];
            return [.. rows.Select(h => new RoundReport((long)h[0], h[1], h[2], (long)h[3], h[4]))];
        }
        catch (Exception ex) when (ex is InvalidDataException or KeyNotFoundException or NullReferenceException or InvalidOperationException or FormatException or JsonException)
        {
            throw new InvalidInputException("--resume", $"{checkpoint.Folder}: the checkpoint is damaged or incomplete ({ex.Message}).");
        }
    }

    private static readonly JsonSerializerOptions NanJson = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

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
    private static JsonObject Config(LanguageModelTraining run)
    {
        TrainingOptions o = run.Options;
        FamilyConfig f = o.Family;
        return new JsonObject
        {
            ["model"] = JsonSerializer.SerializeToNode(o.Model),
            ["corpus"] = run.Corpus.Name,
            ["vocabulary"] = run.Corpus.VocabularySize,
            ["train_tokens"] = run.Corpus.Train.Length,
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
    }
}
