using System.Security.Cryptography;
using System.Text.Json;
using Loco.Core.Family;

namespace Loco.Torch.Checkpoints;

/// <summary>A file of a checkpoint to be written: its name (no folders) and how to write its bytes.</summary>
public sealed record CheckpointFile(string Name, Action<Stream> Write)
{
    /// <summary>A safetensors file of the given tensors.</summary>
    public static CheckpointFile SafeTensors(string name, IEnumerable<SafeTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        new(name, stream => Checkpoints.SafeTensors.Write(stream, tensors, metadata));
}

/// <summary>A checkpoint read back and verified by <see cref="CheckpointStore.Load"/>.</summary>
public sealed class Checkpoint(string folder, CheckpointState state)
{
    /// <summary>The folder the files were read from (the checkpoint, or a recovered sibling after an interrupted save).</summary>
    public string Folder { get; } = folder;

    /// <summary>The saved state.</summary>
    public CheckpointState State { get; } = state;

    /// <summary>Full path of a file of the checkpoint.</summary>
    public string PathOf(string name) => State.Files.ContainsKey(name)
        ? Path.Combine(Folder, name)
        : throw new InvalidInputException("--resume", $"{Folder}: the checkpoint has no file '{name}'.");

    /// <summary>Reads one of the checkpoint's safetensors files.</summary>
    public SafeTensorFile ReadSafeTensors(string name)
    {
        string path = PathOf(name);
        try { return Checkpoints.SafeTensors.Read(path); }
        catch (InvalidDataException e) { throw new InvalidInputException("--resume", $"{path}: {e.Message}"); }
    }
}

/// <summary>
/// Saves and loads checkpoints. A checkpoint is a folder holding the given files plus <c>state.json</c>
/// (a <see cref="CheckpointState"/> that lists the SHA-256 of every file) and <c>state.sha256</c> (the
/// SHA-256 of <c>state.json</c>).
/// </summary>
/// <remarks>
/// Saving F: everything is written (and flushed to disk) in the sibling F.partial; then F, if present,
/// is renamed to F.previous, F.partial is renamed to F, and F.previous is deleted. A crash while writing
/// leaves F as it was; a crash between the two renames leaves no F but a complete F.partial (and
/// F.previous), which <see cref="Load"/> then uses. The previous checkpoint is gone only once the new
/// one is in place.
/// </remarks>
public static class CheckpointStore
{
    /// <summary>Version of the layout written here.</summary>
    public const int FormatVersion = 1;

    /// <summary>Name of the state file.</summary>
    public const string StateFile = "state.json";

    /// <summary>Name of the file holding the SHA-256 of <see cref="StateFile"/>.</summary>
    public const string StateChecksumFile = "state.sha256";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Writes a checkpoint at <paramref name="folder"/>, replacing the one there only when the new one is complete.</summary>
    /// <returns>The state as written (with <see cref="CheckpointState.Files"/> filled in).</returns>
    /// <remarks>A write that fails (a full disk) removes F.partial and rethrows; F is left as it was.</remarks>
    public static CheckpointState Save(string folder, IEnumerable<CheckpointFile> files, CheckpointState state)
    {
        string partial;
        CheckpointState written;
        try
        {
            (partial, written) = WritePartial(folder, files, state);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(Path.GetFullPath(folder) + ".partial");
            throw;
        }

        Commit(folder, partial);
        return written;
    }

