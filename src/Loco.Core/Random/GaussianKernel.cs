using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Loco.Core.Random;

/// <summary>Which implementation generates blocks; every choice yields the same bits.</summary>
internal enum KernelPath
{
    /// <summary>The widest hardware-accelerated vector path with hardware FMA; scalar otherwise, or in a Debug build.</summary>
    Auto,
    /// <summary>Vector512 (one vector holds all eight lanes); emulated by .NET where not accelerated.</summary>
    Vector512,
    /// <summary>Vector256 (two vectors of four lanes each).</summary>
    Vector256,
    /// <summary>Vector128 (four vectors of two lanes each), chiefly for Arm64.</summary>
    Vector128,
    /// <summary>The scalar reference: one lane at a time, System.MathF.FusedMultiplyAdd for every FMA.</summary>
    Scalar,
}

/// <summary>
/// Generates whole blocks. A Gaussian block is two generator steps of all eight lanes, words a then b,
/// split into sixteen 32-bit halves (half 2i + h is half h of lane i, low half first) and put through
/// one Box–Muller step: z0 of halves 0–15, then z1 of halves 0–15. A uniform block is one generator
/// step of all eight lanes.
/// </summary>
internal static class GaussianKernel
{
    public const int Lanes = Xoshiro256Lanes.Lanes;
    public const int HalfLanes = 2 * Lanes;
    public const int BlockLength = 2 * HalfLanes;
    public const int UniformBlockLength = Lanes;

    /// <summary>Blocks per batch of the vector kernel's phases.</summary>
    private const int Batch = 8;

    private const double UniformScale = 1.0 / (1UL << 53);

    // In a Debug build the JIT inlines nothing, so the vector kernel's one-line wrappers each cost a
    // call and it runs 3× slower than the scalar loop. The bits are the same, so Auto goes scalar there.
    private static readonly bool JitOptimizerDisabled =
        typeof(GaussianKernel).Assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled ?? false;

    // Without a hardware FMA (e.g. x64 without AVX), .NET emulates vector FMA one element at a time and
    // the 128/256-bit paths fall 3× behind the scalar loop. AVX-512 always brings FMA.
    private static readonly bool HasVectorFma = Fma.IsSupported || AdvSimd.Arm64.IsSupported;

    public static KernelPath Resolve(KernelPath path) => path switch
    {
        KernelPath.Auto when JitOptimizerDisabled => KernelPath.Scalar,
        KernelPath.Auto when Vector512.IsHardwareAccelerated => KernelPath.Vector512,
        KernelPath.Auto when Vector256.IsHardwareAccelerated && HasVectorFma => KernelPath.Vector256,
        KernelPath.Auto when Vector128.IsHardwareAccelerated && HasVectorFma => KernelPath.Vector128,
        KernelPath.Auto => KernelPath.Scalar,
        _ => path,
    };

    /// <summary>Writes <c>destination.Length / BlockLength</c> Gaussian blocks; T is double or float.</summary>
    public static void Fill<T>(KernelPath path, Span<ulong> state, Span<T> destination) where T : unmanaged
    {
        if (typeof(T) != typeof(double) && typeof(T) != typeof(float))
            throw new NotSupportedException("Only double and float are supported.");
        if (destination.Length % BlockLength != 0)
            throw new ArgumentException("Length must be a whole number of blocks.", nameof(destination));
        if (destination.IsEmpty)
            return;

        switch (Resolve(path))
        {
            case KernelPath.Vector512: FillVector<Bits512, Real512, Words512, Single512, T>(state, destination); break;
            case KernelPath.Vector256: FillVector<Bits256, Real256, Words256, Single256, T>(state, destination); break;
            case KernelPath.Vector128: FillVector<Bits128, Real128, Words128, Single128, T>(state, destination); break;
            default: FillScalar(state, destination); break;
        }
    }

