using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Loco.Cluster;
using Loco.Cluster.Grains;
using Loco.Cluster.Hosting;
using Loco.Cluster.Protocol;
using Loco.Cluster.Storage;
using Loco.Core.Optimizers;

// The cluster's costs on this machine, every figure against a reference measured in the same run:
//  1. chunk throughput: the workers' upload and download path (ClusterReducer → shard grains over loopback TCP)
//     against a plain TCP copy of the same bytes in the same process, and the bytes loopback carried per payload byte;
//  2. the round split of `loco train --processes 2` (compute, upload, wait for the others and the reduce, download)
//     for the given models at H = 50, and the communication share of the round.
// Usage: Loco.Cluster.Bench [--mb N] [--models tiny,small] [--rounds R] [--skip-throughput] [--skip-rounds]
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
int mb = Arg("--mb", 64);
string[] models = (ArgText("--models") ?? "tiny,small").Split(',', StringSplitOptions.RemoveEmptyEntries);
int rounds = Arg("--rounds", 4);
if (!args.Contains("--skip-throughput"))
{
    await Throughput(mb, dataPlane: false);
    await Throughput(mb, dataPlane: true);
}

if (!args.Contains("--skip-rounds"))
{
    foreach (string model in models)
    {
        RoundSplit(model, rounds);
    }
}

return 0;

int Arg(string name, int fallback) => ArgText(name) is string v ? int.Parse(v) : fallback;

string? ArgText(string name) => Array.IndexOf(args, name) is int i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

static long LoopbackBytes() => long.Parse(File.ReadAllText("/sys/class/net/lo/statistics/tx_bytes").Trim());

static async Task Throughput(int megabytes, bool dataPlane)
{
    int floats = megabytes << 18;
    string folder = Directory.CreateTempSubdirectory("loco-cluster-bench-").FullName;
    try
    {
        var gateway = new IPEndPoint(IPAddress.Loopback, Endpoints.FreeConsecutive(IPAddress.Loopback, 3));
        var store = new FileRunStore(folder);
        await using CoordinatorSilo silo = await CoordinatorSilo.StartAsync(gateway, store, dataPort: dataPlane ? 0 : -1);
        var spec = new RunSpec
        {
            RunId = "bench", Flags = new Dictionary<string, string>(), ConfigHash = "-", Settings = "{}", Layout = ShardLayout.Of(floats, 2),
            Workers = 1, Rounds = 1000, InnerSteps = 1, ItemsPerWorkerRound = 1, OuterKind = nameof(OuterKind.Plain), OuterForm = nameof(OuterForm.PyTorch),
            OuterLr = 1, OuterMomentum = 0, Restart = "never", DataPort = silo.DataPort,
        };
        BlobRef[] blobs = await RunBootstrap.WriteRoundZeroAsync(store, spec, new float[floats]);
        await silo.Grains.GetGrain<IRunGrain>(IRunGrain.Key).Start(spec, 0, 0, 0, blobs);
        await using WorkerConnection connection = await WorkerConnection.ConnectAsync(gateway, TimeSpan.FromSeconds(10));
        var incarnation = Guid.NewGuid();
        JoinTicket ticket = await connection.Client.GetGrain<IRunGrain>(IRunGrain.Key).Join(incarnation, "bench", 1);
        using var data = dataPlane ? new Loco.Cluster.DataPlane.DataPlaneClient(new IPEndPoint(IPAddress.Loopback, silo.DataPort)) : null;
        var reducer = new ClusterReducer(connection.Client, ticket, incarnation, _ => (1, 1), data);
        float[] delta = new float[floats], global = new float[floats];
        new Random(1).NextBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(delta.AsSpan()));
        for (int i = 0; i < delta.Length; i++)
        {
            delta[i] = float.IsFinite(delta[i]) ? delta[i] : 0;
        }

        var state = Outer.Plain().Init<float>(1);
        var up = new List<double>();
        var down = new List<double>();
        var wire = new List<double>();
        for (int round = 0; round < 4; round++)
        {
            long before = LoopbackBytes();
            reducer.Begin(floats, 1);
            reducer.Add(0, delta);
            long afterUpload = LoopbackBytes();
            reducer.Commit(global, state);
            (double _, double upload, double _, double download) = reducer.LastRoundSeconds;
            if (round > 0)
            {
                up.Add(4.0 * floats / upload / 1e9);
                down.Add(4.0 * floats / download / 1e9);
                wire.Add((double)(afterUpload - before) / (4.0 * floats));
            }
        }

        (double tcpAck, double tcpStream) = await Tcp(4L * floats);
        (double tcpAck2, double tcpStream2) = await Tcp(4L * floats);
        double tcp = (tcpAck + tcpAck2) / 2;
        Console.WriteLine($"## Chunk throughput {(dataPlane ? "on the data plane (a TCP stream beside Orleans)" : "through grain calls")}, {megabytes} MB pseudo-gradient, " +
                          "4 MiB chunks, 2 shards, loopback (best of 3 rounds after a warm-up)");
        Console.WriteLine();
        Console.WriteLine("| path | GB/s | × TCP copy (4 MiB, acked) |");
        Console.WriteLine("|---|---|---|");
        Console.WriteLine($"| upload to the shards | {up.Max():F2} | {up.Max() / tcp:F2} |");
        Console.WriteLine($"| download from the shards | {down.Max():F2} | {down.Max() / tcp:F2} |");
        Console.WriteLine($"| TCP copy, 4 MiB chunks each acknowledged (before, after) | {tcpAck:F2}, {tcpAck2:F2} | 1 |");
        Console.WriteLine($"| TCP copy, streamed (before, after) | {tcpStream:F2}, {tcpStream2:F2} | {(tcpStream + tcpStream2) / 2 / tcp:F2} |");
        Console.WriteLine();
        Console.WriteLine($"Loopback bytes sent during an upload per payload byte: {wire.Min():F3} to {wire.Max():F3} (payload {4L * floats:N0} B).");
        Console.WriteLine();
    }
    finally
    {
        Directory.Delete(folder, recursive: true);
    }
}

