using TorchSharp;
using static TorchSharp.torch;

namespace Loco.Torch.Tests;

/// <summary>TorchSharp's native libraries load on this machine, and a small model trains.</summary>
public class LoadTests
{
    [Fact]
    public void TorchSharpLoadsAndFitsALinearModel()
    {
        // Least squares y = X w* with a known w*: gradient descent must recover w* to 1e-3.
        var generator = new Generator(7);
        var x = randn(256, 4, generator: generator);
        var wStar = tensor(new float[] { 1.5f, -2f, 0.5f, 3f }).reshape(4, 1);
        var y = x.matmul(wStar);
        var w = new TorchSharp.Modules.Parameter(zeros(4, 1));
        var optimizer = optim.SGD(new[] { w }, 0.1);
        for (int step = 0; step < 300; step++)
        {
            optimizer.zero_grad();
            var loss = (x.matmul(w) - y).pow(2).mean();
            loss.backward();
            optimizer.step();
        }
        var learned = w.detach().reshape(4).data<float>().ToArray();
        var expected = new[] { 1.5f, -2f, 0.5f, 3f };
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], learned[i], 3);
    }
}
