using Loco.Cluster.Grains;
using Loco.Cluster.Hosting;
using Loco.Cluster.Protocol;
using Loco.Core.Family;
using Loco.Torch.Data;
using Loco.Torch.Models;
using Loco.Torch.Training;

namespace Loco.Cluster.Tests;

/// <summary>
/// DiLoCo of a small LLaMA through the cluster, with the shards spread over two TestingHost silos, against the
/// in-process trainer of the same seed: the same losses and the same global weights and outer momentum, bit for bit.
/// </summary>
public sealed class TwoSiloEquivalenceTests
{
    private static TokenCorpus Corpus() => CorpusLoader.Generated(new MarkovSource(MarkovSourceOptions.Default), 20_000, 0.1);

    private static TrainingOptions Options(int restartPeriod) => new()
    {
        Model = new LlamaConfig(VocabularySize: 256, Hidden: 16, Layers: 2, Heads: 2, Ffn: 24, MaxContext: 16),
        Family = new FamilySettings { Preset = Preset.Diloco, Workers = 2, InnerSteps = 3, BatchSize = 4, InnerLr = 3e-3, RestartPeriod = restartPeriod }.Resolve(),
        Context = 16,
        Steps = 15,
        WarmupSteps = 2,
        EvalEvery = 1,
        ValidationWindows = 8,
        Seed = 5,
        Flags = new Dictionary<string, string>(),
    };

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task ShardsOnTwoSilosTrainTheSameBitsAsTheInProcessRun(int restartPeriod)
    {
        TokenCorpus corpus = Corpus();
        TrainingOptions options = Options(restartPeriod);
        var referenceLosses = new List<double>();
        float[] referenceGlobal, referenceMomentum;
        using (LanguageModelTraining reference = LanguageModelTraining.Create(corpus, options))
        {
            for (int r = 0; r < options.Rounds; r++)
            {
                referenceLosses.Add(reference.RunRound().TrainLoss);
            }

            referenceGlobal = [.. reference.Trainer.Global];
            referenceMomentum = [.. reference.Trainer.State.Momentum];
        }

        await using TestClusters c = await TestClusters.StartAsync(2);
        (float[] initial, ValidationLoss validation) = LanguageModelTraining.CreateEvaluator(corpus, options);
        validation.Dispose();
        RunSpec spec = RunBootstrap.Spec("two-silos", corpus, options, initial.Length, shards: 4, chunkFloats: 700);
        BlobRef[] blobs = await RunBootstrap.WriteRoundZeroAsync(c.Store, spec, initial);
        IRunGrain run = c.Client.GetGrain<IRunGrain>(IRunGrain.Key);
        await run.Start(spec, 0, 0, 0, blobs);
        string[] silos = await Task.WhenAll(Enumerable.Range(0, 4).Select(k => c.Client.GetGrain<IShardGrain>(k).Silo()));
        Assert.Equal(2, silos.Distinct().Count());

        var incarnation = Guid.NewGuid();
        JoinTicket ticket = await run.Join(incarnation, "test", 2);
        LanguageModelTraining? created = null;
        var reducer = new ClusterReducer(c.Client, ticket, incarnation, i => (created!.Trainer.Workers[i].RoundMeanLoss, created.Trainer.Workers[i].LastLoss));
        var losses = new List<double>();
        var commits = new List<double>();
        using (LanguageModelTraining worker = LanguageModelTraining.Create(corpus, options with { LocalWorkers = ticket.Workers, Evaluates = false, Reducer = reducer }))
        {
            created = worker;
            for (int r = 0; r < options.Rounds; r++)
            {
                losses.Add(worker.RunRound().TrainLoss);
                commits.Add(reducer.LastCommit!.TrainLoss);
            }

            Assert.Equal(referenceGlobal, worker.Trainer.Global);
            Assert.Equal(restartPeriod == 0 ? 0 : options.Rounds / restartPeriod, worker.Trainer.State.Restarts);
        }

        Assert.Equal(referenceLosses, losses);
        Assert.Equal(referenceLosses, commits);
        var manifest = (await c.Store.ReadManifestAsync())!;
        Assert.Equal(options.Rounds, manifest.Round);
        float[] momentum = new float[initial.Length];
        foreach (BlobRef blob in manifest.Blobs)
        {
            (int offset, int length) = spec.Layout.Slice(blob.Shard);
            (_, float[] v) = await c.Store.ReadBlobAsync(blob, length);
            v.CopyTo(momentum, offset);
        }

        Assert.Equal(referenceMomentum, momentum);
        Assert.Contains(momentum, v => v != 0);
    }

