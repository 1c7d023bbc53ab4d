using Loco.Core.Family;
using Loco.Torch.Data;
using Loco.Torch.Models;
using Loco.Torch.Training;

namespace Loco.Torch.Tests;

public sealed class ResumeTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("loco-resume-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static TokenCorpus Corpus() => CorpusLoader.Generated(new MarkovSource(MarkovSourceOptions.Default), 20_000, 0.1);

    private static TrainingOptions Options(int steps) => new()
    {
        Model = (TestModels.Micro with { VocabularySize = 256, MaxContext = 16 }),
        Family = new FamilySettings { Preset = Preset.Diloco, Workers = 2, InnerSteps = 3, BatchSize = 4, InnerLr = 3e-3, RestartPeriod = 2 }.Resolve(),
        Context = 16,
        Steps = steps,
        WarmupSteps = 2,
        EvalEvery = 1,
        ValidationWindows = 8,
        Seed = 5,
    };

    private static (float[] Global, float[] Momentum, double[] Losses) Run(LanguageModelTraining run, int rounds)
    {
        var losses = new List<double>();
        for (int k = 0; k < rounds; k++)
        {
            RoundReport r = run.RunRound();
            losses.Add(r.TrainLoss);
            losses.Add(r.ValidationLoss);
        }

        return ([.. run.Trainer.Global], [.. run.Trainer.State.Momentum], [.. losses]);
    }

    [Fact]
    public void ResumedRunIsBitIdenticalToAnUninterruptedOne()
    {
        TokenCorpus corpus = Corpus();
        (float[] Global, float[] Momentum, double[] Losses) straight;
        using (var run = LanguageModelTraining.Create(corpus, Options(15)))
        {
            straight = Run(run, 5);
        }

        string checkpoint = Path.Combine(_folder, "ckpt");
        double[] firstLosses;
        using (var run = LanguageModelTraining.Create(corpus, Options(15)))
        {
            firstLosses = Run(run, 3).Losses;
            TrainingCheckpoint.Save(checkpoint, run, []);
            // Keep going after the save: the saved state must not depend on what happens later in this process.
            run.RunRound();
        }

        using (var resumed = LanguageModelTraining.Create(corpus, Options(15)))
        {
            TrainingCheckpoint.Load(checkpoint, resumed);
            Assert.Equal(3, resumed.Trainer.CompletedRounds);
            var rest = Run(resumed, 2);
            Assert.Equal(straight.Global, rest.Global);       // bit for bit
            Assert.Equal(straight.Momentum, rest.Momentum);
            double[] joined = [.. firstLosses, .. rest.Losses];
            Assert.Equal(straight.Losses, joined);
        }

        // A fresh run (not resumed) differs: the comparison above can fail.
        using var fresh = LanguageModelTraining.Create(corpus, Options(15));
        Assert.NotEqual(straight.Global, Run(fresh, 2).Global);
    }

    [Fact]
    public void CheckpointOfAnotherShapeOrConfigIsRejected()
    {
        TokenCorpus corpus = Corpus();
        string checkpoint = Path.Combine(_folder, "ckpt");
        using (var run = LanguageModelTraining.Create(corpus, Options(6)))
        {
            Run(run, 1);
            TrainingCheckpoint.Save(checkpoint, run, []);
        }

        using (var wider = LanguageModelTraining.Create(corpus, Options(6) with { Model = Options(6).Model with { Ffn = 32 } }))
        {
            var ex = Assert.Throws<InvalidInputException>(() => TrainingCheckpoint.Load(checkpoint, wider));
            Assert.Equal("--resume", ex.Subject);
            Assert.Contains("another shape", ex.Problem);
        }

        using var otherLr = LanguageModelTraining.Create(corpus, Options(6) with { Family = Options(6).Family with { InnerLr = 1e-2 } });
        var ex2 = Assert.Throws<InvalidInputException>(() => TrainingCheckpoint.Load(checkpoint, otherLr));
        Assert.Contains("inner_lr", ex2.Problem);
    }
}
