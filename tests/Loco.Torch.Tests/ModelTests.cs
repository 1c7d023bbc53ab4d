using Loco.Core.Family;
using Loco.Torch.Models;
using Loco.Torch.Training;
using static TorchSharp.torch;

namespace Loco.Torch.Tests;

public class ModelTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ParameterCountMatchesTheShape(bool tied)
    {
        using Llama model = TestModels.NewMicro(1, tied);
        LlamaConfig c = model.Config;
        // Counted by hand: embeddings V·h (twice untied); per layer 4h² + 3h·F + 2h; final norm h.
        long expected = 17 * 16 * (tied ? 1 : 2) + 2 * (4 * 16 * 16 + 3 * 16 * 24 + 2 * 16) + 16;
        Assert.Equal(expected, model.ParameterCount);
        Assert.Equal(expected, c.ParameterCount);
        Assert.Equal(expected, new FlatParameters(model).Length);
    }

    [Fact]
    public void PresetsHaveTheirDocumentedSizes()
    {
        Assert.InRange(LlamaConfig.Preset("tiny").ParameterCount, 800_000, 1_200_000);
        Assert.InRange(LlamaConfig.Preset("small").ParameterCount, 9_000_000, 12_000_000);
        LlamaConfig big = LlamaConfig.Preset("150m");
        Assert.Equal((32_000, 1024, 12, 16, 4096), (big.VocabularySize, big.Hidden, big.Layers, big.Heads, big.Ffn));
        var ex = Assert.Throws<InvalidInputException>(() => LlamaConfig.Preset("huge"));
        Assert.Equal("--model", ex.Subject);
    }

    [Fact]
    public void LogitsAreCausalAndSeedDeterminesWeights()
    {
        using Llama model = TestModels.NewMicro(3);
        using Llama same = TestModels.NewMicro(3);
        using Llama other = TestModels.NewMicro(4);
        Assert.Equal(TestModels.Weights(model), TestModels.Weights(same));
        Assert.NotEqual(TestModels.Weights(model), TestModels.Weights(other));

        Tensor a = tensor(new long[] { 1, 2, 3, 4, 5, 6 }).reshape(1, 6);
        Tensor b = tensor(new long[] { 1, 2, 3, 9, 9, 9 }).reshape(1, 6);
        using (no_grad())
        {
            Tensor la = model.forward(a), lb = model.forward(b);
            Assert.Equal([1L, 6, 17], la.shape);
            // Positions 0..2 see the same prefix: identical logits; position 3 sees a different token.
            Assert.True(la[.., ..3].allclose(lb[.., ..3], rtol: 0, atol: 0));
            Assert.False(la[.., 3].allclose(lb[.., 3]));
            // Without positions, causal attention at the last token would not see the order of the prefix
            // (a permutation of the prefix leaves it unchanged); rotary embeddings make the order matter.
            Tensor c = tensor(new long[] { 1, 2, 3, 4 }).reshape(1, 4);
            Tensor d = tensor(new long[] { 3, 1, 2, 4 }).reshape(1, 4);
            Assert.False(model.forward(c)[0, 3].allclose(model.forward(d)[0, 3]));
        }
    }

    [Fact]
    public void FlatBufferRoundTripsEveryWeight()
    {
        using Llama model = TestModels.NewMicro(5);
        var flat = new FlatParameters(model);
        float[] w = new float[flat.Length];
        flat.CopyTo(w);
        Tensor reference = nn.utils.parameters_to_vector(model.parameters()).detach().clone();
        Assert.Equal(reference.data<float>().ToArray(), w);

        for (int i = 0; i < w.Length; i++)
        {
            w[i] = i * 1e-3f;
        }

        flat.CopyFrom(w);
        float[] back = nn.utils.parameters_to_vector(model.parameters()).detach().data<float>().ToArray();
        Assert.Equal(w, back);
    }
}
