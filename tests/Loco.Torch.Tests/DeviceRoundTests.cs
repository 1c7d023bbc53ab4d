using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Torch.Data;
using Loco.Torch.Training;
using static TorchSharp.torch;

namespace Loco.Torch.Tests;

/// <summary>
/// The outer step on the device (<see cref="TensorOuterStep"/>, <see cref="DeviceRound"/>): Loco.Core's coefficients and
/// restart schedule applied to tensors agree with Loco.Core's own step on the same numbers to float rounding, and a
/// training run with the round on the device follows the host round. Run on CPU tensors here (CI has no GPU); the code
/// is the same on a GPU.
/// </summary>
public sealed class DeviceRoundTests
{
    public static TheoryData<string> Members => new()
    {
        "plain", "heavy-ball pytorch", "nesterov pytorch", "heavy-ball ema", "nesterov ema", "nesterov ema every:2", "nesterov pytorch opposed",
    };

    private static OuterOptimizer Member(string name)
    {
        string[] parts = name.Split(' ');
        OuterOptimizer outer = parts[0] switch
        {
            "plain" => Outer.Plain(0.8),
            "heavy-ball" => Outer.HeavyBall(0.6, 0.85, parts[1] == "ema" ? OuterForm.Ema : OuterForm.PyTorch),
            _ => Outer.Nesterov(0.7, 0.9, parts[1] == "ema" ? OuterForm.Ema : OuterForm.PyTorch),
        };
        return parts.Length > 2 ? outer.WithRestart(RestartSchedule.Parse(parts[2])) : outer;
    }

    [Theory]
    [MemberData(nameof(Members))]
    public void TheTensorStepEqualsLocoCoresStepToFloatRounding(string member)
    {
        OuterOptimizer outer = Member(member);
        const int n = 1000;
        var rng = new Random(11);
        float[] hostGlobal = [.. Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble())];
        OuterState<float> hostState = outer.Init<float>(n), deviceState = outer.Init<float>(n);
        using Tensor global = tensor(hostGlobal), momentum = zeros(n);
        for (int round = 0; round < 8; round++)
        {
            // Pseudo-gradients that keep and then flip their direction, so that the `opposed` rule fires on some rounds.
            float sign = round % 3 == 2 ? -1f : 1f;
            float[] delta = [.. Enumerable.Range(0, n).Select(i => sign * (float)(0.1 * Math.Sin(i + round) + 0.02 * rng.NextDouble()))];
            outer.Step<float>(hostGlobal, delta, hostState);
            using Tensor d = tensor(delta);
            TensorOuterStep.Step(outer, global, d, momentum, deviceState);
            Assert.Equal((hostState.CompletedRounds, hostState.RoundsSinceRestart, hostState.Restarts),
                (deviceState.CompletedRounds, deviceState.RoundsSinceRestart, deviceState.Restarts));
            AssertClose(hostGlobal, global.data<float>().ToArray(), 1e-6);
            AssertClose(hostState.Momentum, momentum.data<float>().ToArray(), 1e-6);
        }

        if (member.EndsWith("every:2", StringComparison.Ordinal) || member.EndsWith("opposed", StringComparison.Ordinal))
        {
            Assert.True(hostState.Restarts > 0, "the restart rule never fired: the comparison of restarts says nothing");
        }
    }

    private static void AssertClose(float[] expected, float[] actual, double relative)
    {
        double scale = expected.Max(x => Math.Abs((double)x)) + 1e-30;
        double worst = expected.Zip(actual).Max(p => Math.Abs((double)p.First - p.Second));
        Assert.True(worst <= relative * scale, $"largest difference {worst:G3} against a scale of {scale:G3}");
    }

    private static TokenCorpus Corpus() => CorpusLoader.Generated(new MarkovSource(MarkovSourceOptions.Default), 20_000, 0.1);

    private static TrainingOptions Options(bool onDevice) => new()
    {
        Model = TestModels.Micro with { VocabularySize = 256, MaxContext = 16 },
        Family = new FamilySettings { Preset = Preset.Diloco, Workers = 3, InnerSteps = 3, BatchSize = 4, InnerLr = 3e-3, RestartPeriod = 2 }.Resolve(),
        Context = 16,
        Steps = 15,
        WarmupSteps = 2,
        EvalEvery = 1,
        ValidationWindows = 8,
        Seed = 5,
        OuterOnDevice = onDevice,
    };

    [Fact]
    public void TrainingWithTheRoundOnTheDeviceFollowsTheHostRound()
    {
        TokenCorpus corpus = Corpus();
        using var host = LanguageModelTraining.Create(corpus, Options(false));
        using var device = LanguageModelTraining.Create(corpus, Options(true));
        Assert.False(host.Trainer.OuterOnDevice);
        Assert.True(device.Trainer.OuterOnDevice);
        TrainingOutcome a = host.Train(), b = device.Train();
        Assert.True(a.Finished && b.Finished);
        Assert.Equal(a.History.Select(h => h.Restarted), b.History.Select(h => h.Restarted));
        Assert.Equal(host.Trainer.State.Restarts, device.Trainer.State.Restarts);
        foreach ((RoundReport x, RoundReport y) in a.History.Zip(b.History).Skip(1))
        {
            Assert.InRange(Math.Abs(x.TrainLoss - y.TrainLoss), 0, 1e-4);
            Assert.InRange(Math.Abs(x.ValidationLoss - y.ValidationLoss), 0, 1e-4);
            Assert.InRange(Math.Abs(x.OuterStepNorm - y.OuterStepNorm), 0, 1e-4 * x.OuterStepNorm);
        }

        AssertClose(host.Trainer.Global, device.Trainer.Global, 1e-4);
        AssertClose(host.Trainer.State.Momentum, device.Trainer.State.Momentum, 1e-3);
    }

    [Fact]
    public void ARunWithTheRoundOnTheDeviceResumesBitIdentically()
    {
        TokenCorpus corpus = Corpus();
        string folder = Directory.CreateTempSubdirectory("loco-device-").FullName;
        try
        {
            float[] straight;
            using (var run = LanguageModelTraining.Create(corpus, Options(true)))
            {
                for (int k = 0; k < 4; k++)
                {
                    run.RunRound();
                }

                straight = [.. run.Trainer.Global];
            }

            using (var run = LanguageModelTraining.Create(corpus, Options(true)))
            {
                run.RunRound();
                run.RunRound();
                TrainingCheckpoint.Save(folder, run);
            }

            using var resumed = LanguageModelTraining.Create(corpus, Options(true));
            TrainingCheckpoint.Load(folder, resumed);
            resumed.RunRound();
            resumed.RunRound();
            Assert.Equal(straight, resumed.Trainer.Global);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void TheDeviceRoundIsRefusedWhereItCannotRun()
    {
        TokenCorpus corpus = Corpus();
        Assert.Throws<ArgumentException>(() => LanguageModelTraining.Create(corpus, Options(true) with { Codec = Loco.Core.Codecs.CodecSpec.Parse("int8") }));
    }
}
