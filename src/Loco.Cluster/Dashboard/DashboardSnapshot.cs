using Loco.Cluster.Protocol;

namespace Loco.Cluster.Dashboard;

/// <summary>One committed round as the status page plots it (null for a loss not measured).</summary>
/// <param name="Round">r (0: the initial weights).</param>
/// <param name="TrainLoss">The mean training loss of its contributors.</param>
/// <param name="ValidationLoss">The validation loss of the committed weights, when evaluated.</param>
/// <param name="Bytes">Payload bytes the workers sent that round.</param>
/// <param name="Contributors">The workers whose pseudo-gradients the round averaged.</param>
/// <param name="Restarted">Whether the outer momentum was reset after it.</param>
/// <param name="Seconds">Seconds since the run started when it committed.</param>
public sealed record DashboardRound(long Round, double? TrainLoss, double? ValidationLoss, long Bytes, int[] Contributors, bool Restarted, double Seconds);

/// <summary>One worker slot on the status page.</summary>
/// <param name="Worker">m.</param>
/// <param name="Host">The host it runs on.</param>
/// <param name="SecondsSinceContact">Seconds since its last heartbeat or upload.</param>
/// <param name="LastLoss">Its last round-mean loss.</param>
/// <param name="BytesSent">Payload bytes it sent over the run.</param>
/// <param name="Contributions">Committed rounds its pseudo-gradient was part of.</param>
/// <param name="Connected">Whether it is part of the run.</param>
public sealed record DashboardWorker(int Worker, string Host, double SecondsSinceContact, double? LastLoss, long BytesSent, int Contributions, bool Connected);

/// <summary>What <c>/api/status</c> returns: the run grain's status and the coordinator's round history.</summary>
public sealed record DashboardSnapshot(
    string RunId,
    string Model,
    long CommittedRound,
    int Rounds,
    int Workers,
    bool Finished,
    long BytesReceived,
    DashboardWorker[] Slots,
    DashboardRound[] History,
    string[] Events)
{
    /// <summary>Builds the page's view from the run grain's <paramref name="status"/> and the rounds so far.</summary>
    public static DashboardSnapshot Of(RunStatus status, string model, IReadOnlyList<DashboardRound> history)
    {
        ArgumentNullException.ThrowIfNull(status);
        ArgumentNullException.ThrowIfNull(history);
        var contributions = new Dictionary<int, int>();
        foreach (int m in history.SelectMany(h => h.Contributors))
        {
            contributions[m] = contributions.GetValueOrDefault(m) + 1;
        }

        DashboardWorker[] slots = [.. status.Slots.Select(s => new DashboardWorker(s.Worker, s.Host, Finite(s.SecondsSinceContact) ?? 0, Finite(s.LastLoss),
            s.BytesSent, contributions.GetValueOrDefault(s.Worker), s.Connected))];
        return new DashboardSnapshot(status.RunId, model, status.CommittedRound, status.Rounds, status.Workers, status.Finished, status.BytesReceived, slots,
            [.. history], status.Events);
    }

    /// <summary>A number JSON can carry (null for NaN or an infinity).</summary>
    public static double? Finite(double x) => double.IsFinite(x) ? x : null;
}
