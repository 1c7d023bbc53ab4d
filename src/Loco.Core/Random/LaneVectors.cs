using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Loco.Core.Random;

// The vector kernels are written once, generically, against these interfaces; the JIT specializes it
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
    static abstract TU operator +(TU x, TU y);
    static abstract TU operator <<(TU x, int count);
    static abstract TU operator >>>(TU x, int count);
    static abstract TU RotateLeft(TU x, [ConstantExpected] byte count);
    /// <summary>Exact for values below 2^53, the only ones we convert.</summary>
    static abstract TD ConvertToReal(TU x);
}

/// <summary>A vector of doubles, one element per logical lane (the uniform kernel's output).</summary>
internal interface IRealLanes<TD, TU>
    where TD : struct, IRealLanes<TD, TU>
    where TU : struct, IBitLanes<TU, TD>
{
    static abstract TD Create(double value);
    static abstract void Store(TD value, ref double destination, nuint offset);
    static abstract TD operator *(TD x, TD y);
}

internal readonly struct Bits512(Vector512<ulong> v) : IBitLanes<Bits512, Real512>
{
    private readonly Vector512<ulong> _v = v;
    public static int Count => Vector512<ulong>.Count;
    public static Bits512 Create(ulong value) => new(Vector512.Create(value));
    public static Bits512 Load(ref ulong source, nuint offset) => new(Vector512.LoadUnsafe(ref source, offset));
    public static void Store(Bits512 value, ref ulong destination, nuint offset) => value._v.StoreUnsafe(ref destination, offset);
    public static Bits512 operator ^(Bits512 x, Bits512 y) => new(x._v ^ y._v);
    public static Bits512 operator +(Bits512 x, Bits512 y) => new(x._v + y._v);
    public static Bits512 operator <<(Bits512 x, int count) => new(x._v << count);
    public static Bits512 operator >>>(Bits512 x, int count) => new(x._v >>> count);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Bits512 RotateLeft(Bits512 x, [ConstantExpected] byte count) =>
        new(Avx512F.IsSupported ? Avx512F.RotateLeft(x._v, count) : (x._v << count) | (x._v >>> (64 - count)));
    public static Real512 ConvertToReal(Bits512 x) => new(Vector512.ConvertToDouble(x._v));
    public Vector512<ulong> Value => _v;
}

internal readonly struct Real512(Vector512<double> v) : IRealLanes<Real512, Bits512>
{
    private readonly Vector512<double> _v = v;
    public static Real512 Create(double value) => new(Vector512.Create(value));
    public static void Store(Real512 value, ref double destination, nuint offset) => value._v.StoreUnsafe(ref destination, offset);
    public static Real512 operator *(Real512 x, Real512 y) => new(x._v * y._v);
}

internal readonly struct Bits256(Vector256<ulong> v) : IBitLanes<Bits256, Real256>
{
    private readonly Vector256<ulong> _v = v;
    public static int Count => Vector256<ulong>.Count;
    public static Bits256 Create(ulong value) => new(Vector256.Create(value));
    public static Bits256 Load(ref ulong source, nuint offset) => new(Vector256.LoadUnsafe(ref source, offset));
    public static void Store(Bits256 value, ref ulong destination, nuint offset) => value._v.StoreUnsafe(ref destination, offset);
    public static Bits256 operator ^(Bits256 x, Bits256 y) => new(x._v ^ y._v);
    public static Bits256 operator +(Bits256 x, Bits256 y) => new(x._v + y._v);
    public static Bits256 operator <<(Bits256 x, int count) => new(x._v << count);
    public static Bits256 operator >>>(Bits256 x, int count) => new(x._v >>> count);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Bits256 RotateLeft(Bits256 x, [ConstantExpected] byte count) =>
        new(Avx512F.VL.IsSupported ? Avx512F.VL.RotateLeft(x._v, count) : (x._v << count) | (x._v >>> (64 - count)));
    public static Real256 ConvertToReal(Bits256 x) => new(Vector256.ConvertToDouble(x._v));
    public Vector256<ulong> Value => _v;
}

internal readonly struct Real256(Vector256<double> v) : IRealLanes<Real256, Bits256>
{
    private readonly Vector256<double> _v = v;
    public static Real256 Create(double value) => new(Vector256.Create(value));
    public static void Store(Real256 value, ref double destination, nuint offset) => value._v.StoreUnsafe(ref destination, offset);
    public static Real256 operator *(Real256 x, Real256 y) => new(x._v * y._v);
}

