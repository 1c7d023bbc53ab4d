using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Loco.Cluster;

/// <summary>
/// The coordinator's per-round metrics through <see cref="System.Diagnostics.Metrics"/> (meter <see cref="MeterName"/>),
/// so that <c>dotnet-counters monitor --counters Loco.Cluster</c>, OpenTelemetry and other listeners see them without
/// Loco-specific code. Every measurement carries the run's id as the tag <c>run</c>.
/// </summary>
public static class ClusterMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Loco.Cluster";

    private static readonly Meter Meter = new(MeterName, "1.0");

    /// <summary>Rounds committed.</summary>
    public static readonly Counter<long> Rounds = Meter.CreateCounter<long>("loco.cluster.rounds", "{round}", "Rounds committed");

    /// <summary>Pseudo-gradient payload bytes the committed rounds carried.</summary>
    public static readonly Counter<long> Bytes = Meter.CreateCounter<long>("loco.cluster.bytes", "By", "Payload bytes of the committed rounds' uploads");

    /// <summary>Workers joined minus workers lost or gone.</summary>
    public static readonly UpDownCounter<long> Workers = Meter.CreateUpDownCounter<long>("loco.cluster.workers", "{worker}", "Workers in the run");

    /// <summary>Workers taken for dead (their lease expired).</summary>
    public static readonly Counter<long> Lost = Meter.CreateCounter<long>("loco.cluster.workers_lost", "{worker}", "Workers whose lease expired");

    /// <summary>Resets of the outer momentum.</summary>
    public static readonly Counter<long> Restarts = Meter.CreateCounter<long>("loco.cluster.momentum_restarts", "{restart}", "Resets of the outer momentum");

    /// <summary>Seconds the shards took to average, step and store a round.</summary>
    public static readonly Histogram<double> ReduceSeconds = Meter.CreateHistogram<double>("loco.cluster.reduce", "s", "Reduce, outer step and store per round");

    /// <summary>Each committed round's training loss.</summary>
    public static readonly Histogram<double> TrainLoss = Meter.CreateHistogram<double>("loco.cluster.train_loss", "nat", "Training loss of each committed round");

    /// <summary>The tag of a run.</summary>
    public static TagList Run(string runId) => new() { { "run", runId } };
}
