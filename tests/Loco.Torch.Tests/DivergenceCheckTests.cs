using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Torch.Data;
using Loco.Torch.Training;
using static TorchSharp.torch;

namespace Loco.Torch.Tests;

/// <summary>
/// The deferred non-finite check (<c>--check-every</c>): the losses stay on the device and are read once per round, yet a
/// divergence is reported at the same round and step as the per-step check, and fp32 results do not change.
/// </summary>
public sealed class DivergenceCheckTests
{
    private static TokenCorpus Corpus() => CorpusLoader.Generated(new MarkovSource(MarkovSourceOptions.Default), 20_000, 0.1);

    private static TrainingOptions Options(int checkEvery, FamilyConfig? family = null, double clip = 1.0) => new()
    {
        Model = TestModels.Micro with { VocabularySize = 256, MaxContext = 16 },
        Family = family ?? new FamilySettings { Preset = Preset.Diloco, Workers = 2, InnerSteps = 4, BatchSize = 4, InnerLr = 3e-3, RestartPeriod = 2 }.Resolve(),
        Context = 16,
        Steps = 24,
        WarmupSteps = 2,
        EvalEvery = 2,
        ValidationWindows = 8,
        Seed = 7,
        CheckEvery = checkEvery,
        ClipNorm = clip,
    };

    [Fact]
    public void Fp32ResultsAreBitIdenticalWhateverTheCheckPeriod()
    {
        TokenCorpus corpus = Corpus();
        (RoundReport[] History, float[] Global) Train(int checkEvery)
        {
            using var run = LanguageModelTraining.Create(corpus, Options(checkEvery));
            TrainingOutcome outcome = run.Train();
            Assert.True(outcome.Finished);
            return ([.. outcome.History.Select(h => h with { Seconds = 0 })], [.. run.Trainer.Global]);
        }

        var perStep = Train(1); // the check of earlier versions: each loss read before its backward pass
        foreach (int every in new[] { 0, 3 })
        {
            var deferred = Train(every);
            Assert.Equal(perStep.Global, deferred.Global);
            Assert.Equal(perStep.History.Select(h => (h.Round, h.TrainLoss, h.ValidationLoss)), deferred.History.Select(h => (h.Round, h.TrainLoss, h.ValidationLoss)));
        }
    }

    /// <summary>A worker loss that turns non-finite from its <paramref name="poisonedCall"/>-th call on (1-based).</summary>
    private sealed class PoisonedLoss(IMinibatchLoss inner, int poisonedCall) : IMinibatchLoss
    {
        private int _calls;

        public long ItemsPerBatch => inner.ItemsPerBatch;

        public Tensor Next()
        {
            Tensor loss = inner.Next();
            return ++_calls >= poisonedCall ? loss * float.NaN : loss;
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void APoisonedStepIsReportedAtItsRoundAndStepAndTheGlobalWeightsKeepTheLastGoodRound(int checkEvery)
    {
        TokenCorpus corpus = Corpus();
        using var run = LanguageModelTraining.Create(corpus, Options(checkEvery));
        ModuleWorker worker = run.Trainer.Workers[1];
        // H = 4: worker 1's 7th loss is round 2, step 3.
        var poisoned = new ModuleWorker(1, worker.Module, new PoisonedLoss(worker.Loss, 7), _ => worker.Optimizer,
            new InnerLoopOptions(new LearningRateSchedule(3e-3)) { CheckEvery = checkEvery });
        var trainer = new DiLoCoTrainer([run.Trainer.Workers[0], poisoned], Outer.Nesterov(), innerSteps: 4);
        trainer.RunRound();
        float[] afterOne = [.. trainer.Global];
        float[] momentum = [.. trainer.State.Momentum];
        var diverged = Assert.Throws<TrainingDivergedException>(() => trainer.RunRound());
        Assert.Equal((2L, 3, 1), (diverged.Round, diverged.Step, diverged.Worker));
        Assert.True(double.IsNaN(diverged.Loss));
        Assert.Equal("diverged at round 2, step 3 (worker 1, loss NaN)", diverged.Message);
        Assert.Equal(afterOne, trainer.Global);
        Assert.Equal(momentum, trainer.State.Momentum);
        Assert.Equal(1, trainer.CompletedRounds);
    }

    [Fact]
    public void ARealDivergenceIsFoundAtTheSameRoundAndStepByEveryCheckPeriod()
    {
        // Plain SGD at an absurd learning rate without clipping: the weights blow up within a few steps.
        FamilyConfig family = TrainingDefaults.Family(new FamilySettings { InnerKind = InnerKind.Sgd, Workers = 2, InnerSteps = 5, BatchSize = 4, InnerLr = 3e4 });
        TokenCorpus corpus = Corpus();
        (long, int, int) Where(int checkEvery)
        {
            using var run = LanguageModelTraining.Create(corpus, Options(checkEvery, family, clip: 0) with { Steps = 40 });
            TrainingOutcome outcome = run.Train();
            Assert.NotNull(outcome.Diverged);
            return (outcome.Diverged!.Round, outcome.Diverged.Step, outcome.Diverged.Worker);
        }

        (long round, int step, int worker) = Where(1);
        Assert.True(round > 1 || step > 1, "the run diverged at its very first step; the comparison needs a later one");
        Assert.Equal((round, step, worker), Where(0));
        Assert.Equal((round, step, worker), Where(2));
    }
}
