using Spectre.Console;

namespace Loco.Cli;

/// <summary>Where a command writes: plain text and tables to <see cref="Out"/>, errors to <see cref="Error"/>.</summary>
/// <param name="Out">Standard output.</param>
/// <param name="Error">Standard error.</param>
/// <param name="Interactive">True on a terminal: progress bars and colour; false when redirected or under test.</param>
internal sealed record Terminal(TextWriter Out, TextWriter Error, bool Interactive)
{
    private IAnsiConsole? _console;

    /// <summary>Stops long work (besides Ctrl-C, which commands that own the process handle themselves).</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>Whether this is the process's own console, so that a command may handle its signals (Ctrl-C).</summary>
    public bool OwnsProcess { get; init; }

    /// <summary>A Spectre console on <see cref="Out"/>.</summary>
    public IAnsiConsole Console => _console ??= Create();

    private IAnsiConsole Create()
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Out),
            Ansi = Interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = Interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = Interactive ? InteractionSupport.Yes : InteractionSupport.No,
        });
        if (!Interactive)
        {
            // Redirected output has no width; do not wrap tables at the default 80 columns.
            console.Profile.Width = 200;
        }

        return console;
    }

    /// <summary>The process's own console.</summary>
    public static Terminal System => new(global::System.Console.Out, global::System.Console.Error, !global::System.Console.IsOutputRedirected) { OwnsProcess = true };

    /// <summary>Runs <paramref name="work"/> with a progress bar on a terminal, silently otherwise.</summary>
    public T WithProgress<T>(string label, Func<double> fraction, Func<T> work)
    {
        if (!Interactive)
        {
            return work();
        }

        T result = default!;
        Console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                ProgressTask task = ctx.AddTask(label, maxValue: 1.0);
                Task<T> running = Task.Run(work);
                while (!running.Wait(100))
                {
                    task.Value = Math.Clamp(fraction(), 0, 1);
                }

                task.Value = 1.0;
                result = running.GetAwaiter().GetResult();
            });
        return result;
    }
}
