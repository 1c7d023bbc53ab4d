using System.Diagnostics.Metrics;
using Loco.Core.Family;
using Loco.Torch.Data;
using Loco.Torch.Training;
using Microsoft.Extensions.Logging;

namespace Loco.Torch.Tests;

/// <summary>
/// The training loop's metrics (meter <c>Loco.Training</c>) and log lines against what the run itself holds: its
/// history, its weights after every round (the outer step's length computed here), the fp32 bytes of M pseudo-gradients,
/// and the restart schedule's count.
/// </summary>
public sealed class TrainingMetricsTests
{
    [Fact]
    public void EveryRoundIsMeasuredAndLogged()
    {
        string model = "metrics-" + Guid.NewGuid().ToString("N"); // other tests train in parallel: keep our own measurements
        var longs = new Dictionary<string, long>();
        var doubles = new Dictionary<string, List<double>>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == TrainingMetrics.MeterName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        bool Ours(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (KeyValuePair<string, object?> t in tags)
            {
                if (t.Key == "loco.model" && (string?)t.Value == model)
                {
                    return true;
                }
            }

            return false;
        }

        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (Ours(tags))
            {
                lock (longs)
                {
                    longs[instrument.Name] = longs.GetValueOrDefault(instrument.Name) + value;
                }
            }
        });
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            if (Ours(tags))
            {
                lock (doubles)
                {
                    (doubles.TryGetValue(instrument.Name, out var list) ? list : doubles[instrument.Name] = []).Add(value);
                }
            }
        });
        listener.Start();

        var options = new TrainingOptions
        {
            Model = TestModels.Micro with { VocabularySize = 256, MaxContext = 16 },
            Family = new FamilySettings { Preset = Preset.Diloco, Workers = 2, InnerSteps = 3, BatchSize = 4, InnerLr = 3e-3, RestartPeriod = 2 }.Resolve(),
            Context = 16, Steps = 15, WarmupSteps = 2, EvalEvery = 2, ValidationWindows = 8, Seed = 5,
        };
        using var run = LanguageModelTraining.Create(CorpusLoader.Generated(new MarkovSource(MarkovSourceOptions.Default), 20_000, 0.1), options);
        var globals = new List<float[]> { run.Trainer.Global.ToArray() };
        var logger = new ListLogger();
        TrainingOutcome outcome = run.Train(new TrainingLoop
        {
            ModelName = model, Logger = logger,
            OnRound = r =>
            {
                if (r.Round > 0)
                {
                    globals.Add([.. run.Trainer.Global]);
                }
            },
        });
        listener.Dispose();

        IReadOnlyList<RoundReport> rounds = [.. outcome.History.Skip(1)];
        Assert.Equal(5, rounds.Count);
        Assert.Equal(5, longs["loco.rounds"]);
        Assert.Equal(rounds.Sum(r => r.Items), longs["loco.tokens"]);
        Assert.Equal(5L * 2 * 4 * run.ParameterCount, longs["loco.bytes_sent"]); // fp32: M = 2 pseudo-gradients a round
        Assert.Equal(2, longs["loco.restarts"]);                                  // after rounds 2 and 4
        Assert.Equal(run.Trainer.State.Restarts, longs["loco.restarts"]);
        Assert.Equal(rounds.Select(r => r.TrainLoss), doubles["loco.train_loss"]);
        Assert.Equal(rounds.Where(r => !double.IsNaN(r.ValidationLoss)).Select(r => r.ValidationLoss), doubles["loco.validation_loss"]);
        for (int k = 1; k <= 5; k++)
        {
            double norm = Math.Sqrt(globals[k].Zip(globals[k - 1], (a, b) => ((double)a - b) * ((double)a - b)).Sum());
            Assert.Equal(norm, doubles["loco.outer_step_norm"][k - 1], 1e-4 * norm);
        }

        Assert.Equal(5, logger.Lines.Count);
        Assert.All(logger.Lines, l => Assert.Equal(1, l.Id));
        Assert.Equal([1L, 2, 3, 4, 5], logger.Lines.Select(l => (long)l.State.Single(kv => kv.Key == "Round").Value!));
    }

    private sealed class ListLogger : ILogger
    {
        public List<(EventId Id, IReadOnlyList<KeyValuePair<string, object?>> State)> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add((eventId, state as IReadOnlyList<KeyValuePair<string, object?>> ?? []));
    }
}
