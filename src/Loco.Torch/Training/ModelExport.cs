using System.Text.Json;
using System.Text.Json.Nodes;
using Loco.Core.Family;
using Loco.Torch.Checkpoints;
using Loco.Torch.Models;
using static TorchSharp.torch;

namespace Loco.Torch.Training;

/// <summary>
/// Writes a training checkpoint's global weights as a safetensors file of named tensors in the module layout of the
/// PyTorch reference (<c>bench/reference/llama_diloco.py</c>: <c>embedding.weight</c>, <c>blocks.{i}.attention.wq.weight</c>,
/// …, <c>norm.weight</c>), and the model's shape as a small JSON beside it, so PyTorch can load the trained model.
/// </summary>
public static class ModelExport
{
    /// <summary>What was exported.</summary>
    /// <param name="Weights">The safetensors file.</param>
    /// <param name="Config">The JSON of the model's shape.</param>
    /// <param name="Round">The checkpoint's round.</param>
    /// <param name="Tensors">How many tensors were written.</param>
    /// <param name="Parameters">How many weights.</param>
    public sealed record Result(string Weights, string Config, long Round, int Tensors, long Parameters);

    /// <summary>The config file written beside <paramref name="weights"/>: the same name with <c>.json</c> for its extension.</summary>
    public static string ConfigPath(string weights) => Path.ChangeExtension(weights, ".json");

    /// <summary>
    /// Exports the checkpoint in <paramref name="folder"/> (a run folder or its checkpoint) to <paramref name="weights"/>;
    /// a missing or damaged checkpoint, or one of a cluster run without a model shape, is an <see cref="InvalidInputException"/>.
    /// <paramref name="write"/> writes a file from a stream writer (null: through a temporary file and a rename).
    /// </summary>
    public static Result Export(string folder, string weights, Action<string, Action<Stream>>? write = null)
    {
        write ??= WriteThenRename;
        Checkpoint checkpoint;
        try
        {
            checkpoint = CheckpointStore.Load(TrainingCheckpoint.Locate(folder));
        }
        catch (InvalidInputException ex)
        {
            throw new InvalidInputException("CHECKPOINT", ex.Problem);
        }

        LlamaConfig config = ModelConfig(checkpoint);
        float[] global;
        try
        {
            SafeTensorFile file = checkpoint.ReadSafeTensors("global.safetensors");
            global = file.Tensors.TryGetValue("global", out SafeTensor? g) ? g.ToFloats() : throw new InvalidDataException("no tensor 'global'");
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidInputException("CHECKPOINT", $"{checkpoint.Folder}: the global weights cannot be read ({ex.Message}).");
        }

        // The flat layout is the module's own: build the model (weights irrelevant) and take its parameters' order.
        using var model = new Llama(config, new Generator(1));
        FlatParameters flat = FlatParameters.Of(model);
        if (flat.Length != global.Length)
        {
            throw new InvalidInputException("CHECKPOINT", $"{checkpoint.Folder}: {global.Length} weights for a model of {flat.Length}.");
        }

        var tensors = new List<SafeTensor>();
        for (int i = 0; i < flat.Names.Count; i++)
        {
            tensors.Add(SafeTensor.Of(flat.Names[i], global.AsSpan(flat.Offset(i), flat.Count(i)), flat.Shapes[i]));
        }

        string full = Path.GetFullPath(weights);
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["loco.round"] = checkpoint.State.Round.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        write(full, stream => SafeTensors.Write(stream, tensors, metadata));
        var json = new JsonObject
        {
            ["architecture"] = "llama (bench/reference/llama_diloco.py)",
            ["vocab"] = config.VocabularySize,
            ["hidden"] = config.Hidden,
            ["layers"] = config.Layers,
            ["heads"] = config.Heads,
            ["ffn"] = config.Ffn,
            ["max_context"] = config.MaxContext,
            ["norm_eps"] = config.NormEps,
            ["rope_theta"] = config.RopeTheta,
            ["tied_embeddings"] = config.TiedEmbeddings,
            ["round"] = checkpoint.State.Round,
        };
        string configPath = ConfigPath(full);
        byte[] text = System.Text.Encoding.UTF8.GetBytes(json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        write(configPath, stream => stream.Write(text));
        return new Result(full, configPath, checkpoint.State.Round, tensors.Count, flat.Length);
    }

    private static LlamaConfig ModelConfig(Checkpoint checkpoint)
    {
        try
        {
            JsonNode model = checkpoint.State.Config?["model"] ?? throw new InvalidDataException("no model in its settings");
            return model.Deserialize<LlamaConfig>() ?? throw new InvalidDataException("an empty model");
        }
        catch (Exception ex) when (ex is InvalidDataException or JsonException or InvalidOperationException or ArgumentException)
        {
            throw new InvalidInputException("CHECKPOINT", $"{checkpoint.Folder}: the model's shape cannot be read ({ex.Message}).");
        }
    }

    private static void WriteThenRename(string path, Action<Stream> write)
    {
        string temporary = path + ".partial";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using (FileStream stream = File.Create(temporary))
            {
                write(stream);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
