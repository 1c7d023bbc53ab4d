using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Loco.Cli.Output;
using Loco.Cluster.Hosting;
using Loco.Core.Family;
using Spectre.Console;

namespace Loco.Cli.Commands;

/// <summary>
/// <c>loco train --processes N</c>: the one-command way to train across processes on this machine. Starts
/// <c>loco coordinator</c> on a free loopback port and N <c>loco worker --join</c> processes, shows the coordinator's
/// rounds (one progress bar on a terminal, one line per round otherwise), writes each worker's output to
/// <c>worker{i}.log</c> in the run folder, and stops every child (by its process id) when the run ends, when a worker
/// fails, or on Ctrl-C.
/// </summary>
internal static partial class ClusterProcesses
{
    /// <summary>Runs the cluster; returns the exit code (the coordinator's, or 1 when a worker failed, or 130 when stopped).</summary>
    public static int Run(Terminal terminal, int processes, IReadOnlyDictionary<string, string> settings, IEnumerable<string> clusterFlags, string outFolder,
        bool overwrite, bool json, string? certificate = null)
    {
        InputChecks.AtLeastOne(processes, "--processes", "number of worker processes");
        var flags = new Dictionary<string, string>(settings, StringComparer.Ordinal);
        int workers = processes;
        if (flags.TryGetValue("--workers", out string? given))
        {
            workers = int.TryParse(given, out int m) ? m : throw new InvalidInputException("--workers", $"'{given}' is not a number of workers.");
            if (workers < processes || workers % processes != 0)
            {
                throw new InvalidInputException("--workers",
                    $"the {workers} workers must split evenly over the {processes} processes (--workers a multiple of --processes, or left out for one each).");
            }
        }

        flags["--workers"] = $"{workers}";
        OutFolder.EnsureWritable(outFolder);
        Directory.CreateDirectory(outFolder);
        int port = Endpoints.FreeConsecutive(IPAddress.Loopback, 3); // the gateway, the silo, the data plane
        string join = $"127.0.0.1:{port}";
        var coordinatorArgs = new List<string> { "coordinator" };
        foreach ((string flag, string value) in flags)
        {
            coordinatorArgs.Add(flag);
            coordinatorArgs.Add(value);
        }

        coordinatorArgs.AddRange(["--out", outFolder, "--listen", join]);
        coordinatorArgs.AddRange(clusterFlags);
        string[] cert = certificate is null ? [] : ["--cert", certificate];
        coordinatorArgs.AddRange(cert);
        if (overwrite)
        {
            coordinatorArgs.Add("--overwrite");
        }

        TextWriter lines = json ? terminal.Error : terminal.Out;
        var children = new List<Process>();
        try
        {
            Process coordinator = Start(coordinatorArgs, null);
            children.Add(coordinator);
            var output = new List<string>();
            var errors = new StringBuilder();
            var roundLines = new System.Collections.Concurrent.BlockingCollection<string>();
            coordinator.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null)
                {
                    roundLines.CompleteAdding();
                }
                else
                {
                    roundLines.Add(e.Data);
                }
            };
            coordinator.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    lock (errors)
                    {
                        errors.AppendLine(e.Data);
                    }

