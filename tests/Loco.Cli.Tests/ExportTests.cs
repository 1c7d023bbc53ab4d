using System.Runtime.InteropServices;
using Loco.Torch.Checkpoints;
using Loco.Torch.Models;
using Loco.Torch.Training;
using static TorchSharp.torch;

namespace Loco.Cli.Tests;

/// <summary>
/// <c>loco export</c>: a trained checkpoint's weights load into the PyTorch reference model
/// (<c>bench/reference/llama_diloco.py</c>, run by Debian's python3-torch) and give Loco's logits on a fixed batch.
/// </summary>
public sealed class ExportTests() : CliTestBase("export")
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    [Fact]
    public void PyTorchLoadsTheExportedModelAndGivesLocosLogits()
    {
        string run = PathOf("run");
        var (code, _, err) = Loco("train", "--steps", "8", "--inner-steps", "4", "--batch", "2", "--context", "8", "--out", run);
        Assert.True(code == 0, err);
        string weights = Path.Combine(run, "model.safetensors");
        (code, string output, err) = Loco("export", run, "--out", weights, "--json");
        Assert.True(code == 0, err);
        Assert.Contains("\"tensors\": 38", output);

        // Loco's logits: the checkpoint's global weights in Loco's own model.
        Checkpoint checkpoint = CheckpointStore.Load(TrainingCheckpoint.Locate(run));
        LlamaConfig config = System.Text.Json.JsonSerializer.Deserialize<LlamaConfig>(checkpoint.State.Config!["model"])!;
        float[] global = checkpoint.ReadSafeTensors("global.safetensors").Tensors["global"].ToFloats();
        const int b = 3, t = 8;
        var random = new Random(11);
        long[] ids = [.. Enumerable.Range(0, b * t).Select(_ => (long)random.Next(config.VocabularySize))];
        float[] expected;
        using (var model = new Llama(config, new Generator(1)))
        {
            FlatParameters.Of(model).CopyFrom(global);
            model.eval();
            using var _ = no_grad();
            using Tensor tokens = tensor(ids, [b, t]);
            using Tensor logits = model.forward(tokens);
            expected = logits.data<float>().ToArray();
        }

        // PyTorch's logits through the reference model.
        string tokensFile = PathOf("tokens.bin"), logitsFile = PathOf("logits.bin");
        File.WriteAllBytes(tokensFile, [.. BitConverter.GetBytes((long)b), .. BitConverter.GetBytes((long)t), .. MemoryMarshal.AsBytes(ids.AsSpan()).ToArray()]);
        string root = ChildProcess.RepositoryRoot();
        // Debian's python3-torch is for /usr/bin/python3; a python3 earlier on the PATH (pyenv, a venv) may lack it.
        string? python = new[] { "python3", "/usr/bin/python3" }.FirstOrDefault(p => Python(p, ["-c", "import torch"]).Code == 0);
        Assert.True(python is not null, "python3 with torch is needed (Debian: apt-get install python3-torch; ./test.sh installs it); neither python3 nor /usr/bin/python3 imports torch.");
        var (pyCode, pyOut, pyErr) = Python(python, [Path.Combine(root, "tests", "Loco.Cli.Tests", "Python", "export_logits.py"),
            Path.Combine(root, "bench", "reference", "llama_diloco.py"), weights, tokensFile, logitsFile]);
        Assert.True(pyCode == 0, pyOut + pyErr);
        float[] actual = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(logitsFile)).ToArray();
        Assert.Equal(expected.Length, actual.Length);
        double worst = expected.Zip(actual, (x, y) => Math.Abs((double)x - y)).Max();
        Assert.True(worst <= 1e-5, $"largest logit difference {worst:E2}");
        Assert.True(expected.Select(Math.Abs).Max() > 0.1); // real logits, not zeros

        Assert.Equal(2, Loco("export", PathOf("nothing"), "--out", PathOf("x.safetensors")).Code);
    }

    private static (int Code, string Out, string Err) Python(string interpreter, string[] args) => ChildProcess.Run(interpreter, Directory.GetCurrentDirectory(), Limit, args);
}
