using System.Text.Json.Nodes;
using Loco.Core.Random;
using Loco.Torch.Data;

namespace Loco.Torch.Checkpoints;

/// <summary>
/// The contents of a checkpoint's <c>state.json</c>: everything besides the tensors that a resumed run
/// needs to continue exactly. Plain data; <see cref="CheckpointStore"/> fills <see cref="Files"/>.
/// </summary>
public sealed record CheckpointState
{
    /// <summary>Version of this layout; readers reject versions they do not know.</summary>
    public int FormatVersion { get; init; } = CheckpointStore.FormatVersion;

    /// <summary>The run's configuration (whatever the trainer serialized), so a resume can check it matches.</summary>
    public JsonObject? Config { get; init; }

    /// <summary>Completed outer rounds.</summary>
    public long Round { get; init; }

    /// <summary>How many outer-momentum restarts have happened.</summary>
    public long RestartCount { get; init; }

    /// <summary>The data samplers' states, one per worker.</summary>
    public IReadOnlyList<SamplerState> Samplers { get; init; } = [];

    /// <summary>Named generator states (e.g. dropout or initialization streams).</summary>
    public IReadOnlyDictionary<string, RngState> Rng { get; init; } = new Dictionary<string, RngState>();

    /// <summary>Parameter name → shape of the model the tensors belong to.</summary>
    public IReadOnlyDictionary<string, long[]> ModelShape { get; init; } = new Dictionary<string, long[]>();

    /// <summary>Anything else the trainer wants back on resume (losses so far, timers...).</summary>
    public JsonObject? Extra { get; init; }

    /// <summary>File name → lowercase hex SHA-256 of every other file of the checkpoint; written by <see cref="CheckpointStore.Save"/>.</summary>
    public IReadOnlyDictionary<string, string> Files { get; init; } = new Dictionary<string, string>();
}
