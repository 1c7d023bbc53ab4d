using System.Net;
using System.Net.Sockets;
using Loco.Cluster.Hosting;

namespace Loco.Cluster.Tests;

/// <summary>
/// `loco train --processes 2` (a coordinator and two worker processes on loopback) against the in-process
/// `loco train` of the same seed: the same train.csv (but for the wall-clock column) and a byte-identical
/// global.safetensors (global weights and outer momentum). Each run is bounded in time; children are killed by pid.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed partial class ClusterProcessTests(RedisServer redis) : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);
    private readonly string _folder = Directory.CreateTempSubdirectory("loco-cluster-cli-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Out(string name) => Path.Combine(_folder, name);

    private static string[] Settings(int restart) => ["--steps", "60", "--inner-steps", "20", "--seed", "3", "--restart-period", $"{restart}", "--eval-every", "1"];

    // train.csv without its wall-clock column (seconds since the start).
    private static string[] Rows(string folder) =>
        [.. File.ReadAllLines(Path.Combine(folder, "train.csv")).Select(l => l[..l.LastIndexOf(',')])];

    [Theory]
    [InlineData(0, "file", false, "bf16", "--fragments 3 --overlap 2 --compress int8")] // streaming fragments: train.csv's bytes_sent too
    [InlineData(2, "file", false, "fp32", "")]
    [InlineData(2, "redis", true, "fp32", "")]
    public void TwoWorkerProcessesTrainTheSameAsOneProcess(int restart, string store, bool tls, string precision, string extra)
    {
        // The worker processes take the run's settings from the coordinator, --precision (and fragments) included.
        string[] settings = [.. Settings(restart), "--precision", precision, .. extra.Split(' ', StringSplitOptions.RemoveEmptyEntries)];
        (int code, string output, string error) = LocoChild.Run(Limit, ["train", "--workers", "2", .. settings, "--out", Out("in-process")]);
        Assert.True(code == 0, error);
        string[] cluster = store == "redis" ? ["--store", "redis", "--redis", redis.Address] : [];
        if (tls)
        {
            (code, _, error) = LocoChild.Run(Limit, "cluster-cert", "--out", Out("cert"));
            Assert.True(code == 0, error);
            cluster = [.. cluster, "--cert", Path.Combine(Out("cert"), "cluster.pfx")];
        }

        (code, output, error) = LocoChild.Run(Limit, ["train", "--processes", "2", "--workers", "2", .. settings, .. cluster, "--out", Out("cluster")]);
        Assert.True(code == 0, $"{output}\n{error}");
        Assert.Contains("round 3/3", output);
        Assert.Contains("workers [0,1]", output);
        Assert.Equal(Rows(Out("in-process")), Rows(Out("cluster")));
        Assert.Equal(5, Rows(Out("cluster")).Length); // header, round 0 and three rounds
        Assert.Equal(File.ReadAllBytes(Path.Combine(Out("in-process"), "checkpoint", "global.safetensors")),
            File.ReadAllBytes(Path.Combine(Out("cluster"), "checkpoint", "global.safetensors")));
        Assert.True(File.Exists(Path.Combine(Out("cluster"), "loss.png")));
        Assert.Contains("joined", File.ReadAllText(Path.Combine(Out("cluster"), "worker0.log")));
        if (store == "redis")
        {
            Assert.Contains("Redis at " + redis.Address, output);
        }
    }

    [Fact]
    public void EightWorkerProcessesRunTwentyRoundsLosingNoneAndMatchTheInProcessRun()
    {
        string[] settings = ["--workers", "8", "--steps", "100", "--inner-steps", "5", "--batch", "4", "--seed", "5", "--eval-every", "5"];
        (int code, _, string error) = LocoChild.Run(Limit, ["train", .. settings, "--out", Out("eight-in-process")]);
        Assert.True(code == 0, error);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        (code, string output, error) = LocoChild.Run(TimeSpan.FromMinutes(5), ["train", "--processes", "8", .. settings, "--out", Out("eight")]);
        Assert.True(code == 0, $"{output}\n{error}");
        string[] rows = [.. File.ReadAllLines(Path.Combine(Out("eight"), "train.csv")).Skip(2)]; // header, round 0
        Assert.Equal(20, rows.Length);
        Assert.All(rows, row => Assert.Equal("0 1 2 3 4 5 6 7", row.Split(',')[^3])); // every round over all eight workers
        Assert.DoesNotContain("lost", output);
        Assert.DoesNotContain("dropped", output);
        Assert.Equal(Rows(Out("eight-in-process")), Rows(Out("eight")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(Out("eight-in-process"), "checkpoint", "global.safetensors")),
            File.ReadAllBytes(Path.Combine(Out("eight"), "checkpoint", "global.safetensors")));
        Console.WriteLine($"eight worker processes, 20 rounds: {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public void CompressedChunksShrinkTheBytesAndGiveTheInProcessCodecsResult()
    {
        // int4 with stochastic rounding and error feedback, blocks of 256, three shards: the layout puts every chunk on a
        // block boundary and each worker encodes chunk by chunk, keyed by the weights' global indices, and keeps its
        // residual as in process, so the shards decode what the in-process codec decodes.
        string[] settings = ["--workers", "2", "--steps", "60", "--inner-steps", "20", "--seed", "4", "--compress", "int4:256", "--stochastic-rounding", "--error-feedback"];
        (int code, _, string error) = LocoChild.Run(Limit, ["train", .. settings, "--out", Out("codec-in-process")]);
        Assert.True(code == 0, error);
        (code, string output, error) = LocoChild.Run(Limit, ["train", "--processes", "2", .. settings, "--shards", "3", "--out", Out("codec")]);
        Assert.True(code == 0, $"{output}\n{error}");
        // train.csv without bytes_sent and seconds (the cluster's chunks each carry their own last partial block).
        static string[] Losses(string folder) => [.. File.ReadAllLines(Path.Combine(folder, "train.csv")).Select(l => string.Join(',', l.Split(',')[..^2]))];
        Assert.Equal(Losses(Out("codec-in-process")), Losses(Out("codec")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(Out("codec-in-process"), "checkpoint", "global.safetensors")),
            File.ReadAllBytes(Path.Combine(Out("codec"), "checkpoint", "global.safetensors")));
        // The bytes on the wire: an eighth of fp32's, near enough (a 4-byte scale per 256 weights).
        string[] header = File.ReadAllLines(Path.Combine(Out("codec"), "train.csv"))[0].Split(',');
        long sent = long.Parse(File.ReadAllLines(Path.Combine(Out("codec"), "train.csv"))[^1].Split(',')[Array.IndexOf(header, "bytes_sent")]);
        long weights = long.Parse(Regex().Match(output).Groups[1].Value.Replace(",", "", StringComparison.Ordinal));
        Assert.InRange((double)(4 * weights) / sent, 7.5, 8.0);
        Assert.Contains($"sent {2 * sent:N0} B", output); // both workers' payloads, as the shards counted them
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\(([\d,]+) weights in")]
    private static partial System.Text.RegularExpressions.Regex Regex();

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    [Fact]
    public void SigtermEndsACoordinatorAndItsWorkersAtOnce()
    {
        int port = Endpoints.FreeConsecutive(IPAddress.Loopback, 3);
        // With the status page too: its web host must not take the signal for itself either.
        using var coordinator = new LocoChild("coordinator", "--listen", $"127.0.0.1:{port}", "--workers", "2", "--steps", "4000", "--inner-steps", "40",
            "--dashboard", $"{Endpoints.FreePort(IPAddress.Loopback)}", "--out", Out("term"));
        Assert.True(coordinator.WaitForOutput("waiting for 2 workers", Limit), coordinator.Err);
        using var w0 = new LocoChild("worker", "--join", $"127.0.0.1:{port}");
        using var w1 = new LocoChild("worker", "--join", $"127.0.0.1:{port}");
        Assert.True(coordinator.WaitForOutput("round 1/100", Limit), coordinator.Out + coordinator.Err);
        foreach (LocoChild child in new[] { coordinator, w0, w1 })
        {
            Assert.Equal(0, kill(child.Pid, 15)); // SIGTERM (the hosts' console lifetime used to swallow it)
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        foreach (LocoChild child in new[] { coordinator, w0, w1 })
        {
            Assert.NotEqual(0, child.WaitForExit(TimeSpan.FromSeconds(20)));
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20));
    }

    [Fact]
    public void AWorkerWithNoCoordinatorToJoinGivesUpWithAClearMessage()
    {
        int port = Endpoints.FreePort(IPAddress.Loopback);
        (int code, _, string error) = LocoChild.Run(Limit, "worker", "--join", $"127.0.0.1:{port}", "--connect-timeout", "2");
        Assert.Equal(2, code);
        Assert.Contains($"no coordinator answered at 127.0.0.1:{port}", error);
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public void ACoordinatorOnAPortInUseIsRefused()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        (int code, _, string error) = LocoChild.Run(Limit, "coordinator", "--listen", $"127.0.0.1:{port}", "--steps", "20", "--out", Out("busy"));
        Assert.Equal(2, code);
        Assert.Contains("--listen", error);
        Assert.Contains("cannot listen", error);
    }

    [Fact]
    public void AnUnreachableRedisIsRefused()
    {
        int port = Endpoints.FreePort(IPAddress.Loopback);
        (int code, _, string error) = LocoChild.Run(Limit, "coordinator", "--store", "redis", "--redis", $"127.0.0.1:{port}", "--steps", "20",
            "--listen", $"127.0.0.1:{Endpoints.FreeConsecutive(IPAddress.Loopback, 3)}", "--out", Out("no-redis"));
        Assert.Equal(2, code);
        Assert.Contains($"cannot reach Redis at 127.0.0.1:{port}", error);
    }

    [Theory]
    [InlineData("--processes", "0")]
    [InlineData("--workers", "3")]
    [InlineData("--restart", "opposed")]
    public void ContradictoryClusterFlagsAreRefusedBeforeAnyProcessStarts(string flag, string value)
    {
        string[] args = flag == "--processes" ? ["train", "--processes", "0"] : ["train", "--processes", "2", flag, value, "--steps", "20"];
        (int code, _, string error) = LocoChild.Run(Limit, [.. args, "--out", Out("refused")]);
        Assert.Equal(2, code);
        Assert.Contains(flag, error);
        Assert.False(File.Exists(Path.Combine(Out("refused"), "train.csv")));
    }

    [Fact]
    public void ClusterFlagsWithoutProcessesAreRefused()
    {
        (int code, _, string error) = LocoChild.Run(Limit, "train", "--shards", "3", "--steps", "20", "--out", Out("x"));
        Assert.Equal(2, code);
        Assert.Contains("--shards", error);
    }

    [Fact]
    public void StatusShowsTheRunACoordinatorHoldsAndItsWorkers()
    {
        int port = Endpoints.FreeConsecutive(IPAddress.Loopback, 3);
        using var coordinator = new LocoChild("coordinator", "--listen", $"127.0.0.1:{port}", "--workers", "2", "--steps", "2000", "--inner-steps", "1000",
            "--out", Out("status"));
        Assert.True(coordinator.WaitForOutput("waiting for 2 workers", Limit), coordinator.Err);
        using var worker = new LocoChild("worker", "--join", $"127.0.0.1:{port}");
        (int code, string output, string error) = (0, "", "");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        do
        {
            (code, output, error) = LocoChild.Run(Limit, "status", "--join", $"127.0.0.1:{port}", "--json");
            Assert.True(code == 0, error);
        }
        while (!output.Contains("\"worker\":0", StringComparison.Ordinal) && clock.Elapsed < Limit);

        Assert.Contains("\"committed_round\":0", output);
        Assert.Contains("\"rounds\":2", output);
        Assert.Contains("\"workers\":2", output);
        Assert.Contains("\"connected\":true", output);
        (code, output, error) = LocoChild.Run(Limit, "status", "--join", $"127.0.0.1:{port}");
        Assert.True(code == 0, error);
        Assert.Contains("round 0 of 2 committed; 1 of 2 workers connected", output);
    }

    [Fact]
    public void ACoordinatorWithACertificateRefusesWorkersAndStatusWithoutIt()
    {
        (int code, string output, string error) = LocoChild.Run(Limit, "cluster-cert", "--out", Out("cert"));
        Assert.True(code == 0, error);
        Assert.Contains("fingerprint", output);
        (code, _, error) = LocoChild.Run(Limit, "cluster-cert", "--out", Out("cert"));
        Assert.Equal(2, code);
        Assert.Contains("--overwrite", error);
        string cert = Path.Combine(Out("cert"), "cluster.pfx");
        int port = Endpoints.FreeConsecutive(IPAddress.Loopback, 3);
        string join = $"127.0.0.1:{port}";
        using var coordinator = new LocoChild("coordinator", "--listen", join, "--cert", cert, "--workers", "2", "--steps", "2000", "--inner-steps", "1000",
            "--out", Out("tls"));
        Assert.True(coordinator.WaitForOutput("waiting for 2 workers", Limit), coordinator.Err);

        (code, _, error) = LocoChild.Run(Limit, "status", "--join", join, "--connect-timeout", "2");
        Assert.Equal(2, code);
        Assert.Contains("--cert", error);
        (code, _, error) = LocoChild.Run(Limit, "worker", "--join", join, "--connect-timeout", "2");
        Assert.Equal(2, code);
        Assert.Contains($"no coordinator answered at {join}", error);
        (code, output, error) = LocoChild.Run(Limit, "status", "--join", join, "--cert", cert);
        Assert.True(code == 0, error);
        Assert.Contains("round 0 of 2 committed; 0 of 2 workers connected", output);
    }

    [Fact]
    public void ACoordinatorReachableFromOtherMachinesNeedsACertificateOrInsecure()
    {
        int port = Endpoints.FreePort(IPAddress.Loopback);
        (int code, _, string error) = LocoChild.Run(Limit, "coordinator", "--listen", $"0.0.0.0:{port}", "--steps", "20", "--out", Out("open"));
        Assert.Equal(2, code);
        Assert.Contains("--insecure", error);
        Assert.Contains("loco cluster-cert", error);
        (code, _, error) = LocoChild.Run(Limit, "coordinator", "--listen", $"127.0.0.1:{port}", "--cert", Out("none"), "--steps", "20", "--out", Out("open"));
        Assert.Equal(2, code);
        Assert.Contains("no cluster certificate", error);
    }

    [Fact]
    public void DuplicatedDroppedAndDelayedChunksGiveTheCleanRunsResult()
    {
        string[] settings = ["--workers", "2", "--steps", "160", "--inner-steps", "20", "--seed", "9"];
        (int code, _, string error) = LocoChild.Run(Limit, ["train", .. settings, "--out", Out("clean")]);
        Assert.True(code == 0, error);
        // 10% of the uploads sent twice, 10% of the requests lost on the way (and sent again), each delayed 0–2 s.
        using var faulty = new LocoChild(new Dictionary<string, string> { ["LOCO_FAULT_NETWORK"] = "11:0.1:0.1:2" },
            ["train", "--processes", "2", .. settings, "--out", Out("faulty")]);
        Assert.True(faulty.WaitForExit(Limit) == 0, faulty.Out + faulty.Err);
        int injected = 0;
        foreach (string log in new[] { "worker0.log", "worker1.log" }.Select(f => File.ReadAllText(Path.Combine(Out("faulty"), f))))
        {
            var m = System.Text.RegularExpressions.Regex.Match(log, @"(\d+) uploads duplicated, (\d+) requests dropped, (\d+) delayed");
            Assert.True(m.Success, log);
            injected += int.Parse(m.Groups[1].Value) + int.Parse(m.Groups[2].Value);
            Assert.True(int.Parse(m.Groups[3].Value) > 0);
        }

        Assert.True(injected > 0, "no duplicate and no drop was injected");
        Assert.Equal(Rows(Out("clean")), Rows(Out("faulty")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(Out("clean"), "checkpoint", "global.safetensors")),
            File.ReadAllBytes(Path.Combine(Out("faulty"), "checkpoint", "global.safetensors")));
    }
}
