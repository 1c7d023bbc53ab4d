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
            TrainingCheckpoint.Save(checkpoint, run);
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
    public void StreamingFragmentsResumeBitIdenticallyAndOneFragmentIsThePlainRound()
    {
        // Fragments keep the workers' fast weights across rounds (only the first round copies the global weights in),
        // so a resume must restore them: the checkpoint's worker files do, and the run continues bit for bit.
        TokenCorpus corpus = Corpus();
        TrainingOptions streaming = Options(18) with
        {
            Family = Options(18).Family with { InnerSteps = 6 },
            Fragments = new Loco.Core.Rounds.FragmentSchedule(3, Overlap: 1, Alpha: 0.2),
            Codec = Loco.Core.Codecs.CodecSpec.Parse("int8:64", stochastic: true),
            ErrorFeedback = true,
        };
        (float[] Global, float[] Momentum, double[] Losses) straight;
        using (var run = LanguageModelTraining.Create(corpus, streaming))
        {
            straight = Run(run, 3);
        }

        string checkpoint = Path.Combine(_folder, "fragments");
        double[] firstLosses;
        using (var run = LanguageModelTraining.Create(corpus, streaming))
        {
            firstLosses = Run(run, 2).Losses;
            TrainingCheckpoint.Save(checkpoint, run);
        }

        using (var resumed = LanguageModelTraining.Create(corpus, streaming))
        {
            TrainingCheckpoint.Load(checkpoint, resumed);
            var rest = Run(resumed, 1);
            Assert.Equal(straight.Global, rest.Global);
            Assert.Equal(straight.Momentum, rest.Momentum);
            double[] joined = [.. firstLosses, .. rest.Losses];
            Assert.Equal(straight.Losses, joined);
        }

        // One fragment without overlap is the plain round, bit for bit, on the language model too.
        TrainingOptions plain = Options(9);
        using var a = LanguageModelTraining.Create(corpus, plain);
        using var b = LanguageModelTraining.Create(corpus, plain with { Fragments = new Loco.Core.Rounds.FragmentSchedule(1) });
        var ra = Run(a, 3);
        var rb = Run(b, 3);
        Assert.Equal(ra.Global, rb.Global);
        Assert.Equal(ra.Losses, rb.Losses);
        Assert.NotEqual(straight.Global, ra.Global);
    }

    [Fact]
    public void TrainStoppedBetweenRoundsCheckpointsAndTheResumedLoopEndsAsAnUninterruptedOne()
    {
        TokenCorpus corpus = Corpus();
        TrainingOutcome straight;
        float[] straightGlobal;
        using (var run = LanguageModelTraining.Create(corpus, Options(15)))
        {
            straight = run.Train();
            straightGlobal = [.. run.Trainer.Global];
        }

        Assert.True(straight.Finished);
        Assert.Equal(6, straight.History.Count); // round 0 and 5 rounds
        string checkpoint = Path.Combine(_folder, "ckpt");
        using (var stop = new CancellationTokenSource())
        using (var run = LanguageModelTraining.Create(corpus, Options(15)))
        {
            var saved = new List<long>();
            TrainingOutcome first = run.Train(new TrainingLoop
            {
                CheckpointFolder = checkpoint,
                OnRound = r =>
                {
                    if (r.Round == 2) stop.Cancel();
                },
                OnCheckpoint = saved.Add,
            }, stop.Token);
            Assert.True(first.Stopped);
            Assert.Equal([2L], saved); // only the stop wrote one (CheckpointEvery = 0)
            Assert.Equal(3, first.History.Count);
        }

        using var resumed = LanguageModelTraining.Create(corpus, Options(15));
        Assert.Equal(2, TrainingCheckpoint.Load(checkpoint, resumed));
        TrainingOutcome rest = resumed.Train(new TrainingLoop { CheckpointFolder = checkpoint });
        Assert.True(rest.Finished);
        Assert.Equal(straightGlobal, resumed.Trainer.Global); // bit for bit
        Assert.Equal(straight.History.Select(h => (h.Round, h.TrainLoss, h.ValidationLoss, h.Items)), rest.History.Select(h => (h.Round, h.TrainLoss, h.ValidationLoss, h.Items)));
        Assert.True(rest.History.Zip(rest.History.Skip(1)).All(p => p.Second.Seconds >= p.First.Seconds)); // one clock over both sessions
    }

    [Fact]
    public void DivergenceEndsTheLoopAndKeepsTheLastGoodCheckpoint()
    {
        TokenCorpus corpus = Corpus();
        string checkpoint = Path.Combine(_folder, "ckpt");
        using var run = LanguageModelTraining.Create(corpus, Options(15));
        byte[]? afterRoundOne = null;
        TrainingOutcome outcome = run.Train(new TrainingLoop
        {
            CheckpointFolder = checkpoint,
            CheckpointEvery = 1,
            OnRound = r =>
            {
                if (r.Round == 1)
                {
                    afterRoundOne = File.ReadAllBytes(Path.Combine(checkpoint, "global.safetensors"));
                    Array.Fill(run.Trainer.Global, float.NaN); // the next round's losses are NaN
                }
            },
        });
        Assert.NotNull(outcome.Diverged);
        Assert.Equal(2, outcome.Diverged!.Round);
        Assert.Equal(2, outcome.History.Count); // rounds 0 and 1
        Assert.Equal(afterRoundOne, File.ReadAllBytes(Path.Combine(checkpoint, "global.safetensors")));
        Assert.False(Directory.Exists(checkpoint + ".partial"));
    }

    [Fact]
    public void CheckpointLeftBetweenTheTwoRenamesIsFoundAndPutInPlace()
    {
        TokenCorpus corpus = Corpus();
        string checkpoint = Path.Combine(_folder, "run", "checkpoint");
        string older = Path.Combine(_folder, "older");
        using (var stop = new CancellationTokenSource())
        using (var run = LanguageModelTraining.Create(corpus, Options(15)))
        {
            run.Train(new TrainingLoop
            {
                CheckpointFolder = checkpoint,
                CheckpointEvery = 1,
                OnRound = r =>
                {
                    if (r.Round == 1) CopyFolder(checkpoint, older);
                    if (r.Round == 3) stop.Cancel();
                },
            }, stop.Token);
        }

        // The state a crash between CheckpointStore.Commit's two renames leaves: no F, the new one as F.partial,
        // the one before it as F.previous.
        Directory.Move(checkpoint, checkpoint + ".partial");
        Directory.Move(older, checkpoint + ".previous");
        using var resumed = LanguageModelTraining.Create(corpus, Options(15));
        Assert.Equal(3, TrainingCheckpoint.Load(Path.Combine(_folder, "run"), resumed)); // the run folder, as loco train --resume gets it
        Assert.Equal(4, resumed.History.Count);
        Assert.True(File.Exists(Path.Combine(checkpoint, "state.json")));
        Assert.False(Directory.Exists(checkpoint + ".partial"));
        Assert.False(Directory.Exists(checkpoint + ".previous"));
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }

    [Fact]
    public void CheckpointOfAnotherShapeOrConfigIsRejected()
    {
        TokenCorpus corpus = Corpus();
        string checkpoint = Path.Combine(_folder, "ckpt");
        using (var run = LanguageModelTraining.Create(corpus, Options(6)))
        {
            Run(run, 1);
            TrainingCheckpoint.Save(checkpoint, run);
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
