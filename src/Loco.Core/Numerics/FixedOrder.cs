using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Loco.Core.Numerics;

/// <summary>
/// Reductions whose bits do not depend on the CPU: the same result with AVX-512, AVX2, SSE, Arm64 NEON or no SIMD at
/// all. (TensorPrimitives.Dot and Sum do not have this property: their order of additions follows the vector width.)
/// </summary>
/// <remarks>
/// Element i goes to logical lane i mod <see cref="Lanes"/>; each lane adds its terms in increasing i, each term
/// rounded (x_i·y_i, then the sum: no FMA, so no path depends on a hardware FMA); the sixteen lane sums are then
/// added in a fixed tree, (l_j + l_{j+8}), then (j, j+4), (j, j+2), (0, 1). Vector512 holds lanes 0–7 and 8–15 in two
/// registers, Vector256 in four and Vector128 in eight; the scalar loop keeps sixteen sums: all four are the same
/// arithmetic.
/// </remarks>
public static class FixedOrder
{
    /// <summary>Logical lanes of every reduction.</summary>
    public const int Lanes = 16;

    /// <summary>Σ x_i y_i in the fixed order.</summary>
    public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException($"The spans differ in length ({x.Length} and {y.Length}).");
        }

        return Dot(LaneWidth.Auto, x, y);
    }

    /// <summary>
    /// Σ x_i y_i in the fixed order, each x_i widened to double first: the same bits as <see cref="Dot(ReadOnlySpan{double}, ReadOnlySpan{double})"/>
    /// on the widened x, without materialising it.
    /// </summary>
    public static double Dot(ReadOnlySpan<float> x, ReadOnlySpan<double> y)
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException($"The spans differ in length ({x.Length} and {y.Length}).");
        }

        return Dot(LaneWidth.Auto, x, y);
    }

    internal static double Dot<TX>(LaneWidth width, ReadOnlySpan<TX> x, ReadOnlySpan<double> y) where TX : unmanaged => LaneDispatch.ResolveWithoutFma(width) switch
    {
        LaneWidth.W512 => Dot<Lanes512, TX>(x, y),
        LaneWidth.W256 => Dot<Lanes256, TX>(x, y),
        LaneWidth.W128 => Dot<Lanes128, TX>(x, y),
        _ => Dot<Lanes64, TX>(x, y),
    };

    /// <summary>
    /// destination_j ← destination_j + Σ_b rows[b·D + j]·weights[b] for the rows b = 0, 1, … of a row-major block
    /// (D = destination.Length), each product rounded and then added in increasing b: the bits of calling
    /// TensorPrimitives.MultiplyAdd(row_b, weights[b], destination, destination) row by row on the rows widened to
    /// double, in one pass over destination. Element-wise, so every width gives the same bits.
    /// </summary>
    public static void AddWeightedRows(ReadOnlySpan<float> rows, ReadOnlySpan<double> weights, Span<double> destination)
    {
        if (rows.Length != weights.Length * destination.Length)
        {
            throw new ArgumentException($"{weights.Length} rows of {destination.Length} need {weights.Length * destination.Length} values, not {rows.Length}.");
        }

        AddWeightedRows(LaneWidth.Auto, rows, weights, destination);
    }

    internal static void AddWeightedRows(LaneWidth width, ReadOnlySpan<float> rows, ReadOnlySpan<double> weights, Span<double> destination)
    {
        switch (LaneDispatch.ResolveWithoutFma(width))
        {
            case LaneWidth.W512: AddWeightedRows<Lanes512>(rows, weights, destination); break;
            case LaneWidth.W256: AddWeightedRows<Lanes256>(rows, weights, destination); break;
            case LaneWidth.W128: AddWeightedRows<Lanes128>(rows, weights, destination); break;
            default: AddWeightedRows<Lanes64>(rows, weights, destination); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddWeightedRows<TV>(ReadOnlySpan<float> rows, ReadOnlySpan<double> weights, Span<double> destination)
        where TV : struct, ILanes<TV>
    {
        ref float zr = ref MemoryMarshal.GetReference(rows);
        ref double wr = ref MemoryMarshal.GetReference(weights);
        ref double dr = ref MemoryMarshal.GetReference(destination);
        nuint d = (nuint)destination.Length, count = (nuint)weights.Length, w = (nuint)TV.Count;
        nuint whole = d - d % w, wide = d - d % (4 * w);
        nuint j = 0;

        // Four vectors of columns at a time: each column's sum is a chain of dependent adds, one per row, so one vector
        // at a time waited on that chain (about 1.6× slower on one Zen 4 core with AVX2). Same operations per column.
        for (; j < wide; j += 4 * w)
        {
            TV a0 = TV.Load(ref dr, j), a1 = TV.Load(ref dr, j + w), a2 = TV.Load(ref dr, j + 2 * w), a3 = TV.Load(ref dr, j + 3 * w);
            for (nuint b = 0, at = j; b < count; b++, at += d)
            {
                TV weight = TV.Create(Unsafe.Add(ref wr, b));
                a0 += TV.LoadWidened(ref zr, at) * weight;
                a1 += TV.LoadWidened(ref zr, at + w) * weight;
                a2 += TV.LoadWidened(ref zr, at + 2 * w) * weight;
                a3 += TV.LoadWidened(ref zr, at + 3 * w) * weight;
            }

            TV.Store(a0, ref dr, j);
            TV.Store(a1, ref dr, j + w);
            TV.Store(a2, ref dr, j + 2 * w);
            TV.Store(a3, ref dr, j + 3 * w);
        }

        for (; j < whole; j += w)
        {
            TV acc = TV.Load(ref dr, j);
            for (nuint b = 0; b < count; b++)
            {
                acc += TV.LoadWidened(ref zr, b * d + j) * TV.Create(Unsafe.Add(ref wr, b));
            }

            TV.Store(acc, ref dr, j);
        }

        for (j = whole; j < d; j++)
        {
            double acc = Unsafe.Add(ref dr, j);
            for (nuint b = 0; b < count; b++)
            {
                acc += Unsafe.Add(ref zr, b * d + j) * Unsafe.Add(ref wr, b);
            }

            Unsafe.Add(ref dr, j) = acc;
        }
    }

    /// <summary>The tree of the remarks over sixteen lane sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double ReduceLanes(ReadOnlySpan<double> l)
    {
        double a0 = l[0] + l[8], a1 = l[1] + l[9], a2 = l[2] + l[10], a3 = l[3] + l[11];
        double a4 = l[4] + l[12], a5 = l[5] + l[13], a6 = l[6] + l[14], a7 = l[7] + l[15];
        double b0 = a0 + a4, b1 = a1 + a5, b2 = a2 + a6, b3 = a3 + a7;
        return (b0 + b2) + (b1 + b3);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Dot<TV, TX>(ReadOnlySpan<TX> x, ReadOnlySpan<double> y)
        where TV : struct, ILanes<TV>
        where TX : unmanaged
    {
        // 16 / Count vectors of lane sums, in registers except on the scalar path.
        Span<double> lanes = stackalloc double[Lanes];
        ref TX xr = ref MemoryMarshal.GetReference(x);
        ref double yr = ref MemoryMarshal.GetReference(y);
        nuint n = (nuint)x.Length;
        nuint whole = n - n % Lanes;
        int w = TV.Count;
        if (w == 8)
        {
            TV s0 = TV.Zero, s1 = TV.Zero;
            for (nuint i = 0; i < whole; i += Lanes)
            {
                s0 += Load<TV, TX>(ref xr, i) * TV.Load(ref yr, i);
                s1 += Load<TV, TX>(ref xr, i + 8) * TV.Load(ref yr, i + 8);
            }

            ref double l0 = ref MemoryMarshal.GetReference(lanes);
            TV.Store(s0, ref l0, 0);
            TV.Store(s1, ref l0, 8);
        }
        else if (w == 4)
        {
            TV s0 = TV.Zero, s1 = TV.Zero, s2 = TV.Zero, s3 = TV.Zero;
            for (nuint i = 0; i < whole; i += Lanes)
            {
                s0 += Load<TV, TX>(ref xr, i) * TV.Load(ref yr, i);
                s1 += Load<TV, TX>(ref xr, i + 4) * TV.Load(ref yr, i + 4);
                s2 += Load<TV, TX>(ref xr, i + 8) * TV.Load(ref yr, i + 8);
                s3 += Load<TV, TX>(ref xr, i + 12) * TV.Load(ref yr, i + 12);
            }

            ref double l0 = ref MemoryMarshal.GetReference(lanes);
            TV.Store(s0, ref l0, 0);
            TV.Store(s1, ref l0, 4);
            TV.Store(s2, ref l0, 8);
            TV.Store(s3, ref l0, 12);
        }
        else if (w == 2)
        {
            TV s0 = TV.Zero, s1 = TV.Zero, s2 = TV.Zero, s3 = TV.Zero, s4 = TV.Zero, s5 = TV.Zero, s6 = TV.Zero, s7 = TV.Zero;
            for (nuint i = 0; i < whole; i += Lanes)
            {
                s0 += Load<TV, TX>(ref xr, i) * TV.Load(ref yr, i);
                s1 += Load<TV, TX>(ref xr, i + 2) * TV.Load(ref yr, i + 2);
                s2 += Load<TV, TX>(ref xr, i + 4) * TV.Load(ref yr, i + 4);
                s3 += Load<TV, TX>(ref xr, i + 6) * TV.Load(ref yr, i + 6);
                s4 += Load<TV, TX>(ref xr, i + 8) * TV.Load(ref yr, i + 8);
                s5 += Load<TV, TX>(ref xr, i + 10) * TV.Load(ref yr, i + 10);
                s6 += Load<TV, TX>(ref xr, i + 12) * TV.Load(ref yr, i + 12);
                s7 += Load<TV, TX>(ref xr, i + 14) * TV.Load(ref yr, i + 14);
            }

            ref double l0 = ref MemoryMarshal.GetReference(lanes);
            TV.Store(s0, ref l0, 0);
            TV.Store(s1, ref l0, 2);
            TV.Store(s2, ref l0, 4);
            TV.Store(s3, ref l0, 6);
            TV.Store(s4, ref l0, 8);
            TV.Store(s5, ref l0, 10);
            TV.Store(s6, ref l0, 12);
            TV.Store(s7, ref l0, 14);
        }
        else
        {
            // Scalar: sixteen sums kept in memory.
            lanes.Clear();
            ref double l0 = ref MemoryMarshal.GetReference(lanes);
            for (nuint i = 0; i < whole; i += Lanes)
            {
                for (nuint k = 0; k < Lanes; k += (nuint)w)
                {
                    TV.Store(TV.Load(ref l0, k) + Load<TV, TX>(ref xr, i + k) * TV.Load(ref yr, i + k), ref l0, k);
                }
            }
        }

        // The remainder joins lanes 0.. in the same order (product rounded, then added).
        for (nuint i = whole; i < n; i++)
        {
            double p = Load<Lanes64, TX>(ref xr, i).Value * Unsafe.Add(ref yr, i);
            lanes[(int)(i - whole)] += p;
        }

        return ReduceLanes(lanes);
    }

    /// <summary>Count elements of x as doubles: a plain load, or floats widened (exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Load<TV, TX>(ref TX x, nuint offset)
        where TV : struct, ILanes<TV>
        where TX : unmanaged =>
        typeof(TX) == typeof(float)
            ? TV.LoadWidened(ref Unsafe.As<TX, float>(ref x), offset)
            : TV.Load(ref Unsafe.As<TX, double>(ref x), offset);
}
