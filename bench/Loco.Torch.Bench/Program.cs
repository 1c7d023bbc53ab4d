using System.Diagnostics;
using Loco.Core.Family;
using Loco.Torch.Data;
using Loco.Torch.Models;
using Loco.Torch.Training;
using TorchSharp;
using static TorchSharp.torch;

// Tokens per second of DiLoCo (M = 2, H = 50, inner AdamW, outer Nesterov) against plain AdamW (the same inner step, no rounds) on the same
// model shape, data and batch shape, in the same process, measurements interleaved; and the bytes communicated.
// Usage: Loco.Torch.Bench [tiny|small ...] [--reps N]
string[] models = args.Where(a => !a.StartsWith("--") && !int.TryParse(a, out _)).DefaultIfEmpty("tiny").ToArray();
int reps = args.Contains("--reps") ? int.Parse(args[Array.IndexOf(args, "--reps") + 1]) : 3;
const int H = 50, M = 2, B = 8, T = 32;
set_num_threads(1);
TokenCorpus corpus = CorpusLoader.Generated(new MarkovSource(MarkovSourceOptions.Default), 200_000, 0.05);
foreach (string name in models)
{
    LlamaConfig config = LlamaConfig.Preset(name, corpus.VocabularySize, T);
    var options = new TrainingOptions
    {
        Model = config,
        Family = new FamilySettings { Preset = Preset.Diloco, Workers = M, InnerSteps = H, BatchSize = B, InnerLr = 2e-3 }.Resolve(),
        Context = T,
        Steps = H * 1000,
        EvalEvery = 0,
        WarmupSteps = 10,
    };
    using var diloco = LanguageModelTraining.Create(corpus, options);
    diloco.RunRound(); // warm up

    // The baseline: the same inner step (AdamW over the model's flat buffer, clip, the same schedule) with no rounds.
    using var model = new Llama(config, new Generator(1));
    FlatParameters flat = FlatParameters.Of(model);
    using IModuleOptimizer adamw = ModuleOptimizers.AdamW()(flat);
    var sampler = new BatchSampler(corpus.Train, 0, 1, 1);
    var loss = new LanguageModelLoss(model, sampler, B, T, CPU);
    var schedule = new LearningRateSchedule(2e-3, 10, H * 1000);
    long t = 0;
    void PlainSteps(int n)
    {
        for (int i = 0; i < n; i++)
        {
            using var scope = NewDisposeScope();
            adamw.SetLearningRate(schedule.At(t));
            adamw.ZeroGrad();
            Tensor l = loss.Next();
            if (!float.IsFinite(l.item<float>())) throw new InvalidOperationException("diverged");
            l.backward();
            flat.ClipGradientNorm(1.0);
            adamw.Step();
            t++;
        }
    }

    PlainSteps(H); // warm up
    // Best of the repetitions, by wall clock and by this process's CPU time (less sensitive to other processes on a shared machine).
    double bestPlain = 0, bestDiloco = 0, cpuPlain = 0, cpuDiloco = 0;
    var self = Process.GetCurrentProcess();
    (double Wall, double Cpu) Measure(Action work)
    {
        self.Refresh();
        TimeSpan cpu0 = self.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        work();
        double wall = sw.Elapsed.TotalSeconds;
        self.Refresh();
        return (M * H * B * T / wall, M * H * B * T / (self.TotalProcessorTime - cpu0).TotalSeconds);
    }

    for (int rep = 0; rep < reps; rep++)
    {
        var p = Measure(() => PlainSteps(M * H));
        var d = Measure(() => diloco.RunRound());
        (bestPlain, cpuPlain) = (Math.Max(bestPlain, p.Wall), Math.Max(cpuPlain, p.Cpu));
        (bestDiloco, cpuDiloco) = (Math.Max(bestDiloco, d.Wall), Math.Max(cpuDiloco, d.Cpu));
        Console.WriteLine($"{name} rep {rep + 1}: plain {p.Wall:N0} tok/s wall, {p.Cpu:N0} tok/cpu-s; DiLoCo {d.Wall:N0} tok/s wall, {d.Cpu:N0} tok/cpu-s");
    }

    long n = diloco.ParameterCount;
    long perRound = 4L * n;
    Console.WriteLine($"{name}: {n:N0} weights, B={B}, T={T}, M={M}, H={H}, best of {reps}");
    Console.WriteLine($"  plain AdamW : {bestPlain,10:N0} tokens/s wall, {cpuPlain,10:N0} tokens per CPU-second");
    Console.WriteLine($"  DiLoCo      : {bestDiloco,10:N0} tokens/s wall, {cpuDiloco,10:N0} tokens per CPU-second  " +
                      $"(overhead {100 * (bestPlain / bestDiloco - 1):F2}% wall, {100 * (cpuPlain / cpuDiloco - 1):F2}% CPU)");
    Console.WriteLine($"  communication per round and worker: {perRound:N0} bytes (one fp32 pseudo-gradient); " +
                      $"data-parallel over the same {H} steps: {perRound * H:N0} bytes (one gradient per step) = {H}x more");
}
