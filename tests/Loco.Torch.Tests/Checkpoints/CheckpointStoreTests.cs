using System.Text.Json.Nodes;
using Loco.Core.Family;
using Loco.Core.Random;
using Loco.Torch.Checkpoints;
using Loco.Torch.Data;

namespace Loco.Torch.Tests.Checkpoints;

public class CheckpointStoreTests
{
    private static CheckpointFile[] Files(float value) =>
    [
        CheckpointFile.SafeTensors("model.safetensors", [SafeTensor.Of("w", [value, 2f, 3f, 4f], 2, 2)]),
        CheckpointFile.SafeTensors("outer.safetensors", [SafeTensor.Of("momentum", [value * 10, 0.5])]),
    ];

    private static CheckpointState State(long round)
    {
        var sampler = new BatchSampler(Enumerable.Range(0, 1000).ToArray(), 1, 2, seed: 5);
        sampler.NextBatch(2, 4, new long[8], new long[8]);
        return new CheckpointState
        {
            Config = new JsonObject { ["workers"] = 2, ["innerLr"] = 3e-4 },
            Round = round,
            RestartCount = round / 3,
            Samplers = [new BatchSampler(Enumerable.Range(0, 1000).ToArray(), 0, 2, seed: 5).State, sampler.State],
            Rng = new Dictionary<string, RngState> { ["init"] = new Xoshiro256(9).State },
            ModelShape = new Dictionary<string, long[]> { ["w"] = [2, 2] },
        };
    }

    private static void FlipByte(string path, int position)
    {
        byte[] bytes = File.ReadAllBytes(path);
        bytes[position] ^= 0x01;
        File.WriteAllBytes(path, bytes);
    }

