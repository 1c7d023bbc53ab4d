using System.Diagnostics;

namespace Loco.Cluster;

/// <summary>
/// Fault injection for the cluster's tests: <c>LOCO_FAULT_KILL_AT=POINT</c> in a process's environment makes it kill
/// itself (SIGKILL: no clean-up, no flush) when it reaches that point, so that a test can crash the coordinator at an
/// exact moment of the commit protocol. Points: <c>commit:R:before-manifest</c> (round R's blobs written, its manifest
/// not), <c>commit:R:after-manifest</c> (the manifest written, the workers not yet told) and, with streaming fragments,
/// <c>commit:R:fragment:Q</c> (the Q-th fragment of round R to synchronise committed on its shards, the workers not yet
/// told; 0-based, not the round's last).
/// </summary>
public static class Fault
{
    private static readonly string? KillAt = Environment.GetEnvironmentVariable("LOCO_FAULT_KILL_AT");

    /// <summary>Kills this process if <paramref name="point"/> is the one named by LOCO_FAULT_KILL_AT.</summary>
    public static void At(string point)
    {
        if (KillAt is not null && KillAt == point)
        {
            Console.Error.WriteLine($"loco: LOCO_FAULT_KILL_AT={point}: killing this process.");
            Console.Error.Flush();
            Process.GetCurrentProcess().Kill();
            Thread.Sleep(Timeout.Infinite);
        }
    }
}
