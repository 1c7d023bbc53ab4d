// The arithmetic peak one core reaches on double-precision FMAs, on the widest vector the hardware accelerates: ten
// independent chains (more than the FMA latency × units of any current x64 or Arm core), so the loop is throughput-bound.
// TheoryBench compares the one-pass kernel's rate with it.
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

internal static class FmaPeak
{
    /// <summary>Double-precision FMAs per second on one core (lanes × vector FMAs), best of a few repeats.</summary>
    public static double PerSecond(bool quick)
    {
        const long iterations = 20_000_000;
        double best = double.MaxValue;
        for (int i = 0; i < (quick ? 2 : 5); i++)
        {
            var watch = Stopwatch.StartNew();
            double sink = Vector512.IsHardwareAccelerated ? Chains512(iterations) : Vector256.IsHardwareAccelerated ? Chains256(iterations) : Chains128(iterations);
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
            if (sink == 42)
            {
                Console.WriteLine(); // keeps the chains alive
            }
        }

        int lanes = Vector512.IsHardwareAccelerated ? 8 : Vector256.IsHardwareAccelerated ? 4 : 2;
        return 10.0 * iterations * lanes / best;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double Chains512(long n)
    {
        Vector512<double> a = Vector512.Create(0.999999), b = Vector512.Create(1e-9);
        Vector512<double> x0 = b, x1 = b, x2 = b, x3 = b, x4 = b, x5 = b, x6 = b, x7 = b, x8 = b, x9 = b;
        for (long i = 0; i < n; i++)
        {
            x0 = Vector512.FusedMultiplyAdd(x0, a, b);
            x1 = Vector512.FusedMultiplyAdd(x1, a, b);
            x2 = Vector512.FusedMultiplyAdd(x2, a, b);
            x3 = Vector512.FusedMultiplyAdd(x3, a, b);
            x4 = Vector512.FusedMultiplyAdd(x4, a, b);
            x5 = Vector512.FusedMultiplyAdd(x5, a, b);
            x6 = Vector512.FusedMultiplyAdd(x6, a, b);
            x7 = Vector512.FusedMultiplyAdd(x7, a, b);
            x8 = Vector512.FusedMultiplyAdd(x8, a, b);
            x9 = Vector512.FusedMultiplyAdd(x9, a, b);
        }

        return Vector512.Sum(((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7)) + (x8 + x9));
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double Chains256(long n)
    {
        Vector256<double> a = Vector256.Create(0.999999), b = Vector256.Create(1e-9);
        Vector256<double> x0 = b, x1 = b, x2 = b, x3 = b, x4 = b, x5 = b, x6 = b, x7 = b, x8 = b, x9 = b;
        for (long i = 0; i < n; i++)
        {
            x0 = Vector256.FusedMultiplyAdd(x0, a, b);
            x1 = Vector256.FusedMultiplyAdd(x1, a, b);
            x2 = Vector256.FusedMultiplyAdd(x2, a, b);
            x3 = Vector256.FusedMultiplyAdd(x3, a, b);
            x4 = Vector256.FusedMultiplyAdd(x4, a, b);
            x5 = Vector256.FusedMultiplyAdd(x5, a, b);
            x6 = Vector256.FusedMultiplyAdd(x6, a, b);
            x7 = Vector256.FusedMultiplyAdd(x7, a, b);
            x8 = Vector256.FusedMultiplyAdd(x8, a, b);
            x9 = Vector256.FusedMultiplyAdd(x9, a, b);
        }

        return Vector256.Sum(((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7)) + (x8 + x9));
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double Chains128(long n)
    {
        Vector128<double> a = Vector128.Create(0.999999), b = Vector128.Create(1e-9);
        Vector128<double> x0 = b, x1 = b, x2 = b, x3 = b, x4 = b, x5 = b, x6 = b, x7 = b, x8 = b, x9 = b;
        for (long i = 0; i < n; i++)
        {
            x0 = Vector128.FusedMultiplyAdd(x0, a, b);
            x1 = Vector128.FusedMultiplyAdd(x1, a, b);
            x2 = Vector128.FusedMultiplyAdd(x2, a, b);
            x3 = Vector128.FusedMultiplyAdd(x3, a, b);
            x4 = Vector128.FusedMultiplyAdd(x4, a, b);
            x5 = Vector128.FusedMultiplyAdd(x5, a, b);
            x6 = Vector128.FusedMultiplyAdd(x6, a, b);
            x7 = Vector128.FusedMultiplyAdd(x7, a, b);
            x8 = Vector128.FusedMultiplyAdd(x8, a, b);
            x9 = Vector128.FusedMultiplyAdd(x9, a, b);
        }

        return Vector128.Sum(((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7)) + (x8 + x9));
    }
}
