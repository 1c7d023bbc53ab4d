using System.CommandLine;
using Loco.Cluster;
using Loco.Cluster.Hosting;
using Loco.Core.Family;

namespace Loco.Cli.Commands;

/// <summary>
/// <c>loco worker --join HOST:PORT</c>: one worker of a cluster run. It takes the run's settings from the coordinator,
/// trains its own model on its own data shard through the one training loop, and uploads its pseudo-gradient to the
/// shards each round (<see cref="ClusterWorker"/>).
/// </summary>
internal sealed class WorkerCommand
{
    private readonly Option<string?> _join = Options.Text("--join", "HOST:PORT of the coordinator (its --listen).");
    private readonly Option<string?> _device = Options.Text("--device", "cpu or cuda. Default: the run's.");
    private readonly Option<int?> _threads = Options.Int("--threads", "TorchSharp threads on the CPU. Default: the run's (1).");
    private readonly Option<int?> _wait = Options.Int("--connect-timeout", "Seconds to keep trying to reach the coordinator. Default: 30.");
    private readonly Option<string?> _dump = Options.Text("--dump", "Write each round's pseudo-gradient (delta-r{round}-w{worker}.bin) and the global weights it starts from and each committed round's (global-r{round}-w{worker}.bin), raw fp32, to this folder.");
    private readonly Option<string?> _cert = CertificateFlag.Create();
    private readonly Option<int?> _local = Options.Int("--local-workers", "Workers this process runs, one after the other (it takes that many of the run's slots). Default: 1.");

    public Command Build(Terminal terminal)
    {
        var command = new Command("worker",
            "Joins a `loco coordinator` as one worker of its run: takes every setting from the coordinator (the same corpus path must exist here), trains " +
            "its own model copy on its own data shard, and each round uploads its pseudo-gradient to the shards and takes the committed weights back.");
        foreach (Option option in new Option[] { _join, _cert, _device, _threads, _wait, _local, _dump })
        {
            command.Options.Add(option);
        }

        command.SetAction(r => Execute(r, terminal));
        return command;
    }

    private int Execute(ParseResult r, Terminal terminal)
    {
        string join = r.GetValue(_join) ?? throw new InvalidInputException("--join", "give the coordinator's HOST:PORT (what `loco coordinator` prints).");
        int wait = r.GetValue(_wait) ?? 30;
        InputChecks.AtLeastOne(wait, "--connect-timeout", "seconds");
        if (r.GetValue(_threads) is int threads)
        {
            InputChecks.AtLeastOne(threads, "--threads", "number of threads");
        }

        int local = r.GetValue(_local) ?? 1;
        InputChecks.AtLeastOne(local, "--local-workers", "number of workers");
        var options = new WorkerOptions(Endpoints.Parse(join, "--join"), r.GetValue(_device), r.GetValue(_threads), TimeSpan.FromSeconds(wait), local)
        {
            DumpFolder = r.GetValue(_dump) is string dump ? Path.GetFullPath(dump) : null,
            Certificate = CertificateFlag.Load(r.GetValue(_cert)),
        };
        var train = new TrainCommand();
        train.Build(terminal);
        try
        {
            WorkerResult result = ClusterWorker.RunAsync(options, flags => train.FromFlags(flags), terminal.Out, terminal.Cancellation).GetAwaiter().GetResult();
            if (result.Outcome.Diverged is { } diverged)
            {
                terminal.Error.WriteLine($"loco worker {result.Name}: diverged at round {diverged.Round}, step {diverged.Step} (loss {diverged.Loss}).");
                return ExitCodes.Diverged;
            }

            if (result.Outcome.Stopped)
            {
                terminal.Error.WriteLine($"loco worker {result.Name}: stopped.");
                return ExitCodes.Interrupted;
            }

            terminal.Out.WriteLine($"loco worker {result.Name}: done; sent {result.BytesSent:N0} bytes.");
            return ExitCodes.Ok;
        }
        catch (ClusterUnavailableException ex)
        {
            throw new InvalidInputException("--join", ex.Message);
        }
        catch (RunRefusedException ex)
        {
            throw new InvalidInputException("--join", $"the coordinator at {join} refused this worker: {ex.Message}");
        }
        catch (Exception ex) when (ex is not (InvalidInputException or OperationCanceledException))
        {
            // The coordinator went away, a call failed or timed out: one message, not a stack trace.
            terminal.Error.WriteLine($"loco worker: the run with the coordinator at {join} failed: {ex.GetType().Name}: {ex.Message}");
            return ExitCodes.Failure;
        }
    }
}
