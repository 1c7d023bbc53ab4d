using Loco.Cluster.Protocol;
using Loco.Cluster.Storage;
using Loco.Torch.Data;
using Loco.Torch.Training;

namespace Loco.Cluster.Hosting;

/// <summary>How a run begins: its spec from the training options, and round 0 in the store.</summary>
public static class RunBootstrap
{
    /// <summary>The spec of a run of <paramref name="options"/> (with its flags) on <paramref name="corpus"/>, over <paramref name="dimension"/> weights.</summary>
    public static RunSpec Spec(string runId, TokenCorpus corpus, TrainingOptions options, int dimension, int shards, int chunkFloats = ShardLayout.DefaultChunkFloats,
        int dataPort = 0)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentNullException.ThrowIfNull(options);
        string settings = RunSettings.Of(corpus, options);
        return new RunSpec
        {
            RunId = runId,
            Flags = options.Flags ?? new Dictionary<string, string>(),
            ConfigHash = RunSettings.Hash(settings),
            Settings = settings,
            Layout = ShardLayout.Of(dimension, shards, chunkFloats, options.Codec.Blockwise ? options.Codec.BlockSize : 1, options.Fragments?.Count ?? 1),
            Codec = options.Codec.Name,
            StochasticRounding = options.Codec.Stochastic,
            Workers = options.Family.Workers,
            Rounds = options.Rounds,
            InnerSteps = options.Family.InnerSteps,
            ItemsPerWorkerRound = (long)options.Family.BatchSize * options.Context * options.Family.InnerSteps,
            OuterKind = options.Family.OuterKind.ToString(),
            OuterForm = options.Family.OuterForm.ToString(),
            OuterLr = options.Family.OuterLr,
            OuterMomentum = options.Family.OuterMomentum,
            Restart = options.Family.Restart.Spec,
            DataPort = dataPort,
        };
    }

    /// <summary>Writes round 0: the initial weights and zero momentum as shard blobs, then the first manifest; returns the blobs.</summary>
    public static async Task<BlobRef[]> WriteRoundZeroAsync(IRunStore store, RunSpec spec, float[] initial)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(initial);
        ShardLayout layout = spec.Layout;
        var blobs = new BlobRef[layout.Shards];
        for (int k = 0; k < layout.Shards; k++)
        {
            (int offset, int length) = layout.Slice(k);
            blobs[k] = await store.WriteBlobAsync(k, 0, initial.AsMemory(offset, length), new float[length]);
        }

        await store.WriteManifestAsync(new RunManifest
        {
            RunId = spec.RunId,
            Round = 0,
            RoundsSinceRestart = 0,
            Restarts = 0,
            Contributors = [],
            DataPositions = new long[spec.Workers],
            ConfigHash = spec.ConfigHash,
            Flags = spec.Flags,
            Blobs = blobs,
        }, null);
        return blobs;
    }
}
