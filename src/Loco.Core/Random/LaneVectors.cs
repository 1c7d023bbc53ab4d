using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Loco.Core.Random;

// The vector kernel is written once, generically, against these two interfaces; the JIT specializes it
// for each struct below, so the wrappers cost nothing. Every member maps to one correctly rounded IEEE
// operation or an exact bit operation, which is what keeps the Vector512 and Vector256 kernels
// bit-identical to the scalar reference.

/// <summary>A vector of 64-bit generator words, one element per logical lane.</summary>
internal interface IBitLanes<TU, TD>
    where TU : struct, IBitLanes<TU, TD>
    where TD : struct, IRealLanes<TD, TU>
{
    static abstract int Count { get; }
    static abstract TU Create(ulong value);
    static abstract TU Load(ref ulong source, nuint offset);
    static abstract void Store(TU value, ref ulong destination, nuint offset);
    static abstract TU operator ^(TU x, TU y);
    static abstract TU operator &(TU x, TU y);
    static abstract TU operator |(TU x, TU y);
    static abstract TU operator +(TU x, TU y);
    static abstract TU operator *(TU x, ulong y);
    static abstract TU operator <<(TU x, int count);
    static abstract TU operator >>>(TU x, int count);
    static abstract TU RotateLeft(TU x, [ConstantExpected] byte count);
    /// <summary>All ones where the top bit is set, else zero (an arithmetic shift by 63).</summary>
    static abstract TU TopBitMask(TU x);
    static abstract TD AsReal(TU x);
    /// <summary>Exact for values below 2^53, the only ones we convert.</summary>
    static abstract TD ConvertToReal(TU x);
}

/// <summary>A vector of doubles, one element per logical lane.</summary>
internal interface IRealLanes<TD, TU>
    where TD : struct, IRealLanes<TD, TU>
    where TU : struct, IBitLanes<TU, TD>
{
    static abstract TD Create(double value);
    static abstract void Store(TD value, ref double destination, nuint offset);
    /// <summary>Rounds each element to float (IEEE round to nearest, like a scalar cast) and stores it.</summary>
    static abstract void StoreSingle(TD value, ref float destination, nuint offset);
    static abstract TD operator +(TD x, TD y);
    static abstract TD operator -(TD x, TD y);
    static abstract TD operator *(TD x, TD y);
    static abstract TD operator /(TD x, TD y);
    /// <summary>x·y + z with a single rounding (never split into multiply then add).</summary>
    static abstract TD FusedMultiplyAdd(TD x, TD y, TD z);
    static abstract TD Sqrt(TD x);
    static abstract TD Select(TU mask, TD whereSet, TD whereClear);
    static abstract TU AsBits(TD x);
}

internal readonly struct Bits512(Vector512<ulong> v) : IBitLanes<Bits512, Real512>
{
    private readonly Vector512<ulong> _v = v;
    public static int Count => Vector512<ulong>.Count;
    public static Bits512 Create(ulong value) => new(Vector512.Create(value));
    public static Bits512 Load(ref ulong source, nuint offset) => new(Vector512.LoadUnsafe(ref source, offset));
    public static void Store(Bits512 value, ref ulong destination, nuint offset) => value._v.StoreUnsafe(ref destination, offset);
    public static Bits512 operator ^(Bits512 x, Bits512 y) => new(x._v ^ y._v);
    public static Bits512 operator &(Bits512 x, Bits512 y) => new(x._v & y._v);
    public static Bits512 operator |(Bits512 x, Bits512 y) => new(x._v | y._v);
    public static Bits512 operator +(Bits512 x, Bits512 y) => new(x._v + y._v);
    public static Bits512 operator *(Bits512 x, ulong y) => new(x._v * y);
    public static Bits512 operator <<(Bits512 x, int count) => new(x._v << count);
    public static Bits512 operator >>>(Bits512 x, int count) => new(x._v >>> count);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Bits512 RotateLeft(Bits512 x, [ConstantExpected] byte count) =>
        new(Avx512F.IsSupported ? Avx512F.RotateLeft(x._v, count) : (x._v << count) | (x._v >>> (64 - count)));
    public static Bits512 TopBitMask(Bits512 x) => new((x._v.AsInt64() >> 63).AsUInt64());
    public static Real512 AsReal(Bits512 x) => new(x._v.AsDouble());
    public static Real512 ConvertToReal(Bits512 x) => new(Vector512.ConvertToDouble(x._v));
    public Vector512<ulong> Value => _v;
}