internal readonly struct Bits128(Vector128<ulong> v) : IBitLanes<Bits128, Real128>
{
    private readonly Vector128<ulong> _v = v;
    public static int Count => Vector128<ulong>.Count;
    public static Bits128 Create(ulong value) => new(Vector128.Create(value));
    public static Bits128 Load(ref ulong source, nuint offset) => new(Vector128.LoadUnsafe(ref source, offset));
    public static void Store(Bits128 value, ref ulong destination, nuint offset) => value._v.StoreUnsafe(ref destination, offset);
    public static Bits128 operator ^(Bits128 x, Bits128 y) => new(x._v ^ y._v);
    public static Bits128 operator +(Bits128 x, Bits128 y) => new(x._v + y._v);
    public static Bits128 operator <<(Bits128 x, int count) => new(x._v << count);
    public static Bits128 operator >>>(Bits128 x, int count) => new(x._v >>> count);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Bits128 RotateLeft(Bits128 x, [ConstantExpected] byte count) =>
        new(Avx512F.VL.IsSupported ? Avx512F.VL.RotateLeft(x._v, count) : (x._v << count) | (x._v >>> (64 - count)));
    public static Real128 ConvertToReal(Bits128 x) => new(Vector128.ConvertToDouble(x._v));
    public Vector128<ulong> Value => _v;
}

internal readonly struct Real128(Vector128<double> v) : IRealLanes<Real128, Bits128>
{
    private readonly Vector128<double> _v = v;
    public static Real128 Create(double value) => new(Vector128.Create(value));
    public static void Store(Real128 value, ref double destination, nuint offset) => value._v.StoreUnsafe(ref destination, offset);
    public static Real128 operator *(Real128 x, Real128 y) => new(x._v * y._v);
}


/// <summary>
/// A vector of 32-bit generator half-words, one element per Box–Muller lane: element 2i is the low half of
/// generator lane i's word, element 2i + 1 its high half (the little-endian reinterpretation of <typeparamref name="TU"/>).
/// </summary>
internal interface IWordLanes<TW, TF, TU>
    where TW : struct, IWordLanes<TW, TF, TU>
    where TF : struct, ISingleLanes<TF, TW>
    where TU : struct
{
    static abstract int Count { get; }
    static abstract TW From(TU bits);
    static abstract TW Create(uint value);
    static abstract TW operator ^(TW x, TW y);
    static abstract TW operator &(TW x, TW y);
    static abstract TW operator |(TW x, TW y);
    static abstract TW operator +(TW x, TW y);
    static abstract TW operator <<(TW x, int count);
    static abstract TW operator >>>(TW x, int count);
    static abstract TF AsSingle(TW x);
    /// <summary>Each element read as a signed 32-bit integer and rounded to float (IEEE round to nearest, like a scalar cast).</summary>
    static abstract TF ConvertToSingle(TW x);
}

/// <summary>A vector of floats, one element per Box–Muller lane.</summary>
internal interface ISingleLanes<TF, TW>
    where TF : struct, ISingleLanes<TF, TW>
    where TW : struct
{
    static abstract TF Create(float value);
    static abstract TF operator +(TF x, TF y);
    static abstract TF operator -(TF x, TF y);
    static abstract TF operator *(TF x, TF y);
    static abstract TF operator /(TF x, TF y);
    /// <summary>x·y + z with a single rounding (never split into multiply then add).</summary>
    static abstract TF FusedMultiplyAdd(TF x, TF y, TF z);
    static abstract TF Sqrt(TF x);
    /// <summary>Per element, <paramref name="whereSet"/> where the top bit of <paramref name="selector"/>'s element is set, else <paramref name="whereClear"/>.</summary>
    static abstract TF SelectByTopBit(TW selector, TF whereSet, TF whereClear);
    static abstract TW AsWords(TF x);
    static abstract void Store(TF value, ref float destination, nuint offset);
    static abstract TF Load(ref float source, nuint offset);
    /// <summary>Stores each element widened to double (exact).</summary>
    static abstract void StoreWidened(TF value, ref double destination, nuint offset);
}

