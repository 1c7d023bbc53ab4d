using System.Net;
using System.Runtime.InteropServices;
using Loco.Cluster.Hosting;
using Loco.Core.Optimizers;
using Loco.Core.Rounds.Reducers;

namespace Loco.Cluster.Tests;

/// <summary>
/// A worker process killed with SIGKILL in the middle of its upload: the round commits over the two others once its
/// lease expires, with exactly the outer step of the mean of their pseudo-gradients (recomputed here with Loco.Core
/// from the workers' dumps), and a new worker process takes the free slot with the committed weights. Real processes
/// on loopback, bounded in time, killed by pid.
/// </summary>
public sealed class WorkerLossTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);
    private readonly string _folder = Directory.CreateTempSubdirectory("loco-worker-loss-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string P(string name) => Path.Combine(_folder, name);

    private static float[] Floats(string path) => MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(path)).ToArray();

    [Fact]
    public void AWorkerKilledDuringItsUploadIsDroppedTheRoundCommitsOverTheOthersAndARestartedWorkerRejoins()
    {
        int port = Endpoints.FreeConsecutive(IPAddress.Loopback, 3);
        string join = $"127.0.0.1:{port}";
        // The lease is the default 10 s: a shorter one can drop a healthy worker whose heartbeats a loaded 2-core machine delays.
        using var coordinator = new LocoChild("coordinator", "--listen", join, "--workers", "3", "--min-workers", "2", "--lease", "10",
            "--steps", "140", "--inner-steps", "20", "--seed", "4", "--out", P("run"));
        Assert.True(coordinator.WaitForOutput("waiting for 3 workers", Limit), coordinator.Err);
        var stall = new Dictionary<string, string> { ["LOCO_FAULT_STALL_UPLOAD"] = "2" };
        LocoChild[] workers =
        [
            new LocoChild("worker", "--join", join, "--dump", P("dump")),
            new LocoChild("worker", "--join", join, "--dump", P("dump")),
            new LocoChild(stall, "worker", "--join", join, "--dump", P("dump")),
        ];
        LocoChild? rejoined = null;
        try
        {
            LocoChild victim = workers[2];
            Assert.True(victim.WaitForOutput("stalling in the upload of round 2", Limit), victim.Out + victim.Err);
            int lost = int.Parse(System.Text.RegularExpressions.Regex.Match(victim.Out, @"loco worker (\d+): stalling").Groups[1].Value);
            victim.Kill(); // SIGKILL, by its pid
            rejoined = new LocoChild("worker", "--join", join, "--dump", P("dump2"));
            Assert.Equal(0, coordinator.WaitForExit(Limit));
            foreach (LocoChild w in workers.Take(2).Append(rejoined))
            {
                Assert.Equal(0, w.WaitForExit(Limit));
            }

            int[] survivors = [.. Enumerable.Range(0, 3).Where(m => m != lost)];
            Assert.Contains($"worker {lost} lost at round 2", coordinator.Out);
            Assert.Contains($"round 2 committed over workers {survivors[0]}, {survivors[1]} (2 of 3)", coordinator.Out);
            string[] who = [.. File.ReadAllLines(Path.Combine(P("run"), "train.csv")).Select(l => l.Split(',')[^3])];
            Assert.Equal("contributors", who[0]);
            Assert.Equal("0 1 2", who[2]);                                // round 1: all three
            Assert.Equal($"{survivors[0]} {survivors[1]}", who[3]);       // round 2: the two that uploaded
            Assert.Equal("0 1 2", who[^1]);                               // the last round: the rejoined worker too

            // Rounds 1 and 2 recomputed from the dumps with Loco.Core: the in-process reducer over exactly the
            // contributors, in index order, then DiLoCo's outer step (Nesterov, α = 0.7, β = 0.9).
            OuterOptimizer outer = Outer.Nesterov(0.7, 0.9);
            float[] global = Floats(P($"dump/global-r0-w{survivors[0]}.bin"));
            OuterState<float> state = outer.Init<float>(global.Length);
            foreach ((int round, int[] contributors) in new[] { (1, new[] { 0, 1, 2 }), (2, survivors) })
            {
                var reducer = new InProcessReducer<float>();
                reducer.Begin(global.Length, contributors.Length);
                for (int i = 0; i < contributors.Length; i++)
                {
                    reducer.Add(i, Floats(P($"dump/delta-r{round}-w{contributors[i]}.bin")));
                }

                float[] mean = new float[global.Length];
                reducer.Mean(mean);
                outer.Step<float>(global, mean, state);
                foreach (int m in survivors)
                {
                    Assert.True(global.AsSpan().SequenceEqual(Floats(P($"dump/global-r{round}-w{m}.bin"))), $"round {round}, worker {m}'s weights");
                }
            }

            // The restarted worker entered with the committed weights of the round it joined after.
            string entry = Directory.GetFiles(P("dump2"), "global-r*-w*.bin").OrderBy(f => f.Length).ThenBy(f => f).First();
            string name = Path.GetFileName(entry);
            long from = long.Parse(name[(name.IndexOf('r') + 1)..name.IndexOf('-', 7)]);
            Assert.InRange(from, 2, 6);
            Assert.Equal(File.ReadAllBytes(entry), File.ReadAllBytes(P($"dump/global-r{from}-w{survivors[0]}.bin")));
            Assert.Contains($"entering round {from + 1} with the committed weights", rejoined.Out);
        }
        finally
        {
            foreach (LocoChild w in workers)
            {
                w.Dispose();
            }

            rejoined?.Dispose();
        }
    }
}
