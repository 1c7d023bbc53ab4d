using System.Runtime.InteropServices;
using System.Text;

namespace Loco.Reports.Tables;

/// <summary>A result could not be written; the message names the path the user gave (never a temporary file).</summary>
public sealed class OutputFileException(string path, string problem, Exception? inner = null)
    : IOException($"cannot write '{path}': {problem}", inner)
{
    /// <summary>The path as the user gave it.</summary>
    public string Path { get; } = path;

    /// <summary>What went wrong, without the path.</summary>
    public string Problem { get; } = problem;
}

/// <summary>
/// The one guarded file write of every result (CSV, JSON, PNG, HTML). Writing a result never replaces what stands at the
/// path unless it is a regular file:
/// <list type="bullet">
/// <item><c>-</c> is standard output;</item>
/// <item>an absent path or a regular file is written through a temporary file in the same folder, renamed over the
/// target only when complete (a reader never sees half a file; a failed write leaves the old file);</item>
/// <item>anything else is written in place, by opening the path for writing: a device (<c>/dev/null</c>, <c>/dev/full</c>),
/// a FIFO, a symbolic link (its target gets the content and the link stays a link), <c>/proc/self/fd/1</c>;</item>
/// <item>a folder is an error.</item>
/// </list>
/// Missing parent folders are created. On failure nothing is left behind (no temporary file) and an
/// <see cref="OutputFileException"/> names the given path.
/// </summary>
public static class OutputFile
{
    /// <summary>The path that means standard output.</summary>
    public const string StandardOutput = "-";

    /// <summary>Writes <paramref name="text"/> as UTF-8 (no byte-order mark); <c>-</c> writes it to <paramref name="standardOutput"/> (default: the process's).</summary>
    public static void Write(string path, string text, TextWriter? standardOutput = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (path == StandardOutput)
        {
            TextWriter output = standardOutput ?? Console.Out;
            output.Write(text);
            output.Flush();
            return;
        }

        Write(path, stream => stream.Write(new UTF8Encoding(false).GetBytes(text)));
    }

    /// <summary>Writes <paramref name="bytes"/>; <c>-</c> writes them to the process's standard output.</summary>
    public static void Write(string path, ReadOnlyMemory<byte> bytes) => Write(path, stream => stream.Write(bytes.Span));

    /// <summary>Writes what <paramref name="write"/> puts in the stream it is given; <c>-</c> is the process's standard output.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        if (string.IsNullOrEmpty(path))
        {
            throw new OutputFileException(path ?? "", "the path is empty.");
        }

        if (path == StandardOutput)
        {
            using Stream stdout = Console.OpenStandardOutput();
            Guard(path, () =>
            {
                write(stdout);
                stdout.Flush();
            });
            return;
        }

        string full = System.IO.Path.GetFullPath(path);
        switch (KindOf(full))
        {
            case Kind.Directory:
                throw new OutputFileException(path, "it is a folder.");
            case Kind.Absent:
            case Kind.Regular:
                WriteAndRename(path, full, write);
                break;
            case Kind.SymbolicLink:
                // FileMode.Create follows the link: the target is truncated (or created) and written; the link stays.
                Guard(path, () => WriteInPlace(full, FileMode.Create, write));
                break;
            default:
                // A device, a FIFO or a socket: open what is there; never create or replace it.
                Guard(path, () => WriteInPlace(full, FileMode.Open, write));
                break;
        }
    }

    private static void WriteAndRename(string path, string full, Action<Stream> write)
    {
        string folder = System.IO.Path.GetDirectoryName(full) ?? ".";
        Guard(path, () => Directory.CreateDirectory(folder));
        string temporary = System.IO.Path.Combine(folder, $".{System.IO.Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            Guard(path, () =>
            {
                using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    write(stream);
                }

                File.Move(temporary, full, overwrite: true);
            }, temporary);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                try
                {
                    File.Delete(temporary);
                }
                catch (IOException)
                {
                    // Best effort: the write already failed, and that is what gets reported.
                }
                catch (UnauthorizedAccessException)
                {
                }
            }
        }
    }

    private static void WriteInPlace(string full, FileMode mode, Action<Stream> write)
    {
        // No buffer, no preallocation, no lock beyond a shared one: a device or FIFO takes plain write(2) calls.
        using var stream = new FileStream(full, new FileStreamOptions { Mode = mode, Access = FileAccess.Write, Share = FileShare.ReadWrite, BufferSize = 0 });
        write(stream);
        stream.Flush();
    }

    // Runs an I/O action; failures become one OutputFileException naming the user's path.
    private static void Guard(string path, Action action, string? temporary = null)
    {
        try
        {
            action();
        }
        catch (OutputFileException)
        {
            throw;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            string message = ex.Message;
            if (temporary is not null)
            {
                message = message.Replace(temporary, path, StringComparison.Ordinal);
            }

            string full = System.IO.Path.GetFullPath(path);
            message = message.Replace($" : '{full}'", "", StringComparison.Ordinal).Replace($" : '{path}'", "", StringComparison.Ordinal);
            throw new OutputFileException(path, ex is UnauthorizedAccessException ? $"permission denied ({message.TrimEnd('.')})." : message.TrimEnd('.') + ".", ex);
        }
    }

    private enum Kind
    {
        Absent,
        Regular,
        Directory,
        SymbolicLink,
        Other,
    }

    private static Kind KindOf(string full)
    {
        var info = new FileInfo(full);
        if (info.LinkTarget is not null)
        {
            return Kind.SymbolicLink;
        }

        if (Directory.Exists(full))
        {
            return Kind.Directory;
        }

        if (!info.Exists)
        {
            return Kind.Absent;
        }

        return OperatingSystem.IsWindows() || FileType.IsRegular(full) != false ? Kind.Regular : Kind.Other;
    }

    /// <summary>The file type from lstat(2), through the runtime's own System.Native shim (the same on every Unix).</summary>
    private static class FileType
    {
        private const int TypeMask = 0xF000;
        private const int Regular = 0x8000;

        [StructLayout(LayoutKind.Sequential, Size = 256)]
        private struct FileStatus
        {
            public int Flags;
            public int Mode;
        }

        [DllImport("libSystem.Native", EntryPoint = "SystemNative_LStat", SetLastError = true)]
        private static extern int LStat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, out FileStatus status);

        /// <summary>True for a regular file, false for anything else, null when it cannot be told.</summary>
        public static bool? IsRegular(string path)
        {
            try
            {
                return LStat(path, out FileStatus status) == 0 ? (status.Mode & TypeMask) == Regular : null;
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
            {
                return null;
            }
        }
    }
}