// A plain TCP copy of the same bytes on loopback, in 4 MiB writes: each acknowledged by one byte (as a call is), and streamed.
static async Task<(double Acked, double Streamed)> Tcp(long bytes)
{
    const int Chunk = 4 << 20;
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    int port = ((IPEndPoint)listener.LocalEndpoint).Port;
    Task server = Task.Run(async () =>
    {
        for (int pass = 0; pass < 2; pass++)
        {
            using TcpClient peer = await listener.AcceptTcpClientAsync();
            NetworkStream s = peer.GetStream();
            byte[] buffer = new byte[Chunk];
            long received = 0;
            while (received < bytes)
            {
                int n = await s.ReadAsync(buffer.AsMemory(0, (int)Math.Min(Chunk - (received % Chunk), bytes - received)));
                if (n == 0)
                {
                    break;
                }

                received += n;
                if (pass == 0 && (received % Chunk == 0 || received == bytes))
                {
                    await s.WriteAsync(new byte[] { 1 });
                }
            }
        }
    });
    byte[] data = new byte[Chunk];
    new Random(2).NextBytes(data);
    double[] rates = new double[2];
    for (int pass = 0; pass < 2; pass++)
    {
        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(IPAddress.Loopback, port);
        NetworkStream s = client.GetStream();
        var clock = Stopwatch.StartNew();
        byte[] ack = new byte[1];
        for (long sent = 0; sent < bytes; sent += Chunk)
        {
            int n = (int)Math.Min(Chunk, bytes - sent);
            await s.WriteAsync(data.AsMemory(0, n));
            if (pass == 0)
            {
                await s.ReadExactlyAsync(ack);
            }
        }

        if (pass == 1)
        {
            client.Client.Shutdown(SocketShutdown.Send);
        }

        rates[pass] = bytes / clock.Elapsed.TotalSeconds / 1e9;
    }

    await server;
    return (rates[0], rates[1]);
}

