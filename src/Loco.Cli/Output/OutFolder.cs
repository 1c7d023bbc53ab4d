using Loco.Core.Family;

namespace Loco.Cli.Output;

/// <summary>Checks of an output folder made before any work, so that a run does not fail at its first write.</summary>
internal static class OutFolder
{
    /// <summary>
    /// Refuses (naming <paramref name="flag"/>) a folder that cannot be created or written: a path that is a file, a
    /// path below a file, or a folder whose nearest existing ancestor does not take a new file (read-only, or a
    /// virtual file system such as /proc). Writes nothing but a probe file, removed at once.
    /// </summary>
    public static void EnsureWritable(string path, string flag = "--out")
    {
        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new InvalidInputException(flag, $"'{path}' is not a usable folder name ({ex.Message}).");
        }

        if (File.Exists(full))
        {
            throw new InvalidInputException(flag, $"'{path}' is a file; {flag} names a folder.");
        }

        string? existing = full;
        while (existing is not null && !Directory.Exists(existing))
        {
            if (File.Exists(existing))
            {
                throw new InvalidInputException(flag, $"'{existing}' is a file, so the folder '{path}' cannot be created below it.");
            }

            existing = Path.GetDirectoryName(existing);
        }

        if (existing is null)
        {
            throw new InvalidInputException(flag, $"no part of '{path}' exists.");
        }

        string probe = Path.Combine(existing, $".loco-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException(flag, $"cannot write in '{existing}' ({ex.Message}), so '{path}' cannot be created or written there.");
        }
    }

    /// <summary>
    /// Refuses (naming <paramref name="flag"/>) a folder on a disk with less than <paramref name="bytes"/> free;
    /// <paramref name="what"/> says what needs them.
    /// </summary>
    public static void EnsureSpace(string path, long bytes, string what, string flag = "--out")
    {
        string? existing = Path.GetFullPath(path);
        while (existing is not null && !Directory.Exists(existing))
        {
            existing = Path.GetDirectoryName(existing);
        }

        if (existing is null)
        {
            return;
        }

        long free;
        try
        {
            free = new DriveInfo(existing).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return; // the free space cannot be read here; the writes will say so if they fail
        }

        if (free < bytes)
        {
            throw new InvalidInputException(flag, $"the disk holding '{path}' has {Size(free)} free; {what} needs about {Size(bytes)}. Free some space or choose another {flag}.");
        }
    }

    private static string Size(long bytes) => bytes >= 1L << 30 ? $"{bytes / (double)(1L << 30):N1} GiB" : $"{bytes / (double)(1L << 20):N1} MiB";
}
