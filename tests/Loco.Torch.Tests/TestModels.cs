using Loco.Torch.Models;
using Loco.Torch.Training;
using static TorchSharp.torch;

namespace Loco.Torch.Tests;

/// <summary>Small models and data for the tests.</summary>
internal static class TestModels
{
    public static LlamaConfig Micro => new(VocabularySize: 17, Hidden: 16, Layers: 2, Heads: 2, Ffn: 24, MaxContext: 32);

    public static Llama NewMicro(long seed, bool tied = true) => new(Micro with { TiedEmbeddings = tied }, new Generator((ulong)seed));

    /// <summary>Deterministic token batches [B, T+1] from a seed (independent of the code under test).</summary>
    public static (Tensor Inputs, Tensor Targets)[] Batches(int count, int batch, int context, int vocab, ulong seed)
    {
        var rng = new Random((int)seed);
        var result = new (Tensor, Tensor)[count];
        for (int i = 0; i < count; i++)
        {
            long[] tokens = new long[batch * (context + 1)];
            for (int j = 0; j < tokens.Length; j++)
            {
                tokens[j] = rng.Next(vocab);
            }

            Tensor all = tensor(tokens).reshape(batch, context + 1);
            result[i] = (all[.., ..context].contiguous(), all[.., 1..].contiguous());
        }

        return result;
    }

    public static float[] Weights(nn.Module module)
    {
        var flat = FlatParameters.Of(module);
        float[] w = new float[flat.Length];
        flat.CopyTo(w);
        return w;
    }
}

/// <summary>A loss over a fixed list of batches, taken in order (cycling).</summary>
internal sealed class ListLoss(Llama model, (Tensor Inputs, Tensor Targets)[] batches) : IMinibatchLoss
{
    private int _next;

    public long ItemsPerBatch => batches[0].Inputs.numel();

    public Tensor Next()
    {
        (Tensor x, Tensor y) = batches[_next++ % batches.Length];
        return model.Loss(x, y);
    }
}
