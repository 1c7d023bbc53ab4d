using System.Net;
using System.Net.Sockets;
using System.Text;
using Loco.Cluster.Grains;
using Microsoft.Extensions.Logging;

namespace Loco.Cluster.DataPlane;

/// <summary>
/// The coordinator's data plane: a TCP listener beside the silo that carries the bulk bytes (pseudo-gradient chunks up,
/// weight chunks down) and hands each chunk to its shard grain by an in-silo call, where an <c>[Immutable]</c> byte
/// array is passed without a copy. Orleans keeps membership, the round barrier and the state; the shard grain checks
/// every chunk exactly as on the grain path. A connection carries one request at a time: a header
/// (<see cref="DataFrame"/>) and an upload's payload in; a status byte (0 = done, 1 = refused) and a length out, then a
/// download's payload or a refusal's UTF-8 message.
/// </summary>
public sealed class DataPlaneServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IGrainFactory _grains;
    private readonly ILogger _log;
    private readonly int _maxPayload;
    private readonly CancellationTokenSource _stop = new();
    private readonly BufferPool _buffers = new();
    private readonly Task _accepting;
    private readonly Security.ClusterCertificate? _certificate;

    /// <summary>
    /// Listens on <paramref name="endpoint"/> (port 0: any free port) and serves until disposed; with a
    /// <paramref name="certificate"/>, every connection must open with a TLS handshake in which the worker presents it.
    /// </summary>
    public DataPlaneServer(IPEndPoint endpoint, IGrainFactory grains, ILogger log, int maxPayload, Security.ClusterCertificate? certificate = null)
    {
        _certificate = certificate;
        _grains = grains;
        _log = log;
        _maxPayload = maxPayload;
        _listener = new TcpListener(endpoint);
        _listener.Start();
        Endpoint = (IPEndPoint)_listener.LocalEndpoint;
        _accepting = AcceptAsync();
    }

    /// <summary>Where it listens.</summary>
    public IPEndPoint Endpoint { get; }

    private async Task AcceptAsync()
    {
        var connections = new List<Task>();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                Socket socket = await _listener.AcceptSocketAsync(_stop.Token);
                socket.NoDelay = true;
                connections.Add(ServeAsync(socket));
                connections.RemoveAll(t => t.IsCompleted);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }

        await Task.WhenAll(connections);
    }

    private async Task ServeAsync(Socket socket)
    {
        EndPoint? remote = socket.RemoteEndPoint;
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        if (_certificate is not null)
        {
            try
            {
                stream = await _certificate.AuthenticateAsServerAsync(stream, _stop.Token);
            }
            catch (Exception ex) when (ex is System.Security.Authentication.AuthenticationException or IOException or OperationCanceledException)
            {
                // SslStream disposed the connection.
                if (!_stop.IsCancellationRequested)
                {
                    _log.LogWarning("data plane: refused a connection from {Remote} that did not present the cluster certificate: {Message}", remote, ex.Message);
                }

                return;
            }
        }

        await using Stream _ = stream;
        byte[] header = new byte[DataFrame.Size];
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                if (!await ReadOrEndAsync(stream, header))
                {
                    return;
                }

                DataFrame frame = DataFrame.Read(header);
                if (frame.Length < 0 || frame.Length > _maxPayload)
                {
                    await RefuseAsync(stream, $"a chunk of {frame.Length} bytes is above the limit of {_maxPayload}.");
                    return; // the payload that follows cannot be trusted to be skipped
                }

                IShardGrain shard = _grains.GetGrain<IShardGrain>(frame.Shard);
                if (frame.Kind == DataKind.Upload)
                {
                    // The in-silo call passes the [Immutable] array by reference and the shard copies what it keeps before
                    // it returns, so the array goes back to the pool after the call.
                    byte[] payload = _buffers.Rent(frame.Length);
                    try
                    {
                        await stream.ReadExactlyAsync(payload, _stop.Token);
                        await shard.Upload(frame.Round, frame.Worker, frame.Incarnation, frame.Chunk, payload, frame.Checksum);
                        await stream.WriteAsync(new byte[5], _stop.Token);
                    }
                    catch (UploadRefusedException ex)
                    {
                        await RefuseAsync(stream, ex.Message);
                    }
                    finally
                    {
                        _buffers.Return(payload);
                    }
                }
                else
                {
                    byte[] payload;
                    try
                    {
                        payload = (await shard.Download(frame.Round, frame.Chunk)).Value;
                    }
                    catch (InvalidOperationException ex)
                    {
                        await RefuseAsync(stream, ex.Message);
                        continue;
                    }

                    byte[] reply = new byte[5];
                    BitConverter.TryWriteBytes(reply.AsSpan(1), payload.Length);
                    await stream.WriteAsync(reply, _stop.Token);
                    await stream.WriteAsync(payload, _stop.Token);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or InvalidDataException or OperationCanceledException or ObjectDisposedException)
        {
            if (!_stop.IsCancellationRequested)
            {
                _log.LogWarning("data plane: closed a connection from {Remote}: {Message}", remote, ex.Message);
            }
        }
    }

    private async Task RefuseAsync(Stream stream, string message)
    {
        byte[] text = Encoding.UTF8.GetBytes(message);
        byte[] reply = new byte[5 + text.Length];
        reply[0] = 1;
        BitConverter.TryWriteBytes(reply.AsSpan(1), text.Length);
        text.CopyTo(reply, 5);
        await stream.WriteAsync(reply, _stop.Token);
    }

    // Fills the buffer, or returns false if the peer closed the connection before the first byte.
    private async Task<bool> ReadOrEndAsync(Stream stream, byte[] buffer)
    {
        int first = await stream.ReadAsync(buffer, _stop.Token);
        if (first == 0)
        {
            return false;
        }

        await stream.ReadExactlyAsync(buffer.AsMemory(first), _stop.Token);
        return true;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