internal readonly struct Words512(Vector512<uint> v) : IWordLanes<Words512, Single512, Bits512>
{
    private readonly Vector512<uint> _v = v;
    public static int Count => Vector512<uint>.Count;
    public static Words512 From(Bits512 bits) => new(bits.Value.AsUInt32());
    public static Words512 Create(uint value) => new(Vector512.Create(value));
    public static Words512 operator ^(Words512 x, Words512 y) => new(x._v ^ y._v);
    public static Words512 operator &(Words512 x, Words512 y) => new(x._v & y._v);
    public static Words512 operator |(Words512 x, Words512 y) => new(x._v | y._v);
    public static Words512 operator +(Words512 x, Words512 y) => new(x._v + y._v);
    public static Words512 operator <<(Words512 x, int count) => new(x._v << count);
    public static Words512 operator >>>(Words512 x, int count) => new(x._v >>> count);
    public static Single512 AsSingle(Words512 x) => new(x._v.AsSingle());
    public static Single512 ConvertToSingle(Words512 x) => new(Vector512.ConvertToSingle(x._v.AsInt32()));
    public Vector512<uint> Value => _v;
}

internal readonly struct Single512(Vector512<float> v) : ISingleLanes<Single512, Words512>
{
    private readonly Vector512<float> _v = v;
    public static Single512 Create(float value) => new(Vector512.Create(value));
    public static Single512 operator +(Single512 x, Single512 y) => new(x._v + y._v);
    public static Single512 operator -(Single512 x, Single512 y) => new(x._v - y._v);
    public static Single512 operator *(Single512 x, Single512 y) => new(x._v * y._v);
    public static Single512 operator /(Single512 x, Single512 y) => new(x._v / y._v);
    public static Single512 FusedMultiplyAdd(Single512 x, Single512 y, Single512 z) => new(Vector512.FusedMultiplyAdd(x._v, y._v, z._v));
    public static Single512 Sqrt(Single512 x) => new(Vector512.Sqrt(x._v));
    public static Single512 SelectByTopBit(Words512 selector, Single512 whereSet, Single512 whereClear) =>
        new(Vector512.ConditionalSelect((selector.Value.AsInt32() >> 31).AsSingle(), whereSet._v, whereClear._v));
    public static Words512 AsWords(Single512 x) => new(x._v.AsUInt32());
    public static void Store(Single512 value, ref float destination, nuint offset) => value._v.StoreUnsafe(ref destination, offset);
    public static Single512 Load(ref float source, nuint offset) => new(Vector512.LoadUnsafe(ref source, offset));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreWidened(Single512 value, ref double destination, nuint offset)
    {
        (Vector512<double> lower, Vector512<double> upper) = Vector512.Widen(value._v);
        lower.StoreUnsafe(ref destination, offset);
        upper.StoreUnsafe(ref destination, offset + (nuint)Vector512<double>.Count);
    }
}

internal readonly struct Words256(Vector256<uint> v) : IWordLanes<Words256, Single256, Bits256>
{
    private readonly Vector256<uint> _v = v;
    public static int Count => Vector256<uint>.Count;
    public static Words256 From(Bits256 bits) => new(bits.Value.AsUInt32());
    public static Words256 Create(uint value) => new(Vector256.Create(value));
    public static Words256 operator ^(Words256 x, Words256 y) => new(x._v ^ y._v);
    public static Words256 operator &(Words256 x, Words256 y) => new(x._v & y._v);
    public static Words256 operator |(Words256 x, Words256 y) => new(x._v | y._v);
    public static Words256 operator +(Words256 x, Words256 y) => new(x._v + y._v);
    public static Words256 operator <<(Words256 x, int count) => new(x._v << count);
    public static Words256 operator >>>(Words256 x, int count) => new(x._v >>> count);
    public static Single256 AsSingle(Words256 x) => new(x._v.AsSingle());
    public static Single256 ConvertToSingle(Words256 x) => new(Vector256.ConvertToSingle(x._v.AsInt32()));
    public Vector256<uint> Value => _v;
}

