using System.Net;
using System.Runtime.InteropServices;
using System.Security.Authentication;
using Loco.Cluster.DataPlane;
using Loco.Cluster.Grains;
using Loco.Cluster.Hosting;
using Loco.Cluster.Protocol;
using Loco.Cluster.Security;
using Loco.Cluster.Storage;
using Loco.Core.Optimizers;

namespace Loco.Cluster.Tests;

/// <summary>
/// Mutual TLS from the cluster's certificate on a real silo over loopback: a process with the certificate joins, calls
/// grains and sends chunks; one without it, or with another cluster's, cannot connect to the gateway nor open the data
/// plane, and what it tries to send does not reach the weights.
/// </summary>
public sealed class ClusterSecurityTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("loco-security-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task OnlyProcessesHoldingTheClusterCertificateJoinCallGrainsOrSendChunks()
    {
        const int D = 2000;
        using ClusterCertificate ours = ClusterCertificate.Create(Path.Combine(_folder, "ours"));
        using ClusterCertificate theirs = ClusterCertificate.Create(Path.Combine(_folder, "theirs"));
        Assert.NotEqual(ours.Fingerprint, theirs.Fingerprint);
        int port = Endpoints.FreeConsecutive(IPAddress.Loopback, 3);
        var gateway = new IPEndPoint(IPAddress.Loopback, port);
        var store = new FileRunStore(Path.Combine(_folder, "store"));
        await using CoordinatorSilo silo = await CoordinatorSilo.StartAsync(gateway, store, certificate: ours);
        var spec = new RunSpec
        {
            RunId = "tls", Flags = new Dictionary<string, string>(), ConfigHash = "-", Settings = "{}", Layout = ShardLayout.Of(D, 2, 500),
            Workers = 1, Rounds = 5, InnerSteps = 1, ItemsPerWorkerRound = 1, OuterKind = nameof(OuterKind.Plain), OuterForm = nameof(OuterForm.PyTorch),
            OuterLr = 0.5, OuterMomentum = 0, Restart = "never", DataPort = silo.DataPort,
        };
        float[] initial = [.. Enumerable.Range(0, D).Select(i => (float)Math.Sin(i))];
        BlobRef[] blobs = await RunBootstrap.WriteRoundZeroAsync(store, spec, initial);
        await silo.Grains.GetGrain<IRunGrain>(IRunGrain.Key).Start(spec, 0, 0, 0, blobs);

        // Without a certificate, or with another cluster's, the gateway lets nobody in.
        ClusterUnavailableException plain = await Assert.ThrowsAsync<ClusterUnavailableException>(() =>
            WorkerConnection.ConnectAsync(gateway, TimeSpan.FromSeconds(3)));
        Assert.Contains("--cert", plain.Message);
        await Assert.ThrowsAsync<ClusterUnavailableException>(() => WorkerConnection.ConnectAsync(gateway, TimeSpan.FromSeconds(3), certificate: theirs));

        // With it: a worker joins.
        await using WorkerConnection connection = await WorkerConnection.ConnectAsync(gateway, TimeSpan.FromSeconds(10), certificate: ours);
        var incarnation = Guid.NewGuid();
        JoinTicket ticket = await connection.Client.GetGrain<IRunGrain>(IRunGrain.Key).Join(incarnation, "t", 1);

        // A stranger who knows the worker's incarnation sends a well-formed chunk of round 1 on the data plane: without the
        // certificate the handshake fails before a byte of it is read; with another cluster's, too.
        float[] rogue = [.. Enumerable.Repeat(1000f, 500)];
        byte[] rogueBytes = MemoryMarshal.AsBytes(rogue.AsSpan()).ToArray();
        var frame = new DataFrame(DataKind.Upload, 0, 0, 0, 1, incarnation, rogueBytes.Length, Checksum.Of(rogueBytes));
        var dataEndpoint = new IPEndPoint(IPAddress.Loopback, silo.DataPort);
        using (var stranger = new DataPlaneClient(dataEndpoint))
        {
            Exception refused = await Assert.ThrowsAnyAsync<Exception>(() => stranger.UploadAsync(frame, rogueBytes));
            Assert.True(refused is IOException or System.Net.Sockets.SocketException, refused.ToString());
        }

        using (var impostor = new DataPlaneClient(dataEndpoint, theirs))
        {
            await Assert.ThrowsAnyAsync<AuthenticationException>(() => impostor.UploadAsync(frame, rogueBytes));
        }

        // The worker's own round over the authenticated data plane: the weights are the plain step on its Δ alone.
        using var data = new DataPlaneClient(dataEndpoint, ours);
        var reducer = new ClusterReducer(connection.Client, ticket, incarnation, _ => (1, 1), data);
        float[] delta = [.. Enumerable.Range(0, D).Select(i => (float)Math.Cos(i) / 7)];
        float[] global = new float[D];
        reducer.Begin(D, 1);
        reducer.Add(0, delta);
        reducer.Commit(global, Outer.Plain(0.5).Init<float>(1));
        float[] expected = [.. initial];
        Outer.Plain(0.5).Step<float>(expected, delta, Outer.Plain(0.5).Init<float>(D));
        Assert.Equal(MemoryMarshal.AsBytes(expected.AsSpan()).ToArray(), MemoryMarshal.AsBytes(global.AsSpan()).ToArray());
    }

    [Fact]
    public void AMissingFileACertificateWithoutItsKeyAndAnExistingOneAreRefusedClearly()
    {
        string folder = Path.Combine(_folder, "c");
        InvalidDataException missing = Assert.Throws<InvalidDataException>(() => ClusterCertificate.Load(folder));
        Assert.Contains("loco cluster-cert", missing.Message);
        using (ClusterCertificate made = ClusterCertificate.Create(folder))
        {
            Assert.True(made.Certificate.HasPrivateKey);
            Assert.Equal(64, made.Fingerprint.Length);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(folder, ClusterCertificate.FileName)));
            }

            using ClusterCertificate loaded = ClusterCertificate.Load(folder);
            Assert.Equal(made.Fingerprint, loaded.Fingerprint);
            Assert.True(loaded.Accepts(made.Certificate));
        }

        Assert.Throws<IOException>(() => ClusterCertificate.Create(folder));
        InvalidDataException noKey = Assert.Throws<InvalidDataException>(() => ClusterCertificate.Load(Path.Combine(folder, ClusterCertificate.PublicFileName)));
        Assert.Contains("loco cluster-cert", noKey.Message);
    }
}
