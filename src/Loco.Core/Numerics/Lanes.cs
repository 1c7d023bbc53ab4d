using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Loco.Core.Numerics;

/// <summary>
/// A vector of doubles for kernels that must give the same bits at every width: every member is one correctly
/// rounded IEEE operation per element (FusedMultiplyAdd a single rounding), so a kernel written once against this
/// interface computes the same numbers with <see cref="Lanes512"/>, <see cref="Lanes256"/>, <see cref="Lanes128"/> or
/// <see cref="Lanes64"/> (scalar), provided it assigns elements to a fixed number of logical lanes and reduces
/// them in a fixed order (see <see cref="FixedOrder"/>). The JIT specializes such a kernel per struct.
/// </summary>
internal interface ILanes<TV> where TV : struct, ILanes<TV>
{
    /// <summary>Doubles per vector.</summary>
    static abstract int Count { get; }
    static abstract TV Zero { get; }
    static abstract TV Create(double value);
    static abstract TV Load(ref double source, nuint offset);
    /// <summary>Loads <see cref="Count"/> floats, each widened to double (exact).</summary>
    static abstract TV LoadWidened(ref float source, nuint offset);
    static abstract void Store(TV value, ref double destination, nuint offset);
    static abstract TV operator +(TV x, TV y);
    static abstract TV operator -(TV x, TV y);
    static abstract TV operator *(TV x, TV y);
    /// <summary>x·y + z with a single rounding.</summary>
    static abstract TV FusedMultiplyAdd(TV x, TV y, TV z);
}

