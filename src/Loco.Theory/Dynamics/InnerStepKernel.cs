using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Loco.Core.Numerics;

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
    public static double StepWeighted(ReadOnlySpan<double> lambda, ReadOnlySpan<double> weightedLambda, Span<double> d, double eta, double kappa4, double kappaForcing) =>
        StepWeighted(LaneWidth.Auto, lambda, weightedLambda, d, eta, kappa4, kappaForcing);

    /// <summary>
    /// <see cref="StepWeighted(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double}, double, double, double)"/> on a
    /// given vector width. Every width gives the same bits: atom k adds (by FMA) into logical lane k mod
    /// <see cref="RoundKernel.Lanes"/>, the lanes are summed in <see cref="RoundKernel.Reduce"/>'s tree, and the scalar
    /// path and the remainder use <see cref="Math.FusedMultiplyAdd"/> wherever the vectors use FMA.
    /// </summary>
    internal static double StepWeighted(LaneWidth width, ReadOnlySpan<double> lambda, ReadOnlySpan<double> weightedLambda, Span<double> d, double eta, double kappa4, double kappaForcing)
    {
        if (lambda.Length != d.Length || weightedLambda.Length != d.Length)
        {
            throw new ArgumentException("λ, w λ and D differ in length.");
        }

        Span<double> lanes = stackalloc double[RoundKernel.Lanes];
        lanes.Clear();
        int whole = d.Length - d.Length % RoundKernel.Lanes;
        switch (LaneDispatch.Resolve(width))
        {
            case LaneWidth.W512: Step<Lanes512>(lambda, weightedLambda, d, whole, eta, kappa4, kappaForcing, lanes); break;
            case LaneWidth.W256: Step<Lanes256>(lambda, weightedLambda, d, whole, eta, kappa4, kappaForcing, lanes); break;
            case LaneWidth.W128: Step<Lanes128>(lambda, weightedLambda, d, whole, eta, kappa4, kappaForcing, lanes); break;
            default: Step<Lanes64>(lambda, weightedLambda, d, whole, eta, kappa4, kappaForcing, lanes); break;
        }

        // The remainder joins lanes 0.. by the same arithmetic.
        for (int i = whole; i < d.Length; i++)
        {
            double l = lambda[i];
            double q = Math.FusedMultiplyAdd(-eta, l, 1.0);
            double a = Math.FusedMultiplyAdd(kappa4 * l, l, q * q);
            double next = Math.FusedMultiplyAdd(a, d[i], kappaForcing * l);
            d[i] = next;
            lanes[i - whole] = Math.FusedMultiplyAdd(weightedLambda[i], next, lanes[i - whole]);
        }

        return RoundKernel.Reduce(lanes, 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Step<TV>(ReadOnlySpan<double> lambda, ReadOnlySpan<double> weightedLambda, Span<double> d, int whole,
        double eta, double kappa4, double kappaForcing, Span<double> lanes) where TV : struct, ILanes<TV>
    {
        ref double l0 = ref MemoryMarshal.GetReference(lambda);
        ref double g0 = ref MemoryMarshal.GetReference(weightedLambda);
        ref double d0 = ref MemoryMarshal.GetReference(d);
        ref double s0 = ref MemoryMarshal.GetReference(lanes);
        TV one = TV.Create(1.0), negEta = TV.Create(-eta), k4 = TV.Create(kappa4), kf = TV.Create(kappaForcing);
        nuint w = (nuint)TV.Count;
        for (nuint block = 0; block < (nuint)whole; block += RoundKernel.Lanes)
        {
            for (nuint k = 0; k < RoundKernel.Lanes; k += w)
            {
                nuint i = block + k;
                TV l = TV.Load(ref l0, i);
                TV q = TV.FusedMultiplyAdd(negEta, l, one);
                TV a = TV.FusedMultiplyAdd(k4 * l, l, q * q);
                TV next = TV.FusedMultiplyAdd(a, TV.Load(ref d0, i), kf * l);
                TV.Store(next, ref d0, i);
                TV.Store(TV.FusedMultiplyAdd(TV.Load(ref g0, i), next, TV.Load(ref s0, k)), ref s0, k);
            }
        }
    }
}
