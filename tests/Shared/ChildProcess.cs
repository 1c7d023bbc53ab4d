using System.Diagnostics;

namespace Loco.Tests;

/// <summary>A program run to its end by a test, bounded in time (killed with its children past the limit), and the checkout's root.</summary>
internal static class ChildProcess
{
    /// <summary>Runs <paramref name="file"/> in <paramref name="workingDirectory"/>: (exit code, standard output, standard error); -1 when it cannot start or overruns.</summary>
    public static (int Code, string Out, string Err) Run(string file, string workingDirectory, TimeSpan limit, params string[] args)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        try
        {
            using Process p = Process.Start(start)!;
            Task<string> output = p.StandardOutput.ReadToEndAsync(), error = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(limit))
            {
                p.Kill(entireProcessTree: true);
                return (-1, "", $"{file} {string.Join(' ', args)} did not finish within {limit}");
            }

            return (p.ExitCode, output.Result, error.Result);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, "", $"{file} cannot be started ({ex.Message})");
        }
    }

    /// <summary>The checkout's root: the first folder above the test binaries that holds Loco.sln.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Loco.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The checkout's root (with Loco.sln) is not above the test binaries.");
    }
}
