using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Loco.Cluster.DataPlane;
using Loco.Cluster.Grains;
using Loco.Cluster.Hosting;
using Loco.Cluster.Protocol;
using Loco.Cluster.Storage;
using Loco.Core.Optimizers;

namespace Loco.Cluster.Tests;

/// <summary>The coordinator's data plane (a TCP stream beside Orleans) on a real silo over loopback.</summary>
public sealed class DataPlaneTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("loco-data-plane-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task ChunksTravelBitExactBadOnesAreRefusedWithTheShardsReasonAndGarbageDoesNotStopTheServer()
    {
        const int D = 3000;
        int port = Endpoints.FreeConsecutive(IPAddress.Loopback, 3);

        var gateway = new IPEndPoint(IPAddress.Loopback, port);
        var store = new FileRunStore(_folder);
        await using CoordinatorSilo silo = await CoordinatorSilo.StartAsync(gateway, store);
        Assert.Equal(port + 2, silo.DataPort);
        var spec = new RunSpec
        {
            RunId = "dp", Flags = new Dictionary<string, string>(), ConfigHash = "-", Settings = "{}", Layout = ShardLayout.Of(D, 2, 500),
            Workers = 1, Rounds = 5, InnerSteps = 1, ItemsPerWorkerRound = 1, OuterKind = nameof(OuterKind.Plain), OuterForm = nameof(OuterForm.PyTorch),
            OuterLr = 0.5, OuterMomentum = 0, Restart = "never", DataPort = silo.DataPort,
        };
        float[] initial = [.. Enumerable.Range(0, D).Select(i => (float)Math.Sin(i))];
        BlobRef[] blobs = await RunBootstrap.WriteRoundZeroAsync(store, spec, initial);
        await silo.Grains.GetGrain<IRunGrain>(IRunGrain.Key).Start(spec, 0, 0, 0, blobs);
        await using WorkerConnection connection = await WorkerConnection.ConnectAsync(gateway, TimeSpan.FromSeconds(10));
        var incarnation = Guid.NewGuid();
        JoinTicket ticket = await connection.Client.GetGrain<IRunGrain>(IRunGrain.Key).Join(incarnation, "t", 1);
        using var data = new DataPlaneClient(new IPEndPoint(IPAddress.Loopback, silo.DataPort));

        // Garbage on a connection of its own: the server drops that connection and keeps serving.
        using (var garbage = new TcpClient())
        {
            await garbage.ConnectAsync(IPAddress.Loopback, silo.DataPort);
            await garbage.GetStream().WriteAsync(new byte[DataFrame.Size + 10]);
            Assert.Equal(0, await garbage.GetStream().ReadAsync(new byte[1]));
        }

        // A chunk with a bad checksum, and one for a round that is not open: refused, with the shard's reason.
        byte[] chunk = new byte[4 * 500];
        UploadRefusedException bad = await Assert.ThrowsAsync<UploadRefusedException>(() =>
            data.UploadAsync(new DataFrame(DataKind.Upload, 0, 0, 0, 1, incarnation, chunk.Length, Checksum.Of(chunk) ^ 1), chunk));
        Assert.Contains("checksum", bad.Message);
        UploadRefusedException late = await Assert.ThrowsAsync<UploadRefusedException>(() =>
            data.UploadAsync(new DataFrame(DataKind.Upload, 0, 0, 0, 3, incarnation, chunk.Length, Checksum.Of(chunk)), chunk));
        Assert.Contains("round 1 is open", late.Message);

        // A whole round through the data plane: the weights come back as the plain step on the mean computes them.
        var reducer = new ClusterReducer(connection.Client, ticket, incarnation, _ => (1, 1), data);
        float[] delta = [.. Enumerable.Range(0, D).Select(i => (float)Math.Cos(i) / 7)];
        float[] global = new float[D];
        reducer.Begin(D, 1);
        reducer.Add(0, delta);
        reducer.Commit(global, Outer.Plain(0.5).Init<float>(1));
        float[] expected = [.. initial];
        Outer.Plain(0.5).Step<float>(expected, delta, Outer.Plain(0.5).Init<float>(D));
        Assert.Equal(expected, global);
        Assert.Equal(MemoryMarshal.AsBytes(expected.AsSpan()).ToArray(), MemoryMarshal.AsBytes(global.AsSpan()).ToArray());
    }
}