    /// <summary>
    /// Streaming fragments through the cluster: each fragment synchronises on its own inner step and commits its own
    /// shards (spread over two silos), the committed slice comes back τ steps later and merges with α; the weights, the
    /// outer momentum, the losses and the bytes each worker sent equal the in-process run's, bit for bit, with the codec
    /// and its error feedback too.
    /// </summary>
    [Theory]
    [InlineData(2, 0, 0.0, "fp32", false, false, 0)]
    [InlineData(3, 1, 0.5, "int8:64", true, false, 2)]
    [InlineData(4, 1, 0.0, "int4:32", false, true, 0)]
    public async Task FragmentsThroughTheClusterTrainTheSameBitsAsTheInProcessRun(int fragments, int overlap, double alpha, string codec, bool feedback, bool stochastic,
        int restartPeriod)
    {
        TokenCorpus corpus = Corpus();
        TrainingOptions options = Options(restartPeriod) with
        {
            Family = new FamilySettings { Preset = Preset.Diloco, Workers = 2, InnerSteps = 8, BatchSize = 4, InnerLr = 3e-3, RestartPeriod = restartPeriod }.Resolve(),
            Steps = 40,
            Fragments = new Loco.Core.Rounds.FragmentSchedule(fragments, overlap, alpha),
            Codec = Loco.Core.Codecs.CodecSpec.Parse(codec, stochastic),
            ErrorFeedback = feedback,
        };
        var referenceLosses = new List<double>();
        var referenceBytes = new List<long>();
        float[] referenceGlobal, referenceMomentum;
        using (LanguageModelTraining reference = LanguageModelTraining.Create(corpus, options))
        {
            for (int r = 0; r < options.Rounds; r++)
            {
                RoundReport report = reference.RunRound();
                referenceLosses.Add(report.TrainLoss);
                referenceBytes.Add(report.BytesSent);
            }

            referenceGlobal = [.. reference.Trainer.Global];
            referenceMomentum = [.. reference.Trainer.State.Momentum];
        }

        await using TestClusters c = await TestClusters.StartAsync(2);
        (float[] initial, ValidationLoss validation) = LanguageModelTraining.CreateEvaluator(corpus, options);
        validation.Dispose();
        RunSpec spec = RunBootstrap.Spec("fragments", corpus, options, initial.Length, shards: 3, chunkFloats: 700);
        Assert.Equal(fragments, spec.Layout.Fragments);
        Assert.Equal(fragments, spec.Layout.Shards / spec.Layout.ShardsPerFragment);
        BlobRef[] blobs = await RunBootstrap.WriteRoundZeroAsync(c.Store, spec, initial);
        IRunGrain run = c.Client.GetGrain<IRunGrain>(IRunGrain.Key);
        await run.Start(spec, 0, 0, 0, blobs);

        var incarnation = Guid.NewGuid();
        JoinTicket ticket = await run.Join(incarnation, "test", 2);
        LanguageModelTraining? created = null;
        var reducer = new ClusterReducer(c.Client, ticket, incarnation, i => (created!.Trainer.Workers[i].RoundMeanLoss, created.Trainer.Workers[i].LastLoss))
        {
            CodecSeed = options.Seed,
            ErrorFeedback = feedback,
        };
        var losses = new List<double>();
        var commits = new List<double>();
        var bytes = new List<long>();
        using (LanguageModelTraining worker = LanguageModelTraining.Create(corpus, options with { LocalWorkers = ticket.Workers, Evaluates = false, Reducer = reducer }))
        {
            created = worker;
            for (int r = 0; r < options.Rounds; r++)
            {
                RoundReport report = worker.RunRound();
                losses.Add(report.TrainLoss);
                bytes.Add(report.BytesSent);
                commits.Add(reducer.LastCommit!.TrainLoss);
            }

            Assert.Equal(referenceGlobal, worker.Trainer.Global);
            Assert.Equal(restartPeriod == 0 ? 0 : options.Rounds / restartPeriod, worker.Trainer.State.Restarts);
        }

        Assert.Equal(referenceLosses, losses);
        Assert.Equal(referenceLosses, commits);
        Assert.Equal(referenceBytes, bytes);
        var manifest = (await c.Store.ReadManifestAsync())!;
        Assert.Equal(options.Rounds, manifest.Round);
        float[] global = new float[initial.Length], momentum = new float[initial.Length];
        foreach (BlobRef blob in manifest.Blobs)
        {
            (int offset, int length) = spec.Layout.Slice(blob.Shard);
            (float[] w, float[] v) = await c.Store.ReadBlobAsync(blob, length);
            w.CopyTo(global, offset);
            v.CopyTo(momentum, offset);
        }

        Assert.Equal(referenceGlobal, global);
        Assert.Equal(referenceMomentum, momentum);
        Assert.Contains(momentum, v => v != 0);
    }
}
