namespace Loco.Cli.Commands;

/// <summary>How to start <c>loco</c> again in a child process (the sweep's cells, a cluster's coordinator and workers).</summary>
internal static class LocoProcess
{
    /// <summary>The apphost itself, or the .NET host with loco.dll: the file to start and the arguments before loco's own.</summary>
    public static (string File, List<string> Args) Command()
    {
        string dll = typeof(LocoApp).Assembly.Location;
        string? self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self).Equals("loco", StringComparison.OrdinalIgnoreCase))
        {
            return (self, []);
        }

        string host = self is not null && Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase)
            ? self
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h ? h : "dotnet";
        return (host, ["exec", dll]);
    }
}