    /// <summary>
    /// Completes a save interrupted between its two renames: when <paramref name="folder"/> is missing, puts the
    /// checkpoint <see cref="Load"/> would use (F.partial if complete, else F.previous) in its place and removes the other.
    /// Does nothing when F exists or no sibling is complete. Returns whether it moved one.
    /// </summary>
    public static bool Recover(string folder)
    {
        string full = Path.GetFullPath(folder);
        if (Directory.Exists(full))
        {
            return false;
        }

        foreach (string sibling in new[] { full + ".partial", full + ".previous" })
        {
            if (!Directory.Exists(sibling))
            {
                continue;
            }

            try
            {
                Verify(sibling);
            }
            catch (InvalidInputException)
            {
                continue;
            }

            Directory.Move(sibling, full);
            TryDelete(full + ".partial");
            TryDelete(full + ".previous");
            return true;
        }

        return false;
    }

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for the next save, which clears F.partial before writing.
        }
    }

    /// <summary>Step one of <see cref="Save"/>: the complete checkpoint in the sibling folder F.partial (returned).</summary>
    internal static (string Partial, CheckpointState Written) WritePartial(string folder, IEnumerable<CheckpointFile> files, CheckpointState state)
    {
        folder = Path.GetFullPath(folder);
        string partial = folder + ".partial";
        if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
        Directory.CreateDirectory(partial);

        var checksums = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            if (file.Name.Length == 0 || file.Name != Path.GetFileName(file.Name) || file.Name is StateFile or StateChecksumFile or "." or "..")
                throw new ArgumentException($"'{file.Name}' cannot name a checkpoint file.");
            if (checksums.ContainsKey(file.Name)) throw new ArgumentException($"Two checkpoint files are named '{file.Name}'.");
            string path = Path.Combine(partial, file.Name);
            using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                file.Write(stream);
                stream.Flush(flushToDisk: true);
            }
            checksums[file.Name] = Sha256(path);
        }
        var written = state with { FormatVersion = FormatVersion, Files = checksums };
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(written, Json);
        WriteDurably(Path.Combine(partial, StateFile), json);
        WriteDurably(Path.Combine(partial, StateChecksumFile), System.Text.Encoding.ASCII.GetBytes(Convert.ToHexStringLower(SHA256.HashData(json)) + "\n"));
        return (partial, written);
    }

    /// <summary>Step two of <see cref="Save"/>: puts the complete F.partial in place of F.</summary>
    internal static void Commit(string folder, string partial)
    {
        folder = Path.GetFullPath(folder);
        string previous = folder + ".previous";
        if (Directory.Exists(folder))
        {
            if (Directory.Exists(previous)) Directory.Delete(previous, recursive: true);
            Directory.Move(folder, previous);
        }
        Directory.Move(partial, folder);
        if (Directory.Exists(previous)) Directory.Delete(previous, recursive: true);
    }

    /// <summary>
    /// Reads the checkpoint at <paramref name="folder"/> and verifies every file's presence and checksum.
    /// If <paramref name="folder"/> is missing because a save was interrupted between its renames, the
    /// complete F.partial (else F.previous) is used. Any problem is an <see cref="InvalidInputException"/>
    /// naming <c>--resume</c> and the file.
    /// </summary>
    public static Checkpoint Load(string folder)
    {
        string full = Path.GetFullPath(folder);
        if (!Directory.Exists(full))
        {
            foreach (string sibling in new[] { full + ".partial", full + ".previous" })
                if (Directory.Exists(sibling))
                {
                    try { return Verify(sibling); }
                    catch (InvalidInputException) { }
                }
            throw new InvalidInputException("--resume", $"no checkpoint folder '{folder}'.");
        }
        return Verify(full);
    }

    private static Checkpoint Verify(string folder)
    {
        string statePath = Path.Combine(folder, StateFile);
        string checksumPath = Path.Combine(folder, StateChecksumFile);
        if (!File.Exists(statePath)) throw Corrupt(statePath, "missing: the folder is not a complete checkpoint.");
        if (!File.Exists(checksumPath)) throw Corrupt(checksumPath, "missing: the folder is not a complete checkpoint.");
        byte[] json = File.ReadAllBytes(statePath);
        string expectedState = File.ReadAllText(checksumPath).Trim();
        if (!string.Equals(Convert.ToHexStringLower(SHA256.HashData(json)), expectedState, StringComparison.Ordinal))
            throw Corrupt(statePath, "its SHA-256 does not match state.sha256 (corrupted or truncated).");

        CheckpointState state;
        try { state = JsonSerializer.Deserialize<CheckpointState>(json, Json) ?? throw Corrupt(statePath, "empty state."); }
        catch (JsonException e) { throw Corrupt(statePath, $"not a valid checkpoint state ({e.Message})."); }
        if (state.FormatVersion != FormatVersion)
            throw Corrupt(statePath, $"checkpoint format version {state.FormatVersion} is not supported (only {FormatVersion}).");

        foreach (var (name, expected) in state.Files)
        {
            string path = Path.Combine(folder, name);
            if (name != Path.GetFileName(name)) throw Corrupt(statePath, $"lists an invalid file name '{name}'.");
            if (!File.Exists(path)) throw Corrupt(path, "missing from the checkpoint.");
            if (!string.Equals(Sha256(path), expected, StringComparison.OrdinalIgnoreCase))
                throw Corrupt(path, "its SHA-256 does not match state.json (corrupted or truncated).");
        }
        return new Checkpoint(folder, state);
    }

    private static InvalidInputException Corrupt(string path, string problem) => new("--resume", $"{path}: {problem}");

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static void WriteDurably(string path, byte[] bytes)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        stream.Write(bytes);
        stream.Flush(flushToDisk: true);
    }
}
