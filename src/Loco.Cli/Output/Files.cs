using Loco.Core.Family;
using Loco.Reports.Tables;

namespace Loco.Cli.Output;

/// <summary>
/// Runs a command's writes (through <see cref="OutputFile"/>) so that a file that cannot be written is bad input naming the
/// flag and the path (exit code 2, one message), never a crash.
/// </summary>
internal static class Files
{
    /// <summary>Runs <paramref name="write"/>; an I/O failure becomes an <see cref="InvalidInputException"/> for <paramref name="flag"/>.</summary>
    public static void Write(string flag, Action write) => Write(flag, () =>
    {
        write();
        return 0;
    });

    /// <summary>Runs <paramref name="write"/> and returns its result; an I/O failure becomes an <see cref="InvalidInputException"/> for <paramref name="flag"/>.</summary>
    public static T Write<T>(string flag, Func<T> write)
    {
        try
        {
            return write();
        }
        catch (OutputFileException ex)
        {
            throw new InvalidInputException(flag, ex.Message + (ex.Message.EndsWith('.') ? "" : "."));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException(flag, $"cannot write the file ({ex.Message}).");
        }
    }
}
