using Loco.Core.Optimizers;
using Loco.Torch.Models;
using Loco.Torch.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Loco.Torch.Tests;

public class DiLoCoTests
{
    private static DiLoCoTrainer LlamaTrainer(int workers, OuterOptimizer outer, int h, LearningRateSchedule schedule,
        Func<FlatParameters, IModuleOptimizer> optimizer, (Tensor, Tensor)[][] data, double clip = 1.0)
    {
        var list = new List<ModuleWorker>();
        for (int m = 0; m < workers; m++)
        {
            Llama model = TestModels.NewMicro(11);
            list.Add(new ModuleWorker(m, model, new ListLoss(model, data[m]), optimizer, new InnerLoopOptions(schedule, clip)));
        }

        return new DiLoCoTrainer(list, outer, h);
    }

    [Fact]
    public void OneWorkerWithHOneAndPlainOuterStepIsPlainAdamW()
    {
        var data = TestModels.Batches(12, 3, 8, 17, seed: 2);
        var schedule = new LearningRateSchedule(3e-3, WarmupSteps: 3, TotalSteps: 12);
        using DiLoCoTrainer trainer = LlamaTrainer(1, Outer.Plain(1.0), 1, schedule, ModuleOptimizers.AdamW(weightDecay: 0.1), [data]);
        for (int k = 0; k < 12; k++)
        {
            trainer.RunRound();
        }

        // Reference: TorchSharp's AdamW on the same model, batches and schedule, written out plainly.
        using Llama reference = TestModels.NewMicro(11);
        Parameter[] matrices = [.. reference.parameters().Where(p => p.dim() >= 2)];
        Parameter[] vectors = [.. reference.parameters().Where(p => p.dim() < 2)];
        var adamw = optim.AdamW(
            [new AdamW.ParamGroup(matrices, new AdamW.Options { weight_decay = 0.1 }), new AdamW.ParamGroup(vectors, new AdamW.Options { weight_decay = 0.0 })],
            lr: 1e-3, beta1: 0.9, beta2: 0.95);
        for (int t = 0; t < 12; t++)
        {
            double lr = t < 3 ? 3e-3 * (t + 1) / 3 : 3e-4 + 0.5 * (3e-3 - 3e-4) * (1 + Math.Cos(Math.PI * (t - 3) / 8.0));
            foreach (var g in adamw.ParamGroups)
            {
                g.LearningRate = lr;
            }

            adamw.zero_grad();
            reference.Loss(data[t].Inputs, data[t].Targets).backward();
            nn.utils.clip_grad_norm_(reference.parameters(), 1.0);
            adamw.step();
        }

        float[] expected = TestModels.Weights(reference);
        float[] initial = TestModels.Weights(TestModels.NewMicro(11));
        double moved = 0, maxError = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            moved = Math.Max(moved, Math.Abs(expected[i] - initial[i]));
            maxError = Math.Max(maxError, Math.Abs(trainer.Global[i] - expected[i]));
        }