internal readonly struct Single256(Vector256<float> v) : ISingleLanes<Single256, Words256>
{
    private readonly Vector256<float> _v = v;
    public static Single256 Create(float value) => new(Vector256.Create(value));
    public static Single256 operator +(Single256 x, Single256 y) => new(x._v + y._v);
    public static Single256 operator -(Single256 x, Single256 y) => new(x._v - y._v);
    public static Single256 operator *(Single256 x, Single256 y) => new(x._v * y._v);
    public static Single256 operator /(Single256 x, Single256 y) => new(x._v / y._v);
    public static Single256 FusedMultiplyAdd(Single256 x, Single256 y, Single256 z) => new(Vector256.FusedMultiplyAdd(x._v, y._v, z._v));
    public static Single256 Sqrt(Single256 x) => new(Vector256.Sqrt(x._v));
    // AVX's blend reads the selector's top bit itself: one instruction where a mask and a select take four.
    public static Single256 SelectByTopBit(Words256 selector, Single256 whereSet, Single256 whereClear) => Avx.IsSupported
        ? new(Avx.BlendVariable(whereClear._v, whereSet._v, selector.Value.AsSingle()))
        : new(Vector256.ConditionalSelect((selector.Value.AsInt32() >> 31).AsSingle(), whereSet._v, whereClear._v));
    public static Words256 AsWords(Single256 x) => new(x._v.AsUInt32());
    public static void Store(Single256 value, ref float destination, nuint offset) => value._v.StoreUnsafe(ref destination, offset);
    public static Single256 Load(ref float source, nuint offset) => new(Vector256.LoadUnsafe(ref source, offset));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreWidened(Single256 value, ref double destination, nuint offset)
    {
        (Vector256<double> lower, Vector256<double> upper) = Vector256.Widen(value._v);
        lower.StoreUnsafe(ref destination, offset);
        upper.StoreUnsafe(ref destination, offset + (nuint)Vector256<double>.Count);
    }
}

internal readonly struct Words128(Vector128<uint> v) : IWordLanes<Words128, Single128, Bits128>
{
    private readonly Vector128<uint> _v = v;
    public static int Count => Vector128<uint>.Count;
    public static Words128 From(Bits128 bits) => new(bits.Value.AsUInt32());
    public static Words128 Create(uint value) => new(Vector128.Create(value));
    public static Words128 operator ^(Words128 x, Words128 y) => new(x._v ^ y._v);
    public static Words128 operator &(Words128 x, Words128 y) => new(x._v & y._v);
    public static Words128 operator |(Words128 x, Words128 y) => new(x._v | y._v);
    public static Words128 operator +(Words128 x, Words128 y) => new(x._v + y._v);
    public static Words128 operator <<(Words128 x, int count) => new(x._v << count);
    public static Words128 operator >>>(Words128 x, int count) => new(x._v >>> count);
    public static Single128 AsSingle(Words128 x) => new(x._v.AsSingle());
    public static Single128 ConvertToSingle(Words128 x) => new(Vector128.ConvertToSingle(x._v.AsInt32()));
    public Vector128<uint> Value => _v;
}

internal readonly struct Single128(Vector128<float> v) : ISingleLanes<Single128, Words128>
{
    private readonly Vector128<float> _v = v;
    public static Single128 Create(float value) => new(Vector128.Create(value));
    public static Single128 operator +(Single128 x, Single128 y) => new(x._v + y._v);
    public static Single128 operator -(Single128 x, Single128 y) => new(x._v - y._v);
    public static Single128 operator *(Single128 x, Single128 y) => new(x._v * y._v);
    public static Single128 operator /(Single128 x, Single128 y) => new(x._v / y._v);
    public static Single128 FusedMultiplyAdd(Single128 x, Single128 y, Single128 z) => new(Vector128.FusedMultiplyAdd(x._v, y._v, z._v));
    public static Single128 Sqrt(Single128 x) => new(Vector128.Sqrt(x._v));
    public static Single128 SelectByTopBit(Words128 selector, Single128 whereSet, Single128 whereClear) => Sse41.IsSupported
        ? new(Sse41.BlendVariable(whereClear._v, whereSet._v, selector.Value.AsSingle()))
        : new(Vector128.ConditionalSelect((selector.Value.AsInt32() >> 31).AsSingle(), whereSet._v, whereClear._v));
    public static Words128 AsWords(Single128 x) => new(x._v.AsUInt32());
    public static void Store(Single128 value, ref float destination, nuint offset) => value._v.StoreUnsafe(ref destination, offset);
    public static Single128 Load(ref float source, nuint offset) => new(Vector128.LoadUnsafe(ref source, offset));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreWidened(Single128 value, ref double destination, nuint offset)
    {
        (Vector128<double> lower, Vector128<double> upper) = Vector128.Widen(value._v);
        lower.StoreUnsafe(ref destination, offset);
        upper.StoreUnsafe(ref destination, offset + (nuint)Vector128<double>.Count);
    }
}
