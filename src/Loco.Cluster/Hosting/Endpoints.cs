using System.Net;
using System.Net.Sockets;
using Loco.Core.Family;

namespace Loco.Cluster.Hosting;

/// <summary>HOST:PORT as the cluster's flags take it (<c>--listen</c>, <c>--join</c>, <c>--redis</c>).</summary>
public static class Endpoints
{
    /// <summary>Parses HOST:PORT (a name is resolved, IPv4 first); an <see cref="InvalidInputException"/> naming <paramref name="flag"/> otherwise.</summary>
    public static IPEndPoint Parse(string text, string flag)
    {
        ArgumentNullException.ThrowIfNull(text);
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), out int port) || port < 0 || port > 65535)
        {
            throw new InvalidInputException(flag, $"'{text}' is not HOST:PORT (say 127.0.0.1:11111).");
        }

        string host = text[..colon].Trim('[', ']');
        if (IPAddress.TryParse(host, out IPAddress? address))
        {
            return new IPEndPoint(address, port);
        }

        try
        {
            IPAddress[] found = Dns.GetHostAddresses(host);
            IPAddress? pick = found.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? found.FirstOrDefault();
            return pick is not null ? new IPEndPoint(pick, port) : throw new InvalidInputException(flag, $"the host '{host}' has no address.");
        }
        catch (SocketException ex)
        {
            throw new InvalidInputException(flag, $"the host '{host}' cannot be resolved ({ex.Message}).");
        }
    }

    /// <summary>A TCP port on <paramref name="address"/> that nothing listens on now (the system picks it).</summary>
    public static int FreePort(IPAddress address)
    {
        using var listener = new TcpListener(address, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>
    /// A port p on <paramref name="address"/> such that p … p + <paramref name="count"/> − 1 are all free now (a
    /// coordinator's gateway, silo and data ports); tries a bounded number of candidates.
    /// </summary>
    public static int FreeConsecutive(IPAddress address, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        for (int attempt = 0; attempt < 50; attempt++)
        {
            int port = FreePort(address);
            if (port + count - 1 <= 65535 && Enumerable.Range(1, count - 1).All(i => IsFree(new IPEndPoint(address, port + i))))
            {
                return port;
            }
        }

        throw new InvalidInputException("--listen", $"found no {count} free neighbouring ports on {address}.");
    }

    private static bool IsFree(IPEndPoint endpoint)
    {
        try
        {
            using var listener = new TcpListener(endpoint);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Refuses a port that is already taken, naming <paramref name="flag"/>.</summary>
    public static void EnsureFree(IPEndPoint endpoint, string flag)
    {
        try
        {
            using var listener = new TcpListener(endpoint);
            listener.Start();
            listener.Stop();
        }
        catch (SocketException ex)
        {
            throw new InvalidInputException(flag, $"cannot listen on {endpoint} ({ex.SocketErrorCode}: {ex.Message}); is another coordinator running there? Choose another port.");
        }
    }
}
