using System.Diagnostics;
using System.Text;
using Xunit;

namespace Loco.Tests;

/// <summary>
/// The built <c>loco</c> as a child process, its output collected; bounded in time, and killed (with the processes it
/// started, by its pid) on dispose if still running.
/// </summary>
internal sealed class LocoChild : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _out = new();
    private readonly StringBuilder _err = new();
    private readonly Lock _gate = new();

    public LocoChild(params string[] args)
        : this(null, args)
    {
    }

    /// <summary>A child with extra environment variables.</summary>
    public LocoChild(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "loco.dll");
        string? self = Environment.ProcessPath;
        string host = self is not null && Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase)
            ? self
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h ? h : "dotnet";
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (string a in (string[])["exec", dll, .. args])
        {
            start.ArgumentList.Add(a);
        }

        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => { lock (_gate) { if (e.Data is not null) _out.AppendLine(e.Data); } };
        _process.ErrorDataReceived += (_, e) => { lock (_gate) { if (e.Data is not null) _err.AppendLine(e.Data); } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;

    public string Out { get { lock (_gate) return _out.ToString(); } }

    public string Err { get { lock (_gate) return _err.ToString(); } }

    /// <summary>Waits until standard output holds <paramref name="text"/> (false if the child exits or time runs out first).</summary>
    public bool WaitForOutput(string text, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            if (Out.Contains(text, StringComparison.Ordinal))
            {
                return true;
            }

            if (_process.HasExited)
            {
                return Out.Contains(text, StringComparison.Ordinal);
            }

            Thread.Sleep(50);
        }

        return false;
    }

    /// <summary>Runs loco to its end (at most <paramref name="limit"/>); returns (exit code, stdout, stderr).</summary>
    public static (int Code, string Out, string Err) Run(TimeSpan limit, params string[] args)
    {
        using var child = new LocoChild(args);
        int code = child.WaitForExit(limit);
        return (code, child.Out, child.Err);
    }

    public int WaitForExit(TimeSpan limit)
    {
        Assert.True(_process.WaitForExit(limit), $"loco did not exit within {limit}; output: {Out} {Err}");
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Kills the child now (SIGKILL, by its pid), with the processes it started.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
