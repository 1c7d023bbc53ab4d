namespace Loco.Cli;

/// <summary>Process exit codes of <c>loco</c>.</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>An unexpected failure (a bug, or the machine ran out of something).</summary>
    public const int Failure = 1;

    /// <summary>Bad input: a flag's value or a file was rejected; nothing was written.</summary>
    public const int BadInput = 2;

    /// <summary>The run diverged; the outputs hold the rounds before the divergence.</summary>
    public const int Diverged = 3;

    /// <summary>Stopped by Ctrl-C (SIGINT) before the end; <c>loco train</c> leaves a checkpoint to resume from (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;
}
