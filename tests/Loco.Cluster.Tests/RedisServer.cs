using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Loco.Cluster.Hosting;

namespace Loco.Cluster.Tests;

/// <summary>
/// A redis-server of Debian's package, started for the tests on a free loopback port with nothing persisted, and
/// stopped by its pid. `.ci/run` (through test.sh) installs the package when it is missing.
/// </summary>
public sealed class RedisServer : IDisposable
{
    private readonly Process _process;

    public RedisServer()
    {
        string binary = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("redis-server is not installed: run `sudo apt-get install redis-server` (test.sh does this).");
        Port = Endpoints.FreePort(IPAddress.Loopback);
        var start = new ProcessStartInfo(binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { "--port", $"{Port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "yes" })
        {
            start.ArgumentList.Add(a);
        }

        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, Port);
                break;
            }
            catch (SocketException) when (clock.Elapsed < TimeSpan.FromSeconds(10) && !_process.HasExited)
            {
                Thread.Sleep(50);
            }
        }
    }

    public int Port { get; }

    public string Address => $"127.0.0.1:{Port}";

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }

        _process.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisServer>
{
    public const string Name = "redis";
}