internal readonly struct Real512(Vector512<double> v) : IRealLanes<Real512, Bits512>
{
    private readonly Vector512<double> _v = v;
    public static Real512 Create(double value) => new(Vector512.Create(value));
    public static void Store(Real512 value, ref double destination, nuint offset) => value._v.StoreUnsafe(ref destination, offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreSingle(Real512 value, ref float destination, nuint offset) =>
        (Avx512F.IsSupported ? Avx512F.ConvertToVector256Single(value._v) : Vector512.Narrow(value._v, value._v).GetLower())
            .StoreUnsafe(ref destination, offset);
    public static Real512 operator +(Real512 x, Real512 y) => new(x._v + y._v);
    public static Real512 operator -(Real512 x, Real512 y) => new(x._v - y._v);
    public static Real512 operator *(Real512 x, Real512 y) => new(x._v * y._v);
    public static Real512 operator /(Real512 x, Real512 y) => new(x._v / y._v);
    public static Real512 FusedMultiplyAdd(Real512 x, Real512 y, Real512 z) => new(Vector512.FusedMultiplyAdd(x._v, y._v, z._v));
    public static Real512 Sqrt(Real512 x) => new(Vector512.Sqrt(x._v));
    public static Real512 Select(Bits512 mask, Real512 whereSet, Real512 whereClear) =>
        new(Vector512.ConditionalSelect(mask.Value.AsDouble(), whereSet._v, whereClear._v));
    public static Bits512 AsBits(Real512 x) => new(x._v.AsUInt64());
}

internal readonly struct Bits256(Vector256<ulong> v) : IBitLanes<Bits256, Real256>
{
    private readonly Vector256<ulong> _v = v;
    public static int Count => Vector256<ulong>.Count;
    public static Bits256 Create(ulong value) => new(Vector256.Create(value));
    public static Bits256 Load(ref ulong source, nuint offset) => new(Vector256.LoadUnsafe(ref source, offset));
    public static void Store(Bits256 value, ref ulong destination, nuint offset) => value._v.StoreUnsafe(ref destination, offset);
    public static Bits256 operator ^(Bits256 x, Bits256 y) => new(x._v ^ y._v);
    public static Bits256 operator &(Bits256 x, Bits256 y) => new(x._v & y._v);
    public static Bits256 operator |(Bits256 x, Bits256 y) => new(x._v | y._v);
    public static Bits256 operator +(Bits256 x, Bits256 y) => new(x._v + y._v);
    public static Bits256 operator *(Bits256 x, ulong y) => new(x._v * y);
    public static Bits256 operator <<(Bits256 x, int count) => new(x._v << count);
    public static Bits256 operator >>>(Bits256 x, int count) => new(x._v >>> count);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Bits256 RotateLeft(Bits256 x, [ConstantExpected] byte count) =>
        new(Avx512F.VL.IsSupported ? Avx512F.VL.RotateLeft(x._v, count) : (x._v << count) | (x._v >>> (64 - count)));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Bits256 TopBitMask(Bits256 x) => new(Avx512F.VL.IsSupported
        ? (x._v.AsInt64() >> 63).AsUInt64()
        : Vector256.LessThan(x._v.AsInt64(), Vector256<long>.Zero).AsUInt64()); // AVX2 lacks a 64-bit arithmetic shift

    public static Real256 AsReal(Bits256 x) => new(x._v.AsDouble());
    public static Real256 ConvertToReal(Bits256 x) => new(Vector256.ConvertToDouble(x._v));
    public Vector256<ulong> Value => _v;
}

internal readonly struct Real256(Vector256<double> v) : IRealLanes<Real256, Bits256>
{
    private readonly Vector256<double> _v = v;
    public static Real256 Create(double value) => new(Vector256.Create(value));
    public static void Store(Real256 value, ref double destination, nuint offset) => value._v.StoreUnsafe(ref destination, offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreSingle(Real256 value, ref float destination, nuint offset) =>
        (Avx.IsSupported ? Avx.ConvertToVector128Single(value._v) : Vector256.Narrow(value._v, value._v).GetLower())
            .StoreUnsafe(ref destination, offset);
    public static Real256 operator +(Real256 x, Real256 y) => new(x._v + y._v);
    public static Real256 operator -(Real256 x, Real256 y) => new(x._v - y._v);
    public static Real256 operator *(Real256 x, Real256 y) => new(x._v * y._v);
    public static Real256 operator /(Real256 x, Real256 y) => new(x._v / y._v);
    public static Real256 FusedMultiplyAdd(Real256 x, Real256 y, Real256 z) => new(Vector256.FusedMultiplyAdd(x._v, y._v, z._v));
    public static Real256 Sqrt(Real256 x) => new(Vector256.Sqrt(x._v));
    public static Real256 Select(Bits256 mask, Real256 whereSet, Real256 whereClear) =>
        new(Vector256.ConditionalSelect(mask.Value.AsDouble(), whereSet._v, whereClear._v));
    public static Bits256 AsBits(Real256 x) => new(x._v.AsUInt64());
}

internal readonly struct Bits128(Vector128<ulong> v) : IBitLanes<Bits128, Real128>
{
    private readonly Vector128<ulong> _v = v;
    public static int Count => Vector128<ulong>.Count;
    public static Bits128 Create(ulong value) => new(Vector128.Create(value));
    public static Bits128 Load(ref ulong source, nuint offset) => new(Vector128.LoadUnsafe(ref source, offset));
    public static void Store(Bits128 value, ref ulong destination, nuint offset) => value._v.StoreUnsafe(ref destination, offset);
    public static Bits128 operator ^(Bits128 x, Bits128 y) => new(x._v ^ y._v);
    public static Bits128 operator &(Bits128 x, Bits128 y) => new(x._v & y._v);
    public static Bits128 operator |(Bits128 x, Bits128 y) => new(x._v | y._v);
    public static Bits128 operator +(Bits128 x, Bits128 y) => new(x._v + y._v);
    public static Bits128 operator *(Bits128 x, ulong y) => new(x._v * y);
    public static Bits128 operator <<(Bits128 x, int count) => new(x._v << count);
    public static Bits128 operator >>>(Bits128 x, int count) => new(x._v >>> count);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Bits128 RotateLeft(Bits128 x, [ConstantExpected] byte count) =>
        new(Avx512F.VL.IsSupported ? Avx512F.VL.RotateLeft(x._v, count) : (x._v << count) | (x._v >>> (64 - count)));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Bits128 TopBitMask(Bits128 x) => new(Avx512F.VL.IsSupported
        ? (x._v.AsInt64() >> 63).AsUInt64()
        : Vector128.LessThan(x._v.AsInt64(), Vector128<long>.Zero).AsUInt64()); // SSE lacks a 64-bit arithmetic shift
    public static Real128 AsReal(Bits128 x) => new(x._v.AsDouble());
    public static Real128 ConvertToReal(Bits128 x) => new(Vector128.ConvertToDouble(x._v));
    public Vector128<ulong> Value => _v;
}

internal readonly struct Real128(Vector128<double> v) : IRealLanes<Real128, Bits128>
{
    private readonly Vector128<double> _v = v;
    public static Real128 Create(double value) => new(Vector128.Create(value));
    public static void Store(Real128 value, ref double destination, nuint offset) => value._v.StoreUnsafe(ref destination, offset);
    public static void StoreSingle(Real128 value, ref float destination, nuint offset) =>
        Vector128.Narrow(value._v, value._v).GetLower().StoreUnsafe(ref destination, offset);
    public static Real128 operator +(Real128 x, Real128 y) => new(x._v + y._v);
    public static Real128 operator -(Real128 x, Real128 y) => new(x._v - y._v);
    public static Real128 operator *(Real128 x, Real128 y) => new(x._v * y._v);
    public static Real128 operator /(Real128 x, Real128 y) => new(x._v / y._v);
    public static Real128 FusedMultiplyAdd(Real128 x, Real128 y, Real128 z) => new(Vector128.FusedMultiplyAdd(x._v, y._v, z._v));
    public static Real128 Sqrt(Real128 x) => new(Vector128.Sqrt(x._v));
    public static Real128 Select(Bits128 mask, Real128 whereSet, Real128 whereClear) =>
        new(Vector128.ConditionalSelect(mask.Value.AsDouble(), whereSet._v, whereClear._v));
    public static Bits128 AsBits(Real128 x) => new(x._v.AsUInt64());
}