internal readonly struct Lanes512(Vector512<double> v) : ILanes<Lanes512>
{
    private readonly Vector512<double> _v = v;
    public static int Count => Vector512<double>.Count;
    public static Lanes512 Zero => new(Vector512<double>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 Create(double value) => new(Vector512.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 Load(ref double source, nuint offset) => new(Vector512.LoadUnsafe(ref source, offset));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 LoadWidened(ref float source, nuint offset) => new(Vector512.WidenLower(Vector256.LoadUnsafe(ref source, offset).ToVector512Unsafe()));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Lanes512 value, ref double destination, nuint offset) => value._v.StoreUnsafe(ref destination, offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 operator +(Lanes512 x, Lanes512 y) => new(x._v + y._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 operator -(Lanes512 x, Lanes512 y) => new(x._v - y._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 operator *(Lanes512 x, Lanes512 y) => new(x._v * y._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 FusedMultiplyAdd(Lanes512 x, Lanes512 y, Lanes512 z) => new(Vector512.FusedMultiplyAdd(x._v, y._v, z._v));
}

internal readonly struct Lanes256(Vector256<double> v) : ILanes<Lanes256>
{
    private readonly Vector256<double> _v = v;
    public static int Count => Vector256<double>.Count;
    public static Lanes256 Zero => new(Vector256<double>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Create(double value) => new(Vector256.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Load(ref double source, nuint offset) => new(Vector256.LoadUnsafe(ref source, offset));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 LoadWidened(ref float source, nuint offset) => new(Vector256.WidenLower(Vector128.LoadUnsafe(ref source, offset).ToVector256Unsafe()));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Lanes256 value, ref double destination, nuint offset) => value._v.StoreUnsafe(ref destination, offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 operator +(Lanes256 x, Lanes256 y) => new(x._v + y._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 operator -(Lanes256 x, Lanes256 y) => new(x._v - y._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 operator *(Lanes256 x, Lanes256 y) => new(x._v * y._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 FusedMultiplyAdd(Lanes256 x, Lanes256 y, Lanes256 z) => new(Vector256.FusedMultiplyAdd(x._v, y._v, z._v));
}

internal readonly struct Lanes128(Vector128<double> v) : ILanes<Lanes128>
{
    private readonly Vector128<double> _v = v;
    public static int Count => Vector128<double>.Count;
    public static Lanes128 Zero => new(Vector128<double>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 Create(double value) => new(Vector128.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 Load(ref double source, nuint offset) => new(Vector128.LoadUnsafe(ref source, offset));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 LoadWidened(ref float source, nuint offset) => new(Vector128.WidenLower(Vector64.LoadUnsafe(ref source, offset).ToVector128Unsafe()));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Lanes128 value, ref double destination, nuint offset) => value._v.StoreUnsafe(ref destination, offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 operator +(Lanes128 x, Lanes128 y) => new(x._v + y._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 operator -(Lanes128 x, Lanes128 y) => new(x._v - y._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 operator *(Lanes128 x, Lanes128 y) => new(x._v * y._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 FusedMultiplyAdd(Lanes128 x, Lanes128 y, Lanes128 z) => new(Vector128.FusedMultiplyAdd(x._v, y._v, z._v));
}

/// <summary>The scalar reference: one double, <see cref="Math.FusedMultiplyAdd"/> for every FMA.</summary>
internal readonly struct Lanes64(double v) : ILanes<Lanes64>
{
    private readonly double _v = v;
    public double Value => _v;
    public static int Count => 1;
    public static Lanes64 Zero => new(0.0);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes64 Create(double value) => new(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes64 Load(ref double source, nuint offset) => new(Unsafe.Add(ref source, offset));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes64 LoadWidened(ref float source, nuint offset) => new(Unsafe.Add(ref source, offset));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Lanes64 value, ref double destination, nuint offset) => Unsafe.Add(ref destination, offset) = value._v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes64 operator +(Lanes64 x, Lanes64 y) => new(x._v + y._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes64 operator -(Lanes64 x, Lanes64 y) => new(x._v - y._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes64 operator *(Lanes64 x, Lanes64 y) => new(x._v * y._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes64 FusedMultiplyAdd(Lanes64 x, Lanes64 y, Lanes64 z) => new(Math.FusedMultiplyAdd(x._v, y._v, z._v));
}

/// <summary>Which <see cref="ILanes{TV}"/> a kernel runs on; every choice gives the same bits.</summary>
internal enum LaneWidth
{
    /// <summary>The widest hardware-accelerated width (see <see cref="LaneDispatch.Resolve"/>).</summary>
    Auto,
    W512,
    W256,
    W128,
    Scalar,
}

/// <summary>Picks the vector width a kernel runs on.</summary>
internal static class LaneDispatch
{
    /// <summary>Hardware FMA for vectors: without it (x64 below AVX2), .NET emulates vector FMA element by element.</summary>
    public static readonly bool HasVectorFma = Fma.IsSupported || AdvSimd.Arm64.IsSupported;

    /// <summary>
    /// Auto: Vector512 where accelerated (AVX-512 brings FMA), else Vector256 or Vector128 where accelerated and the
    /// hardware has a vector FMA, else scalar. No path ever runs on emulated vectors.
    /// </summary>
    public static LaneWidth Resolve(LaneWidth width) => width switch
    {
        LaneWidth.Auto when Vector512.IsHardwareAccelerated && HasVectorFma => LaneWidth.W512,
        LaneWidth.Auto when Vector256.IsHardwareAccelerated && HasVectorFma => LaneWidth.W256,
        LaneWidth.Auto when Vector128.IsHardwareAccelerated && HasVectorFma => LaneWidth.W128,
        LaneWidth.Auto => LaneWidth.Scalar,
        _ => width,
    };

    /// <summary>
    /// For kernels without FMA (only +, −, ×): the widest hardware-accelerated width, FMA or not (SSE2 without AVX2 runs
    /// Vector128), else scalar.
    /// </summary>
    public static LaneWidth ResolveWithoutFma(LaneWidth width) => width switch
    {
        LaneWidth.Auto when Vector512.IsHardwareAccelerated => LaneWidth.W512,
        LaneWidth.Auto when Vector256.IsHardwareAccelerated => LaneWidth.W256,
        LaneWidth.Auto when Vector128.IsHardwareAccelerated => LaneWidth.W128,
        LaneWidth.Auto => LaneWidth.Scalar,
        _ => width,
    };
}
