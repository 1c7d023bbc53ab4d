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
        Assert.Equal(expected, FlatParameters.Of(model).Length);
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
        var flat = FlatParameters.Of(model);
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

public class FlatBufferTests
{
    [Fact]
    public void GradientsLandInTheFlatGradientAndClipAsTorchSharpClips()
    {
        var data = TestModels.Batches(1, 2, 8, 17, seed: 9);
        using Llama flatModel = TestModels.NewMicro(3);
        using Llama twin = TestModels.NewMicro(3);
        var flat = FlatParameters.Of(flatModel);
        Assert.Same(flat, FlatParameters.Of(flatModel));

        flat.ZeroGradients();
        flatModel.Loss(data[0].Inputs, data[0].Targets).backward();
        twin.Loss(data[0].Inputs, data[0].Targets).backward();
        float[] expected = [.. twin.parameters().SelectMany(p => p.grad!.data<float>().ToArray())];
        float[] got = flat.Gradient.data<float>().ToArray();
        Assert.Equal(expected.Length, got.Length);
        for (int i = 0; i < got.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - got[i]) <= 1e-6 * (1 + Math.Abs(expected[i])), $"gradient {i}: {got[i]} vs {expected[i]}");
        }

        // A second backward accumulates (into the same flat storage), as autograd does for ordinary parameters.
        flatModel.Loss(data[0].Inputs, data[0].Targets).backward();
        Assert.True(flat.Gradient.allclose(2 * tensor(expected), rtol: 1e-5, atol: 1e-7));

        nn.utils.clip_grad_norm_(twin.parameters(), 0.01);
        flat.ZeroGradients();
        flatModel.Loss(data[0].Inputs, data[0].Targets).backward();
        flat.ClipGradientNorm(0.01);
        float[] clipped = [.. twin.parameters().SelectMany(p => p.grad!.data<float>().ToArray())];
        Assert.True(flat.Gradient.allclose(tensor(clipped), rtol: 1e-5, atol: 1e-9));
        Assert.InRange(flat.Gradient.norm().item<float>(), 0.0099f, 0.0101f);
    }

    [Fact]
    public void ParametersAreViewsOfTheFlatBuffer()
    {
        using Llama model = TestModels.NewMicro(4);
        float[] before = nn.utils.parameters_to_vector(model.parameters()).detach().data<float>().ToArray();
        var flat = FlatParameters.Of(model);
        float[] w = new float[flat.Length];
        flat.CopyTo(w);
        Assert.Equal(before, w); // flattening keeps the weights
        using (no_grad())
        {
            flat.Data.mul_(2);
        }

        float[] after = nn.utils.parameters_to_vector(model.parameters()).detach().data<float>().ToArray();
        Assert.Equal(before.Select(x => 2 * x), after);
    }
}
