using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Loco.Cluster.DataPlane;

/// <summary>
/// A worker's side of the data plane (<see cref="DataPlaneServer"/>): a few TCP connections to the coordinator, each
/// carrying one chunk at a time; a refused chunk throws <see cref="UploadRefusedException"/> with the shard's reason. With
/// the cluster's certificate every connection opens with a TLS handshake in which both sides present it.
/// </summary>
public sealed class DataPlaneClient(IPEndPoint endpoint, Security.ClusterCertificate? certificate = null) : IDisposable
{
    private readonly ConcurrentBag<Stream> _idle = [];

    /// <summary>The coordinator's data endpoint.</summary>
    public IPEndPoint Endpoint { get; } = endpoint;

    /// <summary>Injected network faults (tests), or null.</summary>
    public NetworkFaults? Faults { get; init; }

    /// <summary>Tries per request before its failure is passed on (a lost request or a broken connection is sent again).</summary>
    public const int Attempts = 5;

    /// <summary>
    /// Sends one upload chunk and waits for the shard's answer; a request lost on the way or a broken connection is
    /// sent again (up to <see cref="Attempts"/> tries: chunks are idempotent), a refusal is not.
    /// </summary>
    public Task UploadAsync(DataFrame frame, ReadOnlyMemory<byte> payload) => WithRetries(async () =>
    {
        if (Faults?.SendTwice() == true)
        {
            await UploadOnceAsync(frame, payload);
        }

        await UploadOnceAsync(frame, payload);
    });

    // One request, sent again when it is lost on the way or its connection breaks (up to Attempts tries; every request
    // is idempotent), after the injected faults' delay or loss.
    private async Task WithRetries(Func<Task> request)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                if (Faults is not null)
                {
                    await Faults.BeforeSendAsync();
                }

                await request();
                return;
            }
            catch (Exception ex) when (ex is IOException or SocketException && attempt < Attempts)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt));
            }
        }
    }

    private async Task UploadOnceAsync(DataFrame frame, ReadOnlyMemory<byte> payload)
    {
        Stream stream = await RentAsync();
        byte[] header = new byte[DataFrame.Size];
        (frame with { Kind = DataKind.Upload, Length = payload.Length }).Write(header);
        try
        {
            await stream.WriteAsync(header);
            await stream.WriteAsync(payload);
            await ReadStatusAsync(stream);
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            stream.Dispose(); // a broken connection is not reused
            throw;
        }

        _idle.Add(stream);
    }

    /// <summary>Fetches one chunk of the committed weights into <paramref name="destination"/> (exactly its length).</summary>
    public Task DownloadAsync(DataFrame frame, Memory<byte> destination) => WithRetries(() => DownloadOnceAsync(frame, destination));

    private async Task DownloadOnceAsync(DataFrame frame, Memory<byte> destination)
    {
        Stream stream = await RentAsync();
        byte[] header = new byte[DataFrame.Size];
        (frame with { Kind = DataKind.Download, Length = 0 }).Write(header);
        int length;
        try
        {
            await stream.WriteAsync(header);
            length = await ReadStatusAsync(stream);
            if (length == destination.Length)
            {
                await stream.ReadExactlyAsync(destination);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            stream.Dispose();
            throw;
        }

        if (length != destination.Length)
        {
            stream.Dispose();
            throw new InvalidDataException($"the shard sent {length} bytes for a chunk of {destination.Length}.");
        }

        _idle.Add(stream);
    }

    // Every reply is a status byte and a length: on a refusal the message follows, thrown here; on success the length of
    // what follows (a download's payload; 0 for an upload).
    private static async Task<int> ReadStatusAsync(Stream stream)
    {
        byte[] reply = new byte[5];
        await stream.ReadExactlyAsync(reply);
        int n = BitConverter.ToInt32(reply.AsSpan(1));
        if (reply[0] == 0)
        {
            return n;
        }

        byte[] text = new byte[n];
        await stream.ReadExactlyAsync(text);
        throw new UploadRefusedException(Encoding.UTF8.GetString(text));
    }

    private async Task<Stream> RentAsync()
    {
        if (_idle.TryTake(out Stream? stream))
        {
            return stream;
        }

        var socket = new Socket(Endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(Endpoint);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var plain = new NetworkStream(socket, ownsSocket: true);
        return certificate is null ? plain : await certificate.AuthenticateAsClientAsync(plain);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        while (_idle.TryTake(out Stream? stream))
        {
            stream.Dispose();
        }
    }
}
