using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Torch.Data;
using Loco.Torch.Training;

namespace Loco.Torch.Tests;

/// <summary><c>--restart adaptive:loss</c> and <c>adaptive:dot</c> on the language model: they fire, and a run resumes bit for bit (the last round's loss travels in the checkpoint).</summary>
public sealed class AdaptiveRestartTrainingTests
{
    private static TokenCorpus Corpus() => CorpusLoader.Generated(new MarkovSource(MarkovSourceOptions.Default), 20_000, 0.1);

    private static TrainingOptions Options(string rule) => new()
    {
        Model = TestModels.Micro with { VocabularySize = 256, MaxContext = 16 },
        Family = new FamilySettings { Preset = Preset.Diloco, Workers = 2, InnerSteps = 3, BatchSize = 2, InnerLr = 3e-3, OuterLr = 2.5, OuterMomentum = 0.9, Restart = RestartSchedule.Parse(rule) }.Resolve(), // an outer step that overshoots, so the rules have something to see
        Context = 16,
        Steps = 30,
        WarmupSteps = 2,
        EvalEvery = 0,
        ValidationWindows = 8,
        Seed = 3,
    };

    [Theory]
    [InlineData("adaptive:loss")]
    [InlineData("opposed:1")] // cos(Δ, v) < 1: every round once v ≠ 0 (Δ·v < 0 itself never happened in these ten rounds); the rule's selectivity is tested in Loco.Core
    public void AdaptiveRulesFireAndResumeBitIdentically(string rule)
    {
        TokenCorpus corpus = Corpus();
        string folder = Directory.CreateTempSubdirectory("loco-adaptive-").FullName;
        try
        {
            float[] straight;
            long restarts;
            using (var run = LanguageModelTraining.Create(corpus, Options(rule)))
            {
                for (int k = 0; k < 10; k++)
                {
                    run.RunRound();
                }

                straight = [.. run.Trainer.Global];
                restarts = run.Trainer.State.Restarts;
            }

            Assert.InRange(restarts, 1, 9); // fired, and not every round

            double saved;
            using (var run = LanguageModelTraining.Create(corpus, Options(rule)))
            {
                for (int k = 0; k < 5; k++)
                {
                    run.RunRound();
                }

                TrainingCheckpoint.Save(folder, run);
                saved = run.Trainer.State.LastRoundLoss;
            }

            using var resumed = LanguageModelTraining.Create(corpus, Options(rule));
            TrainingCheckpoint.Load(folder, resumed);
            Assert.Equal(saved, resumed.Trainer.State.LastRoundLoss);
            Assert.True(double.IsFinite(saved));
            for (int k = 0; k < 5; k++)
            {
                resumed.RunRound();
            }

            Assert.Equal(straight, resumed.Trainer.Global);
            Assert.Equal(restarts, resumed.Trainer.State.Restarts);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
