using System.Net;
using Loco.Cluster.Hosting;

namespace Loco.Cluster.Tests;

/// <summary>
/// The coordinator killed (SIGKILL) at an exact point of the commit protocol, then `loco coordinator --resume`: the two
/// worker processes, which stayed alive, rejoin by themselves, roll back to the resumed round and redo what followed,
/// and the finished run equals a fault-free in-process run of the same seed: the same train.csv losses and a
/// byte-identical global.safetensors. Real processes on loopback, bounded in time, killed by pid.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class CoordinatorLossTests(RedisServer redis) : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);
    private readonly string _folder = Directory.CreateTempSubdirectory("loco-coordinator-loss-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string P(string name) => Path.Combine(_folder, name);

    private static readonly string[] Settings = ["--workers", "2", "--steps", "100", "--inner-steps", "20", "--seed", "7", "--restart-period", "2"];

    // round, inner step, train loss, validation loss, tokens: what a fault-free run and a resumed one must share.
    private static string[] Losses(string folder) =>
        [.. File.ReadAllLines(Path.Combine(folder, "train.csv")).Select(l => string.Join(',', l.Split(',')[12..17]))];

    [Theory]
    [InlineData("commit:2:before-manifest", 1, "file", "")]
    [InlineData("commit:3:after-manifest", 3, "file", "")]
    [InlineData("commit:3:before-manifest", 2, "redis", "")]
    [InlineData("commit:3:before-manifest", 2, "file", "--compress int4:512 --stochastic-rounding --error-feedback")] // the workers' error-feedback residuals roll back too
    [InlineData("commit:3:fragment:0", 2, "file", "--fragments 2 --overlap 3 --compress int8 --error-feedback")] // mid-round: the workers' fast weights roll back too
    [InlineData("commit:3:after-manifest", 3, "file", "--fragments 3")] // the round's last fragment committed, the workers not told
    public void ACoordinatorKilledMidCommitResumesToTheFaultFreeResult(string point, long resumedAt, string store, string extra)
    {
        string[] storeFlags = store == "redis" ? ["--store", "redis", "--redis", redis.Address] : [];
        string[] Settings = [.. CoordinatorLossTests.Settings, .. extra.Split(' ', StringSplitOptions.RemoveEmptyEntries)];
        (int code, _, string error) = LocoChild.Run(Limit, ["train", .. Settings, "--out", P("reference")]);
        Assert.True(code == 0, error);

        int port = Endpoints.FreeConsecutive(IPAddress.Loopback, 3);
        string join = $"127.0.0.1:{port}";
        using var coordinator = new LocoChild(new Dictionary<string, string> { ["LOCO_FAULT_KILL_AT"] = point },
            ["coordinator", "--listen", join, .. Settings, .. storeFlags, "--out", P("run")]);
        Assert.True(coordinator.WaitForOutput("waiting for 2 workers", Limit), coordinator.Err);
        using var w0 = new LocoChild("worker", "--join", join);
        using var w1 = new LocoChild("worker", "--join", join);
        Assert.NotEqual(0, coordinator.WaitForExit(Limit));
        Assert.Contains($"LOCO_FAULT_KILL_AT={point}", coordinator.Err);

        using var resumed = new LocoChild("coordinator", "--resume", P("run"));
        Assert.Equal(0, resumed.WaitForExit(Limit));
        Assert.Equal(0, w0.WaitForExit(Limit));
        Assert.Equal(0, w1.WaitForExit(Limit));
        Assert.Contains($"resuming run", resumed.Out);
        Assert.Contains($"at round {resumedAt} of 5", resumed.Out);
        if (store == "redis")
        {
            Assert.Contains("Redis at " + redis.Address, resumed.Out); // the manifest came back from Redis
        }

        Assert.Contains("rejoined; the coordinator resumed at round", w0.Out + w0.Err);
        Assert.Equal(Losses(P("reference")), Losses(P("run")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(P("reference"), "checkpoint", "global.safetensors")),
            File.ReadAllBytes(Path.Combine(P("run"), "checkpoint", "global.safetensors")));
    }
}
