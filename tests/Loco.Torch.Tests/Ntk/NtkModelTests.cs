using Loco.Torch.Ntk;

namespace Loco.Torch.Tests.Ntk;

/// <summary>The NTK model: the Jacobian, the kernel and a gradient step of the linearised model (the studies on it are in Loco.Studies.Tests).</summary>
public sealed class NtkModelTests
{
    private static NtkProblem Small(int samples = 20, int width = 16, ulong seed = 3) => NtkProblem.Create(new NtkProblemOptions(samples, 2, width, 2, seed));

    [Fact]
    public void JacobianMatchesCentralFiniteDifferences()
    {
        using NtkProblem p = Small(samples: 6, width: 8);
        int n = p.Real.Samples;
        int dim = p.Real.Dimension;
        const double h = 1e-6;
        double worst = 0;
        for (int q = 0; q < dim; q++)
        {
            double[] plus = (double[])p.Theta0.Clone();
            double[] minus = (double[])p.Theta0.Clone();
            plus[q] += h;
            minus[q] -= h;
            double[] fp = p.Real.Outputs(plus);
            double[] fm = p.Real.Outputs(minus);
            for (int j = 0; j < n; j++)
            {
                double fd = (fp[j] - fm[j]) / (2 * h);
                worst = Math.Max(worst, Math.Abs(fd - p.JacobianMatrix[j * dim + q]));
            }
        }

        // Central differences in float64 with h = 1e-6: truncation ~h², round-off ~1e-16/h.
        Assert.True(worst < 1e-8, $"largest |J − finite difference| = {worst:E2}");
        Assert.Contains(p.JacobianMatrix, x => Math.Abs(x) > 0.1); // not a trivially zero Jacobian
    }

    [Fact]
    public void KernelIsJJTransposeOverNAndItsEigenpairsReconstructIt()
    {
        using NtkProblem p = Small();
        int n = p.Spectrum.Samples;
        int dim = p.Real.Dimension;
        double scale = 0;
        for (int a = 0; a < n; a++)
        {
            for (int b = 0; b < n; b++)
            {
                // K_ab = Σ_p J_ap J_bp / n, summed here directly.
                double k = 0;
                for (int q = 0; q < dim; q++)
                {
                    k += p.JacobianMatrix[a * dim + q] * p.JacobianMatrix[b * dim + q];
                }

                k /= n;
                Assert.Equal(k, p.Spectrum.Kernel[a * n + b], 1e-12 * Math.Max(1, Math.Abs(k)));
                scale = Math.Max(scale, Math.Abs(k));
            }
        }

        double[] lambda = p.Spectrum.Lambda;
        for (int i = 1; i < n; i++)
        {
            Assert.True(lambda[i] <= lambda[i - 1], "eigenvalues are in decreasing order");
        }

        for (int a = 0; a < n; a++)
        {
            for (int b = 0; b < n; b++)
            {
                double sum = 0, dot = 0;
                for (int i = 0; i < n; i++)
                {
                    sum += lambda[i] * p.Spectrum.Vector(i)[a] * p.Spectrum.Vector(i)[b];
                    dot += p.Spectrum.Vector(a)[i] * p.Spectrum.Vector(b)[i];
                }

                Assert.Equal(p.Spectrum.Kernel[a * n + b], sum, 1e-12 * scale);
                Assert.Equal(a == b ? 1.0 : 0.0, dot, 1e-12); // orthonormal
            }
        }
    }

    [Fact]
    public void OneGradientStepOnTheLinearisedModelMovesTheResidualByIMinusEtaK()
    {
        using NtkProblem p = Small();
        int n = p.Spectrum.Samples;
        double eta = 0.5 / p.Spectrum.Lambda[0];
        var worker = new GradientDescentWorker(p.Linear, eta);
        worker.BeginRound(p.Theta0);
        worker.InnerStep();
        double[] theta = new double[p.Linear.Dimension];
        worker.CopyWeights(theta);
        double[] r0 = new double[n], r1 = new double[n];
        p.Linear.Residual(p.Theta0, r0);
        p.Linear.Residual(theta, r1);
        for (int a = 0; a < n; a++)
        {
            double expected = r0[a];
            for (int b = 0; b < n; b++)
            {
                expected -= eta * p.Spectrum.Kernel[a * n + b] * r0[b];
            }

            Assert.Equal(expected, r1[a], 1e-13);
        }
    }
}
