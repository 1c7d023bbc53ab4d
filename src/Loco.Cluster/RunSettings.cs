using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Loco.Core.Family;
using Loco.Torch.Data;
using Loco.Torch.Training;

namespace Loco.Cluster;

/// <summary>
/// The settings every process of a cluster run must share, as <see cref="TrainingCheckpoint.Settings"/> records them
/// (model, corpus name and size, the family, steps, seed, schedule), less what each process may choose for itself
/// (its TorchSharp threads), and their SHA-256.
/// </summary>
public static class RunSettings
{
    private static readonly string[] PerProcess = ["threads"];

    /// <summary>The canonical JSON of the shared settings.</summary>
    public static string Of(TokenCorpus corpus, TrainingOptions options)
    {
        JsonObject settings = TrainingCheckpoint.Settings(corpus, options);
        foreach (string key in PerProcess)
        {
            settings.Remove(key);
        }

        return settings.ToJsonString();
    }

    /// <summary>SHA-256 of <paramref name="settings"/> (hex).</summary>
    public static string Hash(string settings) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(settings)));

    /// <summary>
    /// Refuses a worker whose settings differ from the coordinator's, naming each setting that differs (an
    /// <see cref="InvalidInputException"/>).
    /// </summary>
    public static void EnsureSame(string coordinator, string worker)
    {
        if (coordinator == worker)
        {
            return;
        }

        JsonObject a = JsonNode.Parse(coordinator)!.AsObject(), b = JsonNode.Parse(worker)!.AsObject();
        string[] keys = [.. a.Select(kv => kv.Key).Union(b.Select(kv => kv.Key)).Where(k => !JsonNode.DeepEquals(a[k], b[k]))];
        throw new InvalidInputException("--join",
            $"this worker's settings differ from the coordinator's: {string.Join("; ", keys.Select(k => $"{k}: coordinator {a[k]?.ToJsonString() ?? "none"}, worker {b[k]?.ToJsonString() ?? "none"}"))}. " +
            "A worker trains on the same data as the coordinator (the same corpus file at the same path, the same tokenizer).");
    }
}
