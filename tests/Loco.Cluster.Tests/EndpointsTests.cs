using System.Net;
using System.Net.Sockets;
using Loco.Cluster.Hosting;

namespace Loco.Cluster.Tests;

public sealed class EndpointsTests
{
    [Fact]
    public void FreeRunsOfPortsLieBelowTheSystemsOutgoingRangeAreBindableAndNeverHandedOutTwice()
    {
        int ephemeralLow = 49152;
        const string range = "/proc/sys/net/ipv4/ip_local_port_range";
        if (File.Exists(range))
        {
            ephemeralLow = int.Parse(File.ReadAllText(range).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0], System.Globalization.CultureInfo.InvariantCulture);
        }

        var seen = new HashSet<int>();
        for (int i = 0; i < 40; i++)
        {
            int port = Endpoints.FreeConsecutive(IPAddress.Loopback, 3);
            for (int k = 0; k < 3; k++)
            {
                Assert.True(seen.Add(port + k), $"port {port + k} was handed out twice");
                using var listener = new TcpListener(IPAddress.Loopback, port + k);
                listener.Start(); // throws if the port is taken
                listener.Stop();
            }

            if (ephemeralLow > 21000)
            {
                Assert.InRange(port + 2, 1025, ephemeralLow - 1);
            }
        }

        int single = Endpoints.FreePort(IPAddress.Loopback);
        Assert.DoesNotContain(single, seen);
    }
}