                    terminal.Error.WriteLine(e.Data);
                }
            };
            coordinator.BeginOutputReadLine();
            coordinator.BeginErrorReadLine();
            for (int i = 0; i < processes; i++)
            {
                children.Add(Start(["worker", "--join", join, "--local-workers", $"{workers / processes}", .. cert], Path.Combine(outFolder, $"worker{i}.log")));
            }

            string? failure = null;
            void Watch(Action<string> onLine)
            {
                // Until the coordinator closes its output: relay its lines; stop everything when a worker fails or on Ctrl-C.
                while (!roundLines.IsCompleted)
                {
                    if (terminal.Cancellation.IsCancellationRequested)
                    {
                        failure = "stopped (Ctrl-C)";
                        return;
                    }

                    if (children.Skip(1).Select((p, i) => (p, i)).FirstOrDefault(c => c.p.HasExited && c.p.ExitCode != 0) is { p: not null } failed)
                    {
                        failure = $"worker process {failed.i} exited with {failed.p.ExitCode}; its output is in {Path.Combine(outFolder, $"worker{failed.i}.log")}:\n" +
                                  Tail(Path.Combine(outFolder, $"worker{failed.i}.log"));
                        return;
                    }

                    if (roundLines.TryTake(out string? line, 200))
                    {
                        output.Add(line);
                        onLine(line);
                    }
                }
            }

            if (terminal.Interactive && !json)
            {
                terminal.Console.Progress().AutoClear(true)
                    .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                    .Start(ctx =>
                    {
                        ProgressTask task = ctx.AddTask("starting the coordinator and workers", maxValue: 1);
                        Watch(line =>
                        {
                            if (RoundOf().Match(line) is { Success: true } m)
                            {
                                task.MaxValue = double.Parse(m.Groups[2].Value);
                                task.Value = double.Parse(m.Groups[1].Value);
                                task.Description = Markup.Escape(line);
                            }
                            else if (!line.StartsWith("round ", StringComparison.Ordinal))
                            {
                                terminal.Out.WriteLine(line);
                            }
                        });
                    });
            }
            else
            {
                Watch(lines.WriteLine);
            }

            if (failure is not null)
            {
                Stop(children);
                terminal.Error.WriteLine($"loco train: {failure}");
                return failure.StartsWith("stopped", StringComparison.Ordinal) ? ExitCodes.Interrupted : ExitCodes.Failure;
            }

            if (!coordinator.WaitForExit(TimeSpan.FromMinutes(2)))
            {
                Stop(children);
                terminal.Error.WriteLine("loco train: the coordinator did not exit after closing its output; stopped it.");
                return ExitCodes.Failure;
            }

            coordinator.WaitForExit();
            foreach (Process worker in children.Skip(1))
            {
                if (!worker.WaitForExit(TimeSpan.FromSeconds(30)))
                {
                    worker.Kill(entireProcessTree: true);
                }
            }

            if (terminal.Interactive && !json)
            {
                foreach (string line in output.Where(l => l.StartsWith("loco coordinator: done", StringComparison.Ordinal)))
                {
                    terminal.Out.WriteLine(line);
                }
            }

            if (json && output.LastOrDefault(l => l.StartsWith('{')) is string summary)
            {
                terminal.Out.WriteLine(summary);
            }

            return coordinator.ExitCode;
        }
        finally
        {
            Stop(children);
            foreach (Process child in children)
            {
                child.Dispose();
            }
        }
    }

    [GeneratedRegex(@"^round (\d+)/(\d+) ")]
    private static partial Regex RoundOf();

    private static Process Start(IEnumerable<string> arguments, string? log)
    {
        (string file, List<string> args) = LocoProcess.Command();
        args.AddRange(arguments);
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        Process process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}.");
        if (log is not null)
        {
            var writer = new StreamWriter(log, append: false, new UTF8Encoding(false)) { AutoFlush = true };
            var gate = new Lock();
            void Write(string? line)
            {
                if (line is not null)
                {
                    lock (gate)
                    {
                        writer.WriteLine(line);
                    }
                }
            }

            process.OutputDataReceived += (_, e) => Write(e.Data);
            process.ErrorDataReceived += (_, e) => Write(e.Data);
            process.Exited += (_, _) =>
            {
                process.WaitForExit();
                lock (gate)
                {
                    writer.Dispose();
                }
            };
            process.EnableRaisingEvents = true;
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        return process;
    }

    // Kills what is still running, by process id (only the children this command started).
    private static void Stop(IEnumerable<Process> children)
    {
        foreach (Process child in children)
        {
            try
            {
                if (!child.HasExited)
                {
                    child.Kill(entireProcessTree: true);
                    child.WaitForExit(TimeSpan.FromSeconds(10));
                }
            }
            catch (InvalidOperationException)
            {
                // It exited meanwhile.
            }
        }
    }

    private static string Tail(string path)
    {
        try
        {
            return string.Join('\n', File.ReadLines(path).TakeLast(12));
        }
        catch (IOException)
        {
            return "(no output)";
        }
    }
}
