using Loco.Core.Family;
using Loco.Torch.Data;
using Loco.Torch.Models;
using Loco.Torch.Training;

namespace Loco.Cluster.Tests;

public sealed class RunSettingsTests
{
    private static TrainingOptions Options(int steps, int batch) => new()
    {
        Model = new LlamaConfig(VocabularySize: 256, Hidden: 16, Layers: 2, Heads: 2, Ffn: 24, MaxContext: 16),
        Family = new FamilySettings { Preset = Preset.Diloco, Workers = 2, InnerSteps = 3, BatchSize = batch }.Resolve(),
        Context = 16,
        Steps = steps,
        Threads = 1,
    };

    [Fact]
    public void AWorkerWhoseSettingsDifferIsRefusedNamingEachDifferingSetting()
    {
        TokenCorpus corpus = CorpusLoader.Generated(new MarkovSource(MarkovSourceOptions.Default), 20_000, 0.1);
        string coordinator = RunSettings.Of(corpus, Options(12, 4));
        RunSettings.EnsureSame(coordinator, RunSettings.Of(corpus, Options(12, 4) with { Threads = 3 })); // threads are each process's own
        Assert.Equal(RunSettings.Hash(coordinator), RunSettings.Hash(RunSettings.Of(corpus, Options(12, 4))));
        InvalidInputException ex = Assert.Throws<InvalidInputException>(() => RunSettings.EnsureSame(coordinator, RunSettings.Of(corpus, Options(15, 8))));
        Assert.Equal("--join", ex.Subject);
        Assert.Contains("steps: coordinator 12, worker 15", ex.Problem);
        Assert.Contains("batch: coordinator 4, worker 8", ex.Problem);
        Assert.DoesNotContain("context:", ex.Problem);
        TokenCorpus other = CorpusLoader.Generated(new MarkovSource(MarkovSourceOptions.Default), 30_000, 0.1);
        Assert.Contains("train_tokens", Assert.Throws<InvalidInputException>(() => RunSettings.EnsureSame(coordinator, RunSettings.Of(other, Options(12, 4)))).Problem);
    }
}
