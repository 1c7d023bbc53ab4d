using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Loco.Theory.Dynamics;

/// <summary>
/// One inner SGD step of a single worker's second moments, for every atom in one pass:
/// D_k ← ((1 − ηλ_k)² + κ₄ λ_k²) D_k + κ F λ_k with κ = η²/B, κ₄ = κ (exact) or 0 (high-dim) and
/// F = Σ_j w_j λ_j D_j + σ² the forcing of the step (computed from the old D), returning the new Σ_k w_k λ_k D_k
/// (accumulated in the same pass). The step's coefficients are formed from λ on the fly, so the pass reads λ, D
/// (and w λ for weighted atoms) and writes D: 24 bytes per atom for unit weights, 32 for weighted ones.
/// </summary>
public static class InnerStepKernel
{
    /// <summary>Unit multiplicities: returns Σ λ_k D_k after the step.</summary>
    public static double StepUnit(ReadOnlySpan<double> lambda, Span<double> d, double eta, double kappa4, double kappaForcing) =>
        StepWeighted(lambda, lambda, d, eta, kappa4, kappaForcing);

    /// <summary>Weighted atoms (<paramref name="weightedLambda"/> = w λ): returns Σ w_k λ_k D_k after the step.</summary>
    public static double StepWeighted(ReadOnlySpan<double> lambda, ReadOnlySpan<double> weightedLambda, Span<double> d, double eta, double kappa4, double kappaForcing)
    {
        if (lambda.Length != d.Length || weightedLambda.Length != d.Length)
        {
            throw new ArgumentException("λ, w λ and D differ in length.");
        }

        int n = d.Length;
        int i = 0;
        double sum = 0;
        ref double l0 = ref MemoryMarshal.GetReference(lambda);
        ref double g0 = ref MemoryMarshal.GetReference(weightedLambda);
        ref double d0 = ref MemoryMarshal.GetReference(d);
        if (Vector.IsHardwareAccelerated && n >= 2 * Vector<double>.Count)
        {
            int width = Vector<double>.Count;
            var one = Vector<double>.One;
            var vEta = new Vector<double>(eta);
            var vK4 = new Vector<double>(kappa4);
            var vKF = new Vector<double>(kappaForcing);
            Vector<double> acc0 = Vector<double>.Zero, acc1 = Vector<double>.Zero;
            for (; i <= n - 2 * width; i += 2 * width)
            {
                Vector<double> la = Vector.LoadUnsafe(ref l0, (nuint)i);
                Vector<double> lb = Vector.LoadUnsafe(ref l0, (nuint)(i + width));
                Vector<double> da = Vector.LoadUnsafe(ref d0, (nuint)i);
                Vector<double> db = Vector.LoadUnsafe(ref d0, (nuint)(i + width));
                Vector<double> qa = Vector.FusedMultiplyAdd(-vEta, la, one);
                Vector<double> qb = Vector.FusedMultiplyAdd(-vEta, lb, one);
                Vector<double> aa = Vector.FusedMultiplyAdd(vK4 * la, la, qa * qa);
                Vector<double> ab = Vector.FusedMultiplyAdd(vK4 * lb, lb, qb * qb);
                da = Vector.FusedMultiplyAdd(aa, da, vKF * la);
                db = Vector.FusedMultiplyAdd(ab, db, vKF * lb);
                da.StoreUnsafe(ref d0, (nuint)i);
                db.StoreUnsafe(ref d0, (nuint)(i + width));
                acc0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref g0, (nuint)i), da, acc0);
                acc1 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref g0, (nuint)(i + width)), db, acc1);
            }

            sum = Vector.Sum(acc0 + acc1);
        }

        for (; i < n; i++)
        {
            double l = Unsafe.Add(ref l0, i);
            double q = 1 - eta * l;
            double next = (q * q + kappa4 * l * l) * Unsafe.Add(ref d0, i) + kappaForcing * l;
            Unsafe.Add(ref d0, i) = next;
            sum += Unsafe.Add(ref g0, i) * next;
        }

        return sum;
    }
}
