using System.Text.Json;
using System.Text.Json.Serialization;
using Loco.Cluster.Protocol;

namespace Loco.Cluster.Storage;

/// <summary>
/// The record of a committed round, written after the shard blobs it references and by compare-and-set (DESIGN.md §7):
/// the round and the restart counters, who contributed, each worker's data position, the configuration's hash and the
/// blobs that hold the shards' slices. A coordinator that restarts reads it and continues from that round.
/// </summary>
public sealed record RunManifest
{
    /// <summary>The run.</summary>
    public required string RunId { get; init; }

    /// <summary>Rounds committed (0: the initial weights).</summary>
    public required long Round { get; init; }

    /// <summary>The restart counter after the round.</summary>
    public required long RoundsSinceRestart { get; init; }

    /// <summary>Restarts so far.</summary>
    public required long Restarts { get; init; }

    /// <summary>The workers whose pseudo-gradients the round averaged, in index order (none for round 0).</summary>
    public required int[] Contributors { get; init; }

    /// <summary>Each worker's data position: inner steps (minibatches) it has drawn from its shard.</summary>
    public required long[] DataPositions { get; init; }

    /// <summary>The configuration's hash (<see cref="RunSpec.ConfigHash"/>).</summary>
    public required string ConfigHash { get; init; }

    /// <summary>The run's settings as flags.</summary>
    public required IReadOnlyDictionary<string, string> Flags { get; init; }

    /// <summary>The shard blobs of the round, by shard.</summary>
    public required BlobRef[] Blobs { get; init; }

    /// <summary>The round's training loss (mean over the contributors, in index order; NaN for round 0).</summary>
    public double TrainLoss { get; init; } = double.NaN;

    /// <summary>Tokens the round's contributors consumed.</summary>
    public long Items { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The manifest as JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>A manifest read back (an <see cref="InvalidDataException"/> naming <paramref name="source"/> when damaged).</summary>
    public static RunManifest Parse(string json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize<RunManifest>(json, Json) ?? throw new InvalidDataException($"{source}: the manifest is empty.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{source}: the manifest cannot be read ({ex.Message}).", ex);
        }
    }
}
