using System.CommandLine;
using Loco.Cli.Commands;
using Loco.Core.Family;
using Loco.Reports.Tables;

namespace Loco.Cli;

/// <summary>The <c>loco</c> command line: builds the commands, runs one, maps failures to exit codes.</summary>
public static class LocoApp
{
    /// <summary>Runs <c>loco</c> with <paramref name="args"/>; returns the exit code.</summary>
    /// <remarks><paramref name="cancellationToken"/> stops long work as Ctrl-C does (<c>loco train</c> after its current round).</remarks>
    public static int Run(string[] args, TextWriter? stdout = null, TextWriter? stderr = null, bool? interactive = null, CancellationToken cancellationToken = default)
    {
        Terminal terminal = (stdout is null && stderr is null && interactive is null
            ? Terminal.System
            : new Terminal(stdout ?? Console.Out, stderr ?? Console.Error, interactive ?? false)) with { Cancellation = cancellationToken };
        RootCommand root = Build(terminal);
        IReadOnlyDictionary<string, (string File, string Key)> fromFile;
        try
        {
            // --config FILE: the file's settings become flags (the command line's own flags override them).
            (args, fromFile) = ConfigFile.Expand(root, args);
        }
        catch (InvalidInputException ex)
        {
            terminal.Error.WriteLine($"loco: {ex.Subject}: {ex.Problem}");
            return ExitCodes.BadInput;
        }

        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // The first error is the one to fix; the rest usually follow from it. A mistyped command or flag gets the
            // nearest name.
            terminal.Error.WriteLine($"loco: {Suggestions.ForUnknownToken(root, parsed, args) ?? parsed.Errors[0].Message}"
                + (fromFile.Count > 0 ? $" (with the settings of {fromFile.Values.First().File})" : ""));

            terminal.Error.WriteLine("Run 'loco --help' (or 'loco <command> --help') for the options.");
            return ExitCodes.BadInput;
        }

        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = terminal.Out, Error = terminal.Error, EnableDefaultExceptionHandler = false });
        }
        catch (InvalidInputException ex)
        {
            // A value from the --config file is named by the file and its key.
            string subject = fromFile.TryGetValue(ex.Subject, out var source) ? $"{source.File}: {source.Key}" : ex.Subject;
            terminal.Error.WriteLine($"loco: {subject}: {ex.Problem}");
            return ExitCodes.BadInput;
        }
        catch (OutputFileException ex)
        {
            // A write that no command wrapped (Output/Files.cs names the flag): still one message and exit code 2.
            terminal.Error.WriteLine($"loco: {ex.Message}");
            return ExitCodes.BadInput;
        }
        catch (TypeInitializationException ex) when (ex.TypeName == "TorchSharp.torch")
        {
            // The dotnet tool leaves libtorch out (NuGet packages cannot hold it): say so instead of a stack trace.
            terminal.Error.WriteLine("loco: this loco has no libtorch, which training needs: the `loco` dotnet tool leaves it out (440 MB for Linux). " +
                "Train from a checkout of Loco (`dotnet run --project src/Loco.Cli -c Release -- train`), where the build brings libtorch. " +
                $"({ex.InnerException?.Message.Split('\n')[0] ?? ex.Message})");
            return ExitCodes.Failure;
        }
        catch (OperationCanceledException)
        {
            terminal.Error.WriteLine("loco: cancelled.");
            return ExitCodes.Failure;
        }
    }

    private static RootCommand Build(Terminal terminal)
    {
        var root = new RootCommand(
            "Loco: low-communication two-phase optimizers (DiLoCo, Lookahead, LA-DiLoCo, outer heavy-ball and Nesterov momentum, " +
            "outer-momentum restarts), their simulation on high-dimensional linear regression, and their training.\n" +
            "Exit codes: 0 success, 1 failure (e.g. a full disk), 2 bad input (nothing written), 3 diverged (outputs hold the rounds before it), " +
            "130 stopped by Ctrl-C (train: a checkpoint to resume from).");
        root.Subcommands.Add(new DemoCommand().Build(terminal));
        root.Subcommands.Add(new SimulateCommand().Build(terminal));
        root.Subcommands.Add(new TheoryCommand().Build(terminal));
        root.Subcommands.Add(new SpectrumCommand().Build(terminal));
        root.Subcommands.Add(new StabilityCommand().Build(terminal));
        root.Subcommands.Add(new ContractionCommand().Build(terminal));
        root.Subcommands.Add(new TuneCommand().Build(terminal));
        root.Subcommands.Add(new TrainCommand().Build(terminal));
        root.Subcommands.Add(new TrainCommand(coordinator: true).Build(terminal));
        root.Subcommands.Add(new WorkerCommand().Build(terminal));
        root.Subcommands.Add(new StatusCommand().Build(terminal));
        root.Subcommands.Add(new ClusterCertCommand().Build(terminal));
        root.Subcommands.Add(new ExportCommand().Build(terminal));
        root.Subcommands.Add(new SweepCommand().Build(terminal));
        root.Subcommands.Add(new ReproduceCommand().Build(terminal));
        root.Subcommands.Add(new NtkCommand().Build(terminal));
        return root;
    }
}
