using System.Text.Json;

namespace Loco.Cluster.Storage;

/// <summary>
/// <c>cluster/run.json</c> in a coordinator's run folder: what <c>loco coordinator --resume DIR</c> needs besides the
/// manifest: the run's id, where its store is, and how the cluster was set up.
/// </summary>
public sealed record RunRecord
{
    /// <summary>The run's id (the Redis store's keys carry it).</summary>
    public required string RunId { get; init; }

    /// <summary>Redis HOST:PORT of the store, or null for the file store.</summary>
    public string? Redis { get; init; }

    /// <summary>Where workers joined.</summary>
    public required string Listen { get; init; }

    /// <summary>Shards.</summary>
    public required int Shards { get; init; }

    /// <summary>Floats per chunk.</summary>
    public required int ChunkFloats { get; init; }

    /// <summary>The quorum (0: all workers).</summary>
    public int MinWorkers { get; init; }

    /// <summary>The lease in seconds.</summary>
    public double LeaseSeconds { get; init; }

    /// <summary>The cluster certificate's file (a resume uses it again), or null for a cluster without TLS.</summary>
    public string? Certificate { get; init; }

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The record's file in a run folder.</summary>
    public static string PathIn(string outFolder) => Path.Combine(Path.GetFullPath(outFolder), "cluster", "run.json");

    /// <summary>Writes it (to a temporary name, then renamed).</summary>
    public void Save(string outFolder)
    {
        string path = PathIn(outFolder);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(this, Json));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>Reads the record of the run in <paramref name="outFolder"/>, or null when it holds none.</summary>
    public static RunRecord? Load(string outFolder)
    {
        string path = PathIn(outFolder);
        return File.Exists(path) ? JsonSerializer.Deserialize<RunRecord>(File.ReadAllText(path), Json) : null;
    }
}
