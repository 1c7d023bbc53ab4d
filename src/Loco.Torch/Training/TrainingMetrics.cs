using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace Loco.Torch.Training;

/// <summary>
/// Per-round metrics of training through <see cref="System.Diagnostics.Metrics"/> (meter <see cref="MeterName"/>), so
/// that <c>dotnet-counters</c>, OpenTelemetry or any <see cref="MeterListener"/> sees them without Loco-specific code,
/// and the per-round log line through <see cref="ILogger"/>. Every instrument carries the tags <c>loco.model</c> and
/// <c>loco.method</c>.
/// </summary>
/// <remarks>
/// Instruments: counters <c>loco.rounds</c>, <c>loco.tokens</c>, <c>loco.bytes_sent</c> (payload bytes this process's
/// workers sent, as encoded) and <c>loco.restarts</c>; histograms (one value per round) <c>loco.train_loss</c>,
/// <c>loco.validation_loss</c> (rounds that evaluate), <c>loco.tokens_per_second</c> and <c>loco.outer_step_norm</c>
/// (‖s_after − s_before‖₂).
/// </remarks>
public static partial class TrainingMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Loco.Training";

    private static readonly Meter Meter = new(MeterName, typeof(TrainingMetrics).Assembly.GetName().Version?.ToString());
    private static readonly Counter<long> Rounds = Meter.CreateCounter<long>("loco.rounds", "{round}", "Rounds completed.");
    private static readonly Counter<long> Tokens = Meter.CreateCounter<long>("loco.tokens", "{token}", "Tokens the workers consumed.");
    private static readonly Counter<long> Bytes = Meter.CreateCounter<long>("loco.bytes_sent", "By", "Payload bytes the workers of this process sent, as encoded.");
    private static readonly Counter<long> Restarts = Meter.CreateCounter<long>("loco.restarts", "{restart}", "Resets of the outer momentum.");
    private static readonly Histogram<double> TrainLoss = Meter.CreateHistogram<double>("loco.train_loss", "nat", "Mean minibatch loss over the round's inner steps.");
    private static readonly Histogram<double> ValidationLoss = Meter.CreateHistogram<double>("loco.validation_loss", "nat", "Validation loss of the global weights.");
    private static readonly Histogram<double> TokensPerSecond = Meter.CreateHistogram<double>("loco.tokens_per_second", "{token}/s", "Tokens per second over the round.");
    private static readonly Histogram<double> StepNorm = Meter.CreateHistogram<double>("loco.outer_step_norm", null, "Length of the round's outer step, ‖s_after − s_before‖₂.");

    /// <summary>Records round <paramref name="report"/> (not round 0) that took <paramref name="seconds"/>, and logs it.</summary>
    public static void Record(in RoundReport report, double seconds, long rounds, string model, string method, ILogger? logger)
    {
        var tags = new TagList { { "loco.model", model }, { "loco.method", method } };
        Rounds.Add(1, tags);
        Tokens.Add(report.Items, tags);
        Bytes.Add(report.BytesSent, tags);
        if (report.Restarted)
        {
            Restarts.Add(1, tags);
        }

        TrainLoss.Record(report.TrainLoss, tags);
        if (!double.IsNaN(report.ValidationLoss))
        {
            ValidationLoss.Record(report.ValidationLoss, tags);
        }

        double tokensPerSecond = seconds > 0 ? report.Items / seconds : double.NaN;
        TokensPerSecond.Record(tokensPerSecond, tags);
        StepNorm.Record(report.OuterStepNorm, tags);
        if (logger is not null)
        {
            LogRound(logger, report.Round, rounds, report.TrainLoss, report.ValidationLoss, report.Items, tokensPerSecond, report.BytesSent,
                report.OuterStepNorm, report.Restarted, report.Seconds);
        }
    }

    [LoggerMessage(EventId = 1, EventName = "Round", Level = LogLevel.Information,
        Message = "round {Round}/{Rounds} train {TrainLoss} val {ValidationLoss} tokens {Tokens} tok/s {TokensPerSecond} bytes {BytesSent} step {OuterStepNorm} restart {Restarted} seconds {Seconds}")]
    private static partial void LogRound(ILogger logger, long round, long rounds, double trainLoss, double validationLoss, long tokens, double tokensPerSecond,
        long bytesSent, double outerStepNorm, bool restarted, double seconds);
}