    [Fact]
    public void SaveThenLoadRoundTripsStateAndTensors()
    {
        using var temp = new TempFolder();
        string folder = temp.File("ckpt");
        var saved = CheckpointStore.Save(folder, Files(1f), State(7));
        var loaded = CheckpointStore.Load(folder);

        Assert.Equal(7, loaded.State.Round);
        Assert.Equal(2, loaded.State.RestartCount);
        Assert.Equal(2, (int)loaded.State.Config!["workers"]!);
        Assert.Equal(saved.Samplers, loaded.State.Samplers);
        Assert.Equal(new Xoshiro256(9).State, loaded.State.Rng["init"]);
        Assert.Equal([2L, 2L], loaded.State.ModelShape["w"]);
        Assert.Equal(["model.safetensors", "outer.safetensors"], loaded.State.Files.Keys.Order());
        Assert.Equal([1f, 2f, 3f, 4f], loaded.ReadSafeTensors("model.safetensors").Tensors["w"].ToFloats());
        Assert.Equal([10.0, 0.5], loaded.ReadSafeTensors("outer.safetensors").Tensors["momentum"].ToDoubles());

        // The restored sampler continues as the saved one does.
        var original = new BatchSampler(Enumerable.Range(0, 1000).ToArray(), 1, 2, seed: 5);
        original.NextBatch(2, 4, new long[8], new long[8]);
        var resumed = new BatchSampler(Enumerable.Range(0, 1000).ToArray(), 1, 2, seed: 0);
        resumed.Restore(loaded.State.Samplers[1]);
        long[] a = new long[8], b = new long[8];
        original.NextBatch(2, 4, a, new long[8]);
        resumed.NextBatch(2, 4, b, new long[8]);
        Assert.Equal(a, b);

        // Saving again replaces it, leaving no sibling folders behind.
        CheckpointStore.Save(folder, Files(5f), State(8));
        Assert.Equal(8, CheckpointStore.Load(folder).State.Round);
        Assert.Equal(["ckpt"], Directory.GetDirectories(temp.Path).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("model.safetensors")]
    [InlineData("outer.safetensors")]
    [InlineData("state.json")]
    public void AFlippedByteIsReportedNamingResumeAndTheFile(string name)
    {
        using var temp = new TempFolder();
        string folder = temp.File("ckpt");
        CheckpointStore.Save(folder, Files(1f), State(3));
        string path = Path.Combine(folder, name);
        FlipByte(path, (int)new FileInfo(path).Length - 3);
        var error = Assert.Throws<InvalidInputException>(() => CheckpointStore.Load(folder));
        Assert.Equal("--resume", error.Subject);
        Assert.Contains(path, error.Problem);
        Assert.Contains("SHA-256", error.Problem);
    }

    [Fact]
    public void TruncatedOrMissingFilesAreReported()
    {
        using var temp = new TempFolder();
        string folder = temp.File("ckpt");
        CheckpointStore.Save(folder, Files(1f), State(3));
        string model = Path.Combine(folder, "model.safetensors");
        byte[] bytes = File.ReadAllBytes(model);
        File.WriteAllBytes(model, bytes[..^4]);
        var error = Assert.Throws<InvalidInputException>(() => CheckpointStore.Load(folder));
        Assert.Equal("--resume", error.Subject);
        Assert.Contains(model, error.Problem);

        File.Delete(model);
        Assert.Contains("missing", Assert.Throws<InvalidInputException>(() => CheckpointStore.Load(folder)).Problem);

        File.Delete(Path.Combine(folder, "state.json"));
        Assert.Contains("state.json", Assert.Throws<InvalidInputException>(() => CheckpointStore.Load(folder)).Problem);

        Assert.Equal("--resume", Assert.Throws<InvalidInputException>(() => CheckpointStore.Load(temp.File("none"))).Subject);
    }

    [Fact]
    public void ACrashBeforeTheRenameLeavesThePreviousCheckpointIntact()
    {
        using var temp = new TempFolder();
        string folder = temp.File("ckpt");
        CheckpointStore.Save(folder, Files(1f), State(3));

        // Crash after writing the new checkpoint's files, before renaming: only the partial folder exists.
        CheckpointStore.WritePartial(folder, Files(2f), State(4));
        var loaded = CheckpointStore.Load(folder);
        Assert.Equal(3, loaded.State.Round);
        Assert.Equal(1f, loaded.ReadSafeTensors("model.safetensors").Tensors["w"].ToFloats()[0]);

        // A crash halfway through writing (a file cut short in the partial folder) changes nothing either,
        // and the next save succeeds over the stale partial folder.
        File.WriteAllBytes(folder + ".partial/model.safetensors", [1, 2, 3]);
        Assert.Equal(3, CheckpointStore.Load(folder).State.Round);
        CheckpointStore.Save(folder, Files(5f), State(6));
        Assert.Equal(6, CheckpointStore.Load(folder).State.Round);
    }

    [Fact]
    public void ACrashBetweenTheTwoRenamesRecoversTheNewCheckpoint()
    {
        using var temp = new TempFolder();
        string folder = temp.File("ckpt");
        CheckpointStore.Save(folder, Files(1f), State(3));
        var (partial, _) = CheckpointStore.WritePartial(folder, Files(2f), State(4));
        Directory.Move(folder, folder + ".previous"); // first rename done, second not

        var loaded = CheckpointStore.Load(folder);
        Assert.Equal(4, loaded.State.Round);
        Assert.Equal(partial, loaded.Folder);

        // If the new one was damaged, the previous one is used.
        FlipByte(Path.Combine(partial, "model.safetensors"), 20);
        Assert.Equal(3, CheckpointStore.Load(folder).State.Round);
    }

    [Fact]
    public void AFullDiskFailsTheSaveLeavesNoPartialAndKeepsThePreviousCheckpoint()
    {
        // A real full disk: a 1 MiB tmpfs (needs root, as this machine runs the tests; elsewhere there is nothing to mount).
        using var temp = new TempFolder();
        string mount = temp.File("disk");
        Directory.CreateDirectory(mount);
        if (!Tmpfs.TryMount(mount, "1m"))
        {
            return;
        }

        try
        {
            string folder = Path.Combine(mount, "ckpt");
            CheckpointStore.Save(folder, Files(1f), State(3));
            float[] big = new float[400_000]; // 1.6 MB: does not fit
            var files = new[] { CheckpointFile.SafeTensors("model.safetensors", [SafeTensor.Of("w", big, big.Length)]) };
            var ex = Assert.ThrowsAny<IOException>(() => CheckpointStore.Save(folder, files, State(4)));
            Assert.Contains("space", ex.Message, StringComparison.OrdinalIgnoreCase);
            Assert.False(Directory.Exists(folder + ".partial"));
            Assert.Equal(3, CheckpointStore.Load(folder).State.Round);
        }
        finally
        {
            Tmpfs.Unmount(mount);
        }
    }
}

/// <summary>A small tmpfs for full-disk tests: mount(8) as root, unmounted by the test that mounted it.</summary>
internal static class Tmpfs
{
    public static bool TryMount(string folder, string size) => Run("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", folder) == 0;

    public static void Unmount(string folder) => Run("umount", folder);

    private static int Run(string file, params string[] args)
    {
        try
        {
            var start = new System.Diagnostics.ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (string a in args) start.ArgumentList.Add(a);
            using var process = System.Diagnostics.Process.Start(start)!;
            if (!process.WaitForExit(30_000))
            {
                process.Kill();
                return -1;
            }

            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;
        }
    }
}
