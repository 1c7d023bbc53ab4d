namespace Loco.Torch.Ntk;

/// <summary>The shape of the NTK toy: the data set and the MLP.</summary>
/// <param name="Samples">n, training points (≥ 2).</param>
/// <param name="InputDim">d, inputs per point (≥ 1).</param>
/// <param name="Width">Hidden units per layer (≥ 1).</param>
/// <param name="Depth">Hidden layers (≥ 1).</param>
/// <param name="Seed">Seed of the data and of θ₀.</param>
public sealed record NtkProblemOptions(int Samples = 48, int InputDim = 2, int Width = 48, int Depth = 2, ulong Seed = 1);

/// <summary>
/// The NTK toy at θ₀: the data, the real MLP, its Jacobian J at θ₀, the empirical NTK K = J Jᵀ / n with its
/// eigendecomposition, and the linearised model f_lin(θ) = f(θ₀) + J (θ − θ₀).
/// </summary>
public sealed class NtkProblem : IDisposable
{
    private NtkProblem(NtkProblemOptions options, MlpModel real, double[] theta0, double[] jacobian, NtkSpectrum spectrum, LinearizedModel linear)
    {
        Options = options;
        Real = real;
        Theta0 = theta0;
        JacobianMatrix = jacobian;
        Spectrum = spectrum;
        Linear = linear;
    }

    /// <summary>The shape.</summary>
    public NtkProblemOptions Options { get; }

    /// <summary>The real MLP on the data.</summary>
    public MlpModel Real { get; }

    /// <summary>θ₀.</summary>
    public double[] Theta0 { get; }

    /// <summary>J at θ₀ (n × P, row-major).</summary>
    public double[] JacobianMatrix { get; }

    /// <summary>K = J Jᵀ / n and its eigenpairs.</summary>
    public NtkSpectrum Spectrum { get; }

    /// <summary>The MLP linearised at θ₀.</summary>
    public LinearizedModel Linear { get; }

    /// <summary>Builds the toy for <paramref name="options"/>.</summary>
    public static NtkProblem Create(NtkProblemOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Samples, 2);
        RegressionData data = RegressionData.Generate(options.Samples, options.InputDim, options.Seed);
        var mlp = new Mlp(options.InputDim, options.Width, options.Depth);
        double[] theta0 = mlp.Initialize(options.Seed);
        var real = new MlpModel(mlp, data);
        double[] jacobian = Jacobian.Of(real, theta0);
        NtkSpectrum spectrum = NtkSpectrum.FromJacobian(jacobian, options.Samples);
        var linear = new LinearizedModel(jacobian, theta0, real.Outputs(theta0), data.Targets);
        return new NtkProblem(options, real, theta0, jacobian, spectrum, linear);
    }

    /// <inheritdoc />
    public void Dispose() => Real.Dispose();
}
