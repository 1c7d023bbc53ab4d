// The arithmetic peak one core reaches on double-precision FMAs, on the vector width the theory kernel runs on
// (LaneDispatch.Resolve, the same dispatch): ten independent chains (more than the FMA latency × units of any current
// x64 or Arm core), so the loop is throughput-bound. TheoryBench compares the one-pass kernel's rate with it.
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Loco.Core.Numerics;

internal static class FmaPeak
{
    /// <summary>Double-precision FMAs per second on one core (lanes × vector FMAs), best of a few repeats.</summary>
    public static double PerSecond(bool quick) => LaneDispatch.Resolve(LaneWidth.Auto) switch
    {
        LaneWidth.W512 => PerSecond<Lanes512>(quick),
        LaneWidth.W256 => PerSecond<Lanes256>(quick),
        LaneWidth.W128 => PerSecond<Lanes128>(quick),
        _ => PerSecond<Lanes64>(quick),
    };

    private static double PerSecond<TV>(bool quick) where TV : struct, ILanes<TV>
    {
        const long iterations = 20_000_000;
        double best = double.MaxValue;
        Span<double> sink = stackalloc double[TV.Count];
        for (int i = 0; i < (quick ? 2 : 5); i++)
        {
            var watch = Stopwatch.StartNew();
            TV.Store(Chains<TV>(iterations), ref sink[0], 0); // keeps the chains alive
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }

        return 10.0 * iterations * TV.Count / best;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static TV Chains<TV>(long n) where TV : struct, ILanes<TV>
    {
        TV a = TV.Create(0.999999), b = TV.Create(1e-9);
        TV x0 = b, x1 = b, x2 = b, x3 = b, x4 = b, x5 = b, x6 = b, x7 = b, x8 = b, x9 = b;
        for (long i = 0; i < n; i++)
        {
            x0 = TV.FusedMultiplyAdd(x0, a, b);
            x1 = TV.FusedMultiplyAdd(x1, a, b);
            x2 = TV.FusedMultiplyAdd(x2, a, b);
            x3 = TV.FusedMultiplyAdd(x3, a, b);
            x4 = TV.FusedMultiplyAdd(x4, a, b);
            x5 = TV.FusedMultiplyAdd(x5, a, b);
            x6 = TV.FusedMultiplyAdd(x6, a, b);
            x7 = TV.FusedMultiplyAdd(x7, a, b);
            x8 = TV.FusedMultiplyAdd(x8, a, b);
            x9 = TV.FusedMultiplyAdd(x9, a, b);
        }

        return ((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7)) + (x8 + x9);
    }
}
