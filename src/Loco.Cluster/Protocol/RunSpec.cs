namespace Loco.Cluster.Protocol;

/// <summary>
/// What every process of a run agrees on, fixed by the coordinator: the run's settings as flags (a worker rebuilds the
/// same training options from them), their hash, the shape of the weights and of the shards, and the outer step the
/// shards take.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RunSpec
{
    /// <summary>Names the run (the coordinator's run folder and the store's keys).</summary>
    [Id(0)] public required string RunId { get; init; }

    /// <summary>The settings of the run as <c>loco train</c> flags (flag → value), from which each worker builds its options.</summary>
    [Id(1)] public required IReadOnlyDictionary<string, string> Flags { get; init; }

    /// <summary>SHA-256 of the canonical settings: every process of the run must compute the same.</summary>
    [Id(2)] public required string ConfigHash { get; init; }

    /// <summary>The flat weights' cut into shards and chunks.</summary>
    [Id(3)] public required ShardLayout Layout { get; init; }

    /// <summary>M, workers of the run.</summary>
    [Id(4)] public required int Workers { get; init; }

    /// <summary>Rounds of the run.</summary>
    [Id(5)] public required int Rounds { get; init; }

    /// <summary>H.</summary>
    [Id(6)] public required int InnerSteps { get; init; }

    /// <summary>Items (tokens) one worker consumes per round: B·T·H.</summary>
    [Id(7)] public required long ItemsPerWorkerRound { get; init; }

    /// <summary>The outer step the shards take: kind, form, learning rate and momentum, as in <see cref="Loco.Core.Optimizers.OuterOptimizer"/>.</summary>
    [Id(8)] public required string OuterKind { get; init; }

    /// <summary>The outer step's form.</summary>
    [Id(9)] public required string OuterForm { get; init; }

    /// <summary>α (ν in the EMA form).</summary>
    [Id(10)] public required double OuterLr { get; init; }

    /// <summary>β.</summary>
    [Id(11)] public required double OuterMomentum { get; init; }

    /// <summary>The restart rule's spec (<see cref="Loco.Core.Optimizers.RestartSchedule.Spec"/>); the coordinator decides restarts.</summary>
    [Id(12)] public required string Restart { get; init; }

    /// <summary>The canonical settings (JSON) whose hash is <see cref="ConfigHash"/>, so that a worker can name the setting it disagrees on.</summary>
    [Id(13)] public required string Settings { get; init; }

    /// <summary>
    /// The port of the coordinator's data plane (<see cref="DataPlane.DataPlaneServer"/>), on the host workers join; 0 =
    /// none: the chunks travel as grain calls.
    /// </summary>
    [Id(14)] public int DataPort { get; init; }

    /// <summary>
    /// The fewest workers a round may commit over: when a worker's lease expires, the round commits over those that
    /// uploaded if they are at least this many; otherwise it stays open until enough workers (re)join. Default: all.
    /// </summary>
    [Id(15)] public int MinWorkers { get; init; }

    /// <summary>Seconds without a call (heartbeats come every second) after which a worker is taken for dead and its slot freed.</summary>
    [Id(16)] public double LeaseSeconds { get; init; } = 10;

    /// <summary>The codec the pseudo-gradient chunks travel in (<c>--compress</c>: fp32, bf16, fp16, int8:B, int4:B).</summary>
    [Id(17)] public string Codec { get; init; } = "fp32";

    /// <summary>Whether the workers round stochastically (the shards decode the same either way).</summary>
    [Id(18)] public bool StochasticRounding { get; init; }

    /// <summary>The codec, parsed.</summary>
    public Loco.Core.Codecs.CodecSpec CodecSpec => Loco.Core.Codecs.CodecSpec.Parse(Codec, StochasticRounding);

    /// <summary><see cref="MinWorkers"/>, or all workers when it is not set.</summary>
    public int Quorum => MinWorkers > 0 ? MinWorkers : Workers;
}