// `loco train --processes 2` of the model at H = 50, then the round split from the workers' logs and the coordinator's lines.
static void RoundSplit(string model, int rounds)
{
    string folder = Directory.CreateTempSubdirectory("loco-cluster-rounds-").FullName;
    try
    {
        var output = new StringWriter();
        var clock = Stopwatch.StartNew();
        int code = Loco.Cli.LocoApp.Run(["train", "--processes", "2", "--model", model, "--inner-steps", "50", "--steps", $"{50 * rounds}", "--batch", "8", "--context", "32",
            "--eval-every", "0", "--out", Path.Combine(folder, "run")], output, Console.Error, interactive: false);
        double wall = clock.Elapsed.TotalSeconds;
        if (code != 0)
        {
            Console.WriteLine($"{model}: loco train --processes 2 exited with {code}:\n{output}");
            return;
        }

        var split = new Regex(@"round (\d+)/\d+ train \S+ \(compute ([\d.]+) s, upload ([\d.]+) s, wait ([\d.]+) s, download ([\d.]+) s\)");
        var rows = new List<double[]>();
        for (int w = 0; w < 2; w++)
        {
            foreach (Match m in File.ReadLines(Path.Combine(folder, "run", $"worker{w}.log")).Select(l => split.Match(l)).Where(m => m.Success))
            {
                if (int.Parse(m.Groups[1].Value) > 1)
                {
                    rows.Add([.. Enumerable.Range(2, 4).Select(g => double.Parse(m.Groups[g].Value))]);
                }
            }
        }

        var reduce = new Regex(@"^round (\d+)/\d+ .* sent ([\d,]+) B reduce ([\d.]+) s");
        double[] reduces = [.. output.ToString().Split('\n').Select(l => reduce.Match(l)).Where(m => m.Success && int.Parse(m.Groups[1].Value) > 1)
            .Select(m => double.Parse(m.Groups[3].Value))];
        long sent = output.ToString().Split('\n').Select(l => reduce.Match(l)).Where(m => m.Success).Select(m => long.Parse(m.Groups[2].Value.Replace(",", ""))).FirstOrDefault();
        double compute = rows.Average(r => r[0]), upload = rows.Average(r => r[1]), wait = rows.Average(r => r[2]), download = rows.Average(r => r[3]);
        double reduceMean = reduces.DefaultIfEmpty(0).Average();
        double round = compute + upload + wait + download;
        double communication = upload + download + reduceMean;
        Console.WriteLine($"## Round split, `{model}`, H = 50, 2 worker processes, rounds 2..{rounds} (mean over rounds and workers; {wall:F0} s in all)");
        Console.WriteLine();
        Console.WriteLine("| part | seconds | share of the round |");
        Console.WriteLine("|---|---|---|");
        Console.WriteLine($"| compute (50 inner steps) | {compute:F3} | {compute / round:P1} |");
        Console.WriteLine($"| upload | {upload:F3} | {upload / round:P1} |");
        Console.WriteLine($"| reduce, outer step and store (coordinator) | {reduceMean:F3} | {reduceMean / round:P1} |");
        Console.WriteLine($"| waiting for the commit (other worker + reduce) | {wait:F3} | {wait / round:P1} |");
        Console.WriteLine($"| download | {download:F3} | {download / round:P1} |");
        Console.WriteLine($"| round | {round:F3} | |");
        Console.WriteLine();
        Console.WriteLine($"Communication (upload + reduce + download) is {communication / round:P1} of the round. Payload per worker per round: {sent / 2:N0} B " +
                          "up and the same down (fp32).");
        Console.WriteLine();
    }
    finally
    {
        Directory.Delete(folder, recursive: true);
    }
}
