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

    /// <summary>
    /// The lowest port <see cref="FreeConsecutive"/> draws from: above Redis' 6379, Orleans' defaults 11111 and 30000, and
    /// the ranges Orleans' TestingHost allocates its silos' and gateways' ports from (20000–30000), so that the two
    /// allocators never race for one port.
    /// </summary>
    private const int QuietLow = 30001;

    private static readonly HashSet<int> Given = [];
    private static readonly Lock GivenGate = new();

    /// <summary>A TCP port on <paramref name="address"/> that nothing listens on now; see <see cref="FreeConsecutive"/>.</summary>
    public static int FreePort(IPAddress address) => FreeConsecutive(address, 1);

    /// <summary>
    /// A port p on <paramref name="address"/> such that p … p + <paramref name="count"/> − 1 are all free now (a
    /// coordinator's gateway, silo and data ports). The ports are drawn below the system's ephemeral range, so no
    /// outgoing connection (whose local port the system takes from that range) can occupy one between this check
    /// and its use, and no port is handed out twice by one process; a bounded number of candidates is tried.
    /// </summary>
    public static int FreeConsecutive(IPAddress address, int count)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        int high = EphemeralLow();
        for (int attempt = 0; attempt < 200 && high - QuietLow > 1000; attempt++)
        {
            int port = Random.Shared.Next(QuietLow, high - count + 1);
            if (TryTake(address, port, count))
            {
                return port;
            }
        }

        for (int attempt = 0; attempt < 50; attempt++) // the system's range has no room below it: let it pick
        {
            int port = SystemPick(address);
            if (port + count - 1 <= 65535 && TryTake(address, port, count))
            {
                return port;
            }
        }

        throw new InvalidInputException("--listen", $"found no {count} free neighbouring ports on {address}.");
    }

    private static bool TryTake(IPAddress address, int port, int count)
    {
        lock (GivenGate)
        {
            for (int i = 0; i < count; i++)
            {
                if (Given.Contains(port + i) || !IsFree(new IPEndPoint(address, port + i)))
                {
                    return false;
                }
            }

            for (int i = 0; i < count; i++)
            {
                Given.Add(port + i);
            }

            return true;
        }
    }

    /// <summary>The first port of the range the system takes outgoing connections' local ports from.</summary>
    private static int EphemeralLow()
    {
        const string range = "/proc/sys/net/ipv4/ip_local_port_range";
        try
        {
            if (OperatingSystem.IsLinux() && File.Exists(range))
            {
                string[] parts = File.ReadAllText(range).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length >= 1 && int.TryParse(parts[0], out int low) && low is > 1024 and <= 65535)
                {
                    return low;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return 49152; // IANA's dynamic range, the default on Windows and macOS
    }

    private static int SystemPick(IPAddress address)
    {
        using var listener = new TcpListener(address, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
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
