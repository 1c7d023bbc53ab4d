using Loco.Core.Family;
using Loco.Torch.Data;
using Loco.Torch.Models;
using Loco.Torch.Training;
using static TorchSharp.torch;

namespace Loco.Torch.Tests;

/// <summary>
/// Mixed precision (<c>--precision</c>): the forward and backward pass in bf16 or fp16 on fp32 master weights, fp16's loss
/// scaler, and that fp32 is what it was.
/// </summary>
public sealed class PrecisionTests
{
    private static (double Loss, float[] Gradient) LossAndGradient(Precision precision)
    {
        using Llama model = TestModels.NewMicro(seed: 3);
        model.Precision = precision;
        var flat = FlatParameters.Of(model);
        (Tensor x, Tensor y) = TestModels.Batches(1, batch: 4, context: 12, vocab: 17, seed: 9)[0];
        flat.ZeroGradients();
        Tensor loss = model.Loss(x, y);
        Assert.Equal(ScalarType.Float32, loss.dtype); // the loss is computed in fp32 whatever the precision
        loss.backward();
        Assert.All(flat.Parameters, p => Assert.Equal(ScalarType.Float32, p.dtype));
        Assert.Equal(ScalarType.Float32, flat.Gradient.dtype);
        return (loss.item<float>(), flat.Gradient.data<float>().ToArray());
    }

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            aa += (double)a[i] * a[i];
            bb += (double)b[i] * b[i];
        }

        return dot / Math.Sqrt(aa * bb);
    }

    [Theory]
    [InlineData(Precision.Bf16, 3e-2)]
    [InlineData(Precision.Fp16, 5e-3)]
    public void LowPrecisionForwardAndBackwardStayCloseToFp32WithFp32Weights(Precision precision, double lossTolerance)
    {
        (double loss32, float[] grad32) = LossAndGradient(Precision.Fp32);
        (double loss, float[] grad) = LossAndGradient(precision);
        // The products really ran in the lower precision (bf16 keeps 8 bits of mantissa, fp16 11): not the fp32 bits...
        Assert.NotEqual(loss32, loss);
        Assert.False(grad32.AsSpan().SequenceEqual(grad));
        // ...and within what that precision allows.
        Assert.InRange(Math.Abs(loss - loss32), 0, lossTolerance);
        Assert.InRange(Cosine(grad32, grad), 0.99, 1.0);
    }

    [Fact]
    public void SettingThePrecisionBackToFp32GivesTheFp32BitsAgain()
    {
        // Every block follows the model's setting both ways (a block left in bf16 would change the bits).
        (double a, float[] ga) = LossAndGradient(Precision.Fp32);
        using Llama model = TestModels.NewMicro(seed: 3);
        model.Precision = Precision.Bf16;
        model.Precision = Precision.Fp32;
        var flat = FlatParameters.Of(model);
        (Tensor x, Tensor y) = TestModels.Batches(1, batch: 4, context: 12, vocab: 17, seed: 9)[0];
        flat.ZeroGradients();
        Tensor loss = model.Loss(x, y);
        loss.backward();
        Assert.Equal(a, loss.item<float>());
        Assert.Equal(ga, flat.Gradient.data<float>().ToArray());
    }

    [Fact]
    public void LossScalerSkipsOverflowingStepsHalvesAndGrowsLikeGradScaler()
    {
        using Llama model = TestModels.NewMicro(seed: 1);
        var flat = FlatParameters.Of(model);
        var scaler = new LossScaler(initialScale: 1024, growthInterval: 3);
        using (no_grad())
        {
            flat.Gradient.fill_(2048.0);
        }

        Assert.True(scaler.Unscale(flat));
        Assert.All(flat.Gradient.data<float>().ToArray(), g => Assert.Equal(2f, g)); // divided by S
        Assert.Equal(1024, scaler.Scale);
        using (no_grad())
        {
            flat.Gradient.fill_(1.0);
            flat.Gradient[5] = float.PositiveInfinity;
        }

        Assert.False(scaler.Unscale(flat)); // an inf anywhere skips the step and halves S
        Assert.Equal(512, scaler.Scale);
        Assert.Equal(1, scaler.Skipped);
        for (int i = 0; i < 3; i++)
        {
            using (no_grad())
            {
                flat.Gradient.fill_(1.0);
            }

            Assert.True(scaler.Unscale(flat));
        }

        Assert.Equal(1024, scaler.Scale); // three good steps in a row double it
        Assert.Equal(0, scaler.GoodSteps);
        Assert.Equal(4.0 * 512, new LossScaler(512).Scaled(tensor(4.0f)).item<float>());
    }

    private static TokenCorpus Corpus() => CorpusLoader.Generated(new MarkovSource(MarkovSourceOptions.Default), 20_000, 0.1);

    private static TrainingOptions Options(int steps, Precision precision = Precision.Fp32) => new()
    {
        Model = TestModels.Micro with { VocabularySize = 256, MaxContext = 16 },
        Family = new FamilySettings { Preset = Preset.Diloco, Workers = 2, InnerSteps = 3, BatchSize = 4, InnerLr = 3e-3 }.Resolve(),
        Context = 16,
        Steps = steps,
        WarmupSteps = 2,
        EvalEvery = 1,
        ValidationWindows = 8,
        Seed = 5,
        Precision = precision,
    };

    [Theory]
    [InlineData(Precision.Bf16)]
    [InlineData(Precision.Fp16)]
    public void LowPrecisionRunsTrainAndResumeBitIdentically(Precision precision)
    {
        TokenCorpus corpus = Corpus();
        string folder = Directory.CreateTempSubdirectory("loco-precision-").FullName;
        try
        {
            float[] straight;
            double first, last;
            using (var run = LanguageModelTraining.Create(corpus, Options(18, precision)))
            {
                first = run.Evaluate();
                for (int k = 0; k < 6; k++)
                {
                    run.RunRound();
                }

                straight = [.. run.Trainer.Global];
                last = run.Evaluate();
            }

            Assert.True(last < first - 0.1, $"validation loss {first} → {last}: the run did not learn");

            using (var run = LanguageModelTraining.Create(corpus, Options(18, precision)))
            {
                for (int k = 0; k < 3; k++)
                {
                    run.RunRound();
                }

                TrainingCheckpoint.Save(folder, run);
            }

            using var resumed = LanguageModelTraining.Create(corpus, Options(18, precision));
            TrainingCheckpoint.Load(folder, resumed);
            for (int k = 0; k < 3; k++)
            {
                resumed.RunRound();
            }

            Assert.Equal(straight, resumed.Trainer.Global); // fp16's scaler state travels in the checkpoint

            // The same run in fp32 gives other weights: the precision is really in effect.
            using var fp32 = LanguageModelTraining.Create(corpus, Options(18));
            fp32.RunRound();
            Assert.NotEqual(straight, fp32.Trainer.Global);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Bf16TrainingOfTheDefaultRunEndsWithin002NatsOfFp32()
    {
        // `loco train`'s default run (tiny model, DiLoCo M = 2, H = 20, 360 steps on the generated Markov corpus).
        TokenCorpus corpus = CorpusLoader.Generated(new MarkovSource(MarkovSourceOptions.Default), TrainingDefaults.Letters, TrainingDefaults.ValidationFraction);
        double Final(Precision precision)
        {
            var options = new TrainingOptions
            {
                Model = LlamaConfig.Preset(TrainingDefaults.Model, corpus.VocabularySize, TrainingDefaults.Context),
                Family = TrainingDefaults.Family(new FamilySettings()),
                Context = TrainingDefaults.Context,
                Steps = TrainingDefaults.Steps,
                WarmupSteps = TrainingDefaults.Steps / 20,
                EvalEvery = 0,
                Precision = precision,
            };
            using var run = LanguageModelTraining.Create(corpus, options);
            TrainingOutcome outcome = run.Train();
            Assert.True(outcome.Finished);
            return outcome.FinalValidationLoss;
        }

        double fp32 = Final(Precision.Fp32);
        double bf16 = Final(Precision.Bf16);
        Assert.True(fp32 < 2.0, $"fp32 ended at {fp32}: the default run did not learn"); // from ln 256 ≈ 5.5
        Assert.InRange(Math.Abs(bf16 - fp32), 0, 0.02);
    }
}