        Assert.True(moved > 1e-3, $"training moved the weights by only {moved}");
        // s − 1·(s − f) rounds once per round in float32: a few ulps of weights of size ~0.1 over 12 rounds.
        Assert.True(maxError < 2e-6, $"max |s − reference| = {maxError}");
    }

    [Fact]
    public void FlatOuterNesterovStepEqualsTheEquationsInDouble()
    {
        var data0 = TestModels.Batches(6, 2, 8, 17, seed: 3);
        var data1 = TestModels.Batches(6, 2, 8, 17, seed: 4);
        const double alpha = 0.7, beta = 0.9;
        using DiLoCoTrainer trainer = LlamaTrainer(2, Outer.Nesterov(alpha, beta), 3, LearningRateSchedule.Constant(1e-2),
            ModuleOptimizers.AdamW(), [data0, data1]);
        int n = trainer.Global.Length;
        double[] v = new double[n];
        float[] f0 = new float[n], f1 = new float[n];
        double largestMove = 0;
        for (int k = 0; k < 4; k++)
        {
            double[] s = [.. trainer.Global.Select(x => (double)x)];
            trainer.RunRound();
            trainer.Workers[0].CopyWeights(f0);
            trainer.Workers[1].CopyWeights(f1);
            double maxError = 0;
            for (int i = 0; i < n; i++)
            {
                // Δ = s − mean f;  v ← βv + Δ;  s ← s − α(Δ + βv)   (DESIGN.md §1, PyTorch form)
                double delta = s[i] - 0.5 * (f0[i] + (double)f1[i]);
                v[i] = beta * v[i] + delta;
                double next = s[i] - alpha * (delta + beta * v[i]);
                maxError = Math.Max(maxError, Math.Abs(next - trainer.Global[i]));
                largestMove = Math.Max(largestMove, Math.Abs(next - s[i]));
                Assert.Equal(v[i], trainer.State.Momentum[i], 1e-5);
            }

            Assert.True(maxError < 1e-6, $"round {k + 1}: max |s − s_double| = {maxError}");
        }

        Assert.True(largestMove > 1e-3);
    }

    [Fact]
    public void TwoWorkersOnDisjointShardsOfALinearModelAverageAsComputedByHand()
    {
        const int d = 5, n = 8, h = 3, rounds = 3;
        const double eta = 0.1, alpha = 0.8;
        var rng = new Random(9);
        double[][,] xs = new double[2][,];
        double[][] ys = new double[2][];
        var workers = new List<ModuleWorker>();
        for (int m = 0; m < 2; m++)
        {
            xs[m] = new double[n, d];
            ys[m] = new double[n];
            float[] xf = new float[n * d], yf = new float[n];
            for (int r = 0; r < n; r++)
            {
                for (int c = 0; c < d; c++)
                {
                    xf[r * d + c] = (float)(rng.NextDouble() * 2 - 1);
                    xs[m][r, c] = xf[r * d + c];
                }

                yf[r] = (float)(rng.NextDouble() * 2 - 1);
                ys[m][r] = yf[r];
            }

            var model = nn.Linear(d, 1, hasBias: false);
            using (no_grad())
            {
                model.weight!.copy_(tensor(new float[] { 0.5f, -0.25f, 0.125f, 1f, -1f }).reshape(1, d));
            }

            workers.Add(new ModuleWorker(m, model, new LinearLoss(model, tensor(xf).reshape(n, d), tensor(yf).reshape(n, 1)),
                ModuleOptimizers.Sgd(), new InnerLoopOptions(LearningRateSchedule.Constant(eta), ClipNorm: 0)));
        }

        using var trainer = new DiLoCoTrainer(workers, Outer.Plain(alpha), h);
        double[] s = [0.5, -0.25, 0.125, 1, -1];
        for (int k = 0; k < rounds; k++)
        {
            trainer.RunRound();
            double[] mean = new double[d];
            for (int m = 0; m < 2; m++)
            {
                double[] w = [.. s];
                for (int step = 0; step < h; step++)
                {
                    // ∇ ½·mean_r (x_r·w − y_r)² = (1/n) Σ_r x_r (x_r·w − y_r)
                    double[] g = new double[d];
                    for (int r = 0; r < n; r++)
                    {
                        double residual = -ys[m][r];
                        for (int c = 0; c < d; c++)
                        {
                            residual += xs[m][r, c] * w[c];
                        }

                        for (int c = 0; c < d; c++)
                        {
                            g[c] += xs[m][r, c] * residual / n;
                        }
                    }

                    for (int c = 0; c < d; c++)
                    {
                        w[c] -= eta * g[c];
                    }
                }

                for (int c = 0; c < d; c++)
                {
                    mean[c] += w[c] / 2;
                }
            }

            for (int c = 0; c < d; c++)
            {
                s[c] -= alpha * (s[c] - mean[c]);
                Assert.Equal(s[c], trainer.Global[c], 1e-5);
            }
        }
    }

    private sealed class LinearLoss(Linear model, Tensor x, Tensor y) : IMinibatchLoss
    {
        public long ItemsPerBatch => x.shape[0];

        public Tensor Next() => (model.forward(x) - y).pow(2).mean().mul(0.5);
    }
}
