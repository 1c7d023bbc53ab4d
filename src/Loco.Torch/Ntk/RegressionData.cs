using Loco.Core.Random;
using Loco.Torch.Data;

namespace Loco.Torch.Ntk;

/// <summary>
/// A small generated regression set for the NTK toy: n inputs drawn uniformly from [−1, 1]^d and the smooth target
/// y = sin(π x₁) + ½ cos(π x_d) (x₁ = x_d when d = 1), without label noise.
/// </summary>
/// <param name="Inputs">The inputs, row-major n × d.</param>
/// <param name="Targets">The targets, n.</param>
/// <param name="InputDim">d.</param>
public sealed record RegressionData(double[] Inputs, double[] Targets, int InputDim)
{
    /// <summary>n, the number of samples.</summary>
    public int Samples => Targets.Length;

    /// <summary>The data set for (<paramref name="samples"/>, <paramref name="inputDim"/>, <paramref name="seed"/>); the same seed gives the same points.</summary>
    public static RegressionData Generate(int samples, int inputDim, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samples);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputDim);
        var rng = new Xoshiro256(seed, stream: 0x4E544B); // "NTK": a stream of its own, apart from the weights'
        var x = new double[samples * inputDim];
        var y = new double[samples];
        for (int j = 0; j < samples; j++)
        {
            for (int k = 0; k < inputDim; k++)
            {
                x[j * inputDim + k] = 2 * rng.NextDouble() - 1;
            }

            y[j] = Math.Sin(Math.PI * x[j * inputDim]) + 0.5 * Math.Cos(Math.PI * x[j * inputDim + inputDim - 1]);
        }

        return new RegressionData(x, y, inputDim);
    }
}
