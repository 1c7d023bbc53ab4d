using TorchSharp;
using static TorchSharp.torch;

namespace Loco.Torch.Ntk;

/// <summary>
/// The empirical NTK K = J Jᵀ / n (n × n) and its eigendecomposition K = Σ_i λ_i u_i u_iᵀ (TorchSharp's
/// <c>linalg.eigh</c> in float64), modes ordered by decreasing λ. With this K, full-batch GD on the linearised model
/// moves the residual by r ← (I − ηK) r, so mode i sees the effective eigenvalue μ_i = 1 − (1 − ηλ_i)^H per round.
/// </summary>
public sealed class NtkSpectrum
{
    private readonly double[] _kernel;
    private readonly double[] _vectors;

    private NtkSpectrum(int samples, double[] kernel, double[] lambda, double[] vectors)
    {
        Samples = samples;
        _kernel = kernel;
        Lambda = lambda;
        _vectors = vectors;
    }

    /// <summary>n.</summary>
    public int Samples { get; }

    /// <summary>λ_1 ≥ λ_2 ≥ … ≥ λ_n.</summary>
    public double[] Lambda { get; }

    /// <summary>K (n × n, row-major).</summary>
    public ReadOnlySpan<double> Kernel => _kernel;

    /// <summary>u_i, the unit eigenvector of λ_i (0-based <paramref name="mode"/>).</summary>
    public ReadOnlySpan<double> Vector(int mode) => _vectors.AsSpan(mode * Samples, Samples);

    /// <summary>a_i = u_iᵀ r for every mode, into <paramref name="coefficients"/>.</summary>
    public void Project(ReadOnlySpan<double> residual, Span<double> coefficients)
    {
        if (residual.Length != Samples || coefficients.Length != Samples)
        {
            throw new ArgumentException($"r has {residual.Length} entries and a {coefficients.Length}; the kernel is {Samples} × {Samples}.");
        }

        for (int i = 0; i < Samples; i++)
        {
            coefficients[i] = System.Numerics.Tensors.TensorPrimitives.Dot(Vector(i), residual);
        }
    }

    /// <summary>K = J Jᵀ / n from the Jacobian <paramref name="jacobian"/> (n × P, row-major), and its eigendecomposition.</summary>
    public static NtkSpectrum FromJacobian(double[] jacobian, int samples)
    {
        ArgumentNullException.ThrowIfNull(jacobian);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samples);
        if (jacobian.Length % samples != 0)
        {
            throw new ArgumentException($"J has {jacobian.Length} entries, not a multiple of n = {samples}.", nameof(jacobian));
        }

        int p = jacobian.Length / samples;
        Training.CollectionPause.Ensure(); // TorchSharp scalars and the collector: see CollectionPause
        using var scope = NewDisposeScope();
        Tensor j = tensor(jacobian, [samples, p], ScalarType.Float64);
        using Scalar perSample = (1.0 / samples).ToScalar(); // held for the calls (see CollectionPause)
        using Scalar half = 0.5.ToScalar();
        Tensor k = j.matmul(j.t()).mul_(perSample);
        k = (k + k.t()).mul_(half); // exactly symmetric
        (Tensor values, Tensor vectors) = linalg.eigh(k);
        double[] ascending = values.data<double>().ToArray();
        double[] columns = vectors.contiguous().data<double>().ToArray(); // column c is the eigenvector of ascending[c]
        var lambda = new double[samples];
        var rows = new double[samples * samples];
        for (int i = 0; i < samples; i++)
        {
            int c = samples - 1 - i;
            lambda[i] = ascending[c];
            for (int r = 0; r < samples; r++)
            {
                rows[i * samples + r] = columns[r * samples + c];
            }
        }

        return new NtkSpectrum(samples, k.data<double>().ToArray(), lambda, rows);
    }
}