    /// <summary>Writes <c>destination.Length / UniformBlockLength</c> blocks of uniforms in [0, 1).</summary>
    public static void FillUniform(KernelPath path, Span<ulong> state, Span<double> destination)
    {
        if (destination.Length % UniformBlockLength != 0)
            throw new ArgumentException("Length must be a whole number of blocks.", nameof(destination));
        if (destination.IsEmpty)
            return;

        switch (Resolve(path))
        {
            case KernelPath.Vector512: FillUniformVector<Bits512, Real512>(state, destination); break;
            case KernelPath.Vector256: FillUniformVector<Bits256, Real256>(state, destination); break;
            case KernelPath.Vector128: FillUniformVector<Bits128, Real128>(state, destination); break;
            default: FillUniformScalar(state, destination); break;
        }
    }

    // AggressiveOptimization: these loops run long per call, so tiered compilation would keep them in
    // slow tier-0/OSR code for many calls; compile them fully at once. NoInlining: when a tier-1 caller
    // inlined the loop, the JIT's inlining budget ran out and the vector helpers became real calls
    // (measured 2.4× slower).

    /// <remarks>
    /// With vectors narrower than eight lanes, each group of lanes makes its own pass over the blocks,
    /// so the group's state stays in registers. The blocks go in batches of <see cref="Batch"/>, in three
    /// phases through a small buffer: the generator steps and the log's argument reduction; the log's
    /// division, polynomial and square root (a long chain of dependent operations, but few of them); the
    /// angle and the stores. Written block by block, one block's chain filled the processor's scheduler
    /// and the next block could not start; phase by phase, the chains of a batch overlap (on one Zen 4
    /// core with AVX2, about 1.0 → 1.2·10^9 normals/s, and 1.3 with AVX's top-bit blend for the octant
    /// swap; no change with AVX-512). The operations per lane, and their order within a lane, are those of the
    /// block-by-block loop: the same bits.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void FillVector<TU, TD, TW, TF, T>(Span<ulong> state, Span<T> destination)
        where TU : struct, IBitLanes<TU, TD>
        where TD : struct, IRealLanes<TD, TU>
        where TW : struct, IWordLanes<TW, TF, TU>
        where TF : struct, ISingleLanes<TF, TW>
        where T : unmanaged
    {
        ref ulong st = ref MemoryMarshal.GetReference(state);
        ref T dst = ref MemoryMarshal.GetReference(destination);
        nuint length = (nuint)destination.Length;

        // Per block of a batch, TW.Count floats each: word b's bits, then k and f (f replaced by the radius).
        Span<float> buffer = stackalloc float[3 * Batch * HalfLanes];
        ref float buf = ref MemoryMarshal.GetReference(buffer);
        nuint count = (nuint)TW.Count, stride = 3 * count;
        for (nuint group = 0; group < Lanes; group += (nuint)TU.Count)
        {
            TU s0 = TU.Load(ref st, 0 * Lanes + group);
            TU s1 = TU.Load(ref st, 1 * Lanes + group);
            TU s2 = TU.Load(ref st, 2 * Lanes + group);
            TU s3 = TU.Load(ref st, 3 * Lanes + group);

            for (nuint first = 2 * group; first < length; first += Batch * BlockLength)
            {
                nuint blocks = Math.Min(Batch, (length - first + BlockLength - 1) / BlockLength), end = blocks * stride;
                for (nuint at = 0; at < end; at += stride)
                {
                    TW a = TW.From(Xoshiro256Lanes.Next<TU, TD>(ref s0, ref s1, ref s2, ref s3));
                    TW b = TW.From(Xoshiro256Lanes.Next<TU, TD>(ref s0, ref s1, ref s2, ref s3));
                    BoxMuller.Simd<TW, TF, TU>.LogReduce(BoxMuller.Simd<TW, TF, TU>.U1(a), out TF k, out TF f);
                    TF.Store(TW.AsSingle(b), ref buf, at);
                    TF.Store(k, ref buf, at + count);
                    TF.Store(f, ref buf, at + 2 * count);
                }

                for (nuint at = 0; at < end; at += stride)
                {
                    TF.Store(BoxMuller.Simd<TW, TF, TU>.Radius(TF.Load(ref buf, at + count), TF.Load(ref buf, at + 2 * count)), ref buf, at + 2 * count);
                }

                nuint i = first;
                for (nuint at = 0; at < end; at += stride, i += BlockLength)
                {
                    BoxMuller.Simd<TW, TF, TU>.Angle(TF.Load(ref buf, at + 2 * count), TF.AsWords(TF.Load(ref buf, at)), out TF z0, out TF z1);
                    if (typeof(T) == typeof(double))
                    {
                        TF.StoreWidened(z0, ref Unsafe.As<T, double>(ref dst), i);
                        TF.StoreWidened(z1, ref Unsafe.As<T, double>(ref dst), i + HalfLanes);
                    }
                    else
                    {
                        TF.Store(z0, ref Unsafe.As<T, float>(ref dst), i);
                        TF.Store(z1, ref Unsafe.As<T, float>(ref dst), i + HalfLanes);
                    }
                }
            }

            TU.Store(s0, ref st, 0 * Lanes + group);
            TU.Store(s1, ref st, 1 * Lanes + group);
            TU.Store(s2, ref st, 2 * Lanes + group);
            TU.Store(s3, ref st, 3 * Lanes + group);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void FillScalar<T>(Span<ulong> state, Span<T> destination) where T : unmanaged
    {
        for (int i = 0; i < destination.Length; i += BlockLength)
        {
            for (int lane = 0; lane < Lanes; lane++)
            {
                ulong a = Xoshiro256Lanes.Next(state, lane);
                ulong b = Xoshiro256Lanes.Next(state, lane);
                for (int half = 0; half < 2; half++)
                {
                    int shift = 32 * half;
                    BoxMuller.Transform((uint)(a >> shift), (uint)(b >> shift), out float z0, out float z1);
                    int at = i + 2 * lane + half;
                    if (typeof(T) == typeof(double))
                    {
                        Unsafe.As<T, double>(ref destination[at]) = z0;
                        Unsafe.As<T, double>(ref destination[at + HalfLanes]) = z1;
                    }
                    else
                    {
                        Unsafe.As<T, float>(ref destination[at]) = z0;
                        Unsafe.As<T, float>(ref destination[at + HalfLanes]) = z1;
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void FillUniformVector<TU, TD>(Span<ulong> state, Span<double> destination)
        where TU : struct, IBitLanes<TU, TD>
        where TD : struct, IRealLanes<TD, TU>
    {
        ref ulong st = ref MemoryMarshal.GetReference(state);
        ref double dst = ref MemoryMarshal.GetReference(destination);
        nuint length = (nuint)destination.Length;

        for (nuint group = 0; group < Lanes; group += (nuint)TU.Count)
        {
            TU s0 = TU.Load(ref st, 0 * Lanes + group);
            TU s1 = TU.Load(ref st, 1 * Lanes + group);
            TU s2 = TU.Load(ref st, 2 * Lanes + group);
            TU s3 = TU.Load(ref st, 3 * Lanes + group);

            for (nuint i = group; i < length; i += UniformBlockLength)
            {
                TU x = Xoshiro256Lanes.Next<TU, TD>(ref s0, ref s1, ref s2, ref s3);
                // Exact: values below 2^53 convert without rounding, and scaling by 2^-53 is exact.
                TD.Store(TU.ConvertToReal(x >>> 11) * TD.Create(UniformScale), ref dst, i);
            }

            TU.Store(s0, ref st, 0 * Lanes + group);
            TU.Store(s1, ref st, 1 * Lanes + group);
            TU.Store(s2, ref st, 2 * Lanes + group);
            TU.Store(s3, ref st, 3 * Lanes + group);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void FillUniformScalar(Span<ulong> state, Span<double> destination)
    {
        for (int i = 0; i < destination.Length; i += UniformBlockLength)
            for (int lane = 0; lane < Lanes; lane++)
                destination[i + lane] = (Xoshiro256Lanes.Next(state, lane) >> 11) * UniformScale;
    }
}
