using Loco.Core.Random;
using Loco.Torch.Data;
using static TorchSharp.torch;

namespace Loco.Torch.Ntk;

/// <summary>
/// A small tanh MLP with a scalar output, in float64, written as a function of one flat weight vector θ so that
/// the Jacobian, the two-phase round and the outer step all see the same P numbers:
/// f(x; θ) = W_L tanh(… tanh(W_1 x + b_1) …) + b_L. θ holds, layer by layer, W_l (row-major, out × in) then b_l.
/// </summary>
public sealed class Mlp
{
    private readonly (int In, int Out, int Offset)[] _layers;

    /// <summary>An MLP from <paramref name="inputDim"/> inputs through <paramref name="depth"/> hidden layers of <paramref name="width"/> units to one output.</summary>
    public Mlp(int inputDim, int width, int depth)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputDim);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(depth);
        InputDim = inputDim;
        Width = width;
        Depth = depth;
        _layers = new (int, int, int)[depth + 1];
        int offset = 0;
        for (int l = 0; l <= depth; l++)
        {
            int fanIn = l == 0 ? inputDim : width;
            int fanOut = l == depth ? 1 : width;
            _layers[l] = (fanIn, fanOut, offset);
            offset += fanOut * fanIn + fanOut;
        }

        ParameterCount = offset;
    }

    /// <summary>d, inputs per sample.</summary>
    public int InputDim { get; }

    /// <summary>Hidden units per layer.</summary>
    public int Width { get; }

    /// <summary>Hidden layers.</summary>
    public int Depth { get; }

    /// <summary>P, the number of weights.</summary>
    public int ParameterCount { get; }

    /// <summary>
    /// Initial weights θ₀ as PyTorch's <c>nn.Linear</c> draws them: every weight and bias of a layer with fan-in m
    /// uniform in [−1/√m, 1/√m], from a seeded generator (the same seed gives the same θ₀).
    /// </summary>
    public double[] Initialize(ulong seed)
    {
        var rng = new Xoshiro256(seed, stream: 0x4D4C50); // "MLP"
        var theta = new double[ParameterCount];
        foreach ((int fanIn, int fanOut, int offset) in _layers)
        {
            double bound = 1 / Math.Sqrt(fanIn);
            for (int i = 0; i < fanOut * fanIn + fanOut; i++)
            {
                theta[offset + i] = bound * (2 * rng.NextDouble() - 1);
            }
        }

        return theta;
    }

    /// <summary>f(x_j; θ) for every row of <paramref name="inputs"/> (n × d, float64): a tensor of n outputs, differentiable in <paramref name="theta"/>.</summary>
    public Tensor Forward(Tensor theta, Tensor inputs)
    {
        ArgumentNullException.ThrowIfNull(theta);
        ArgumentNullException.ThrowIfNull(inputs);
        if (theta.numel() != ParameterCount)
        {
            throw new ArgumentException($"θ has {theta.numel()} entries; the MLP has {ParameterCount} weights.", nameof(theta));
        }

        Tensor h = inputs;
        for (int l = 0; l <= Depth; l++)
        {
            (int fanIn, int fanOut, int offset) = _layers[l];
            Tensor w = theta.narrow(0, offset, fanOut * fanIn).view(fanOut, fanIn);
            Tensor b = theta.narrow(0, offset + fanOut * fanIn, fanOut);
            h = h.matmul(w.t()) + b;
            if (l < Depth)
            {
                h = h.tanh();
            }
        }

        return h.squeeze(1);
    }
}
