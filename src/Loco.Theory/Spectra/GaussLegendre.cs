namespace Loco.Theory.Spectra;

/// <summary>Gauss–Legendre nodes and weights on [−1, 1] (Newton iteration on the Legendre recurrence).</summary>
public static class GaussLegendre
{
    /// <summary>The <paramref name="n"/>-point rule: Σ w_k p(x_k) = ∫_{−1}^{1} p for every polynomial p of degree &lt; 2n.</summary>
    public static (double[] Nodes, double[] Weights) Rule(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        var nodes = new double[n];
        var weights = new double[n];
        for (int k = 0; k < (n + 1) / 2; k++)
        {
            // Initial guess (Tricomi), then Newton on P_n.
            double x = Math.Cos(Math.PI * (k + 0.75) / (n + 0.5));
            double derivative = 0;
            for (int iteration = 0; iteration < 100; iteration++)
            {
                (double p, double dp) = Legendre(n, x);
                derivative = dp;
                double dx = p / dp;
                x -= dx;
                if (Math.Abs(dx) < 1e-16)
                {
                    break;
                }
            }

            (_, derivative) = Legendre(n, x);
            double w = 2.0 / ((1 - x * x) * derivative * derivative);
            nodes[k] = -x;
            nodes[n - 1 - k] = x;
            weights[k] = w;
            weights[n - 1 - k] = w;
        }

        if (n % 2 == 1)
        {
            nodes[n / 2] = 0; // exact by symmetry
        }

        return (nodes, weights);
    }

    private static (double P, double Derivative) Legendre(int n, double x)
    {
        double p0 = 1, p1 = x;
        if (n == 0)
        {
            return (1, 0);
        }

        for (int j = 2; j <= n; j++)
        {
            double p2 = ((2 * j - 1) * x * p1 - (j - 1) * p0) / j;
            p0 = p1;
            p1 = p2;
        }

        return (p1, n * (x * p1 - p0) / (x * x - 1));
    }
}
