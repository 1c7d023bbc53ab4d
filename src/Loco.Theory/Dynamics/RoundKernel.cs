using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using V = System.Runtime.Intrinsics.Vector512<double>;

namespace Loco.Theory.Dynamics;

/// <summary>
/// The one-pass round of <see cref="RiskRecursion"/> (see its remarks for the derivation): one vectorised pass over
/// a block of atoms applies the outer step of the round just finished and accumulates the moments the next round's
/// inner phase needs, M_t = Σ w λ A^t E[s²] and P_t = Σ w λ q^{2t} E[s²] (t = 1..H), with Σ w λ E[s²] and the signal.
/// Per atom it reads λ, w λ, E[e(0)²] and the state (E s², E s v, E v², a, b) and writes the state: O(H) flops, no
/// per-step memory pass. The block's length must be a multiple of <see cref="Width"/>; <see cref="Tail"/> pads a
/// shorter remainder.
/// </summary>
/// <remarks>
/// Vectors are <see cref="Vector512{T}"/> (8 doubles): one AVX-512 register where the CPU has it; elsewhere the runtime
/// runs each operation as two 256-bit halves. The per-atom constants A = q² + κ₄ λ², c = κ λ and q^H are recomputed
/// from λ (a few multiplies) rather than stored, so the pass streams only λ, w λ (the same array as λ for unit
/// weights), E[e(0)²] and the five state arrays. The forcing arrives already broadcast (one vector per step), and
/// D(H) = A^H E s² + c Σ_s A^{H−1−s} F_s is evaluated by Horner's rule.
/// </remarks>
internal static class RoundKernel
{
    /// <summary>Doubles per vector.</summary>
    public static int Width => V.Count;

    /// <summary>Accumulator layout: M_1..M_H, P_1..P_H, Σ w λ E s², Σ w λ a² E e(0)².</summary>
    public static int Accumulators(int h) => 2 * h + 2;

    /// <summary>
    /// One pass over <paramref name="atoms"/>. With <paramref name="forcing"/> non-empty (F_s = S_s + σ², s = 0..H−1,
    /// each broadcast to a vector) the outer step is applied first (the restart too when <paramref name="reset"/>),
    /// then the moments of the new E[s²] are added to <paramref name="acc"/>; with it empty only the moments of the
    /// current E[s²] are.
    /// </summary>
    public static void Pass(in AtomBlock atoms, in RoundConstants p, ReadOnlySpan<V> forcing, bool reset, Span<V> acc)
    {
        int h = p.H;
        int n = atoms.Lambda.Length;
        if (n % Width != 0 || acc.Length < Accumulators(h) || (!forcing.IsEmpty && forcing.Length < h))
        {
            throw new ArgumentException("Block length must be a multiple of the vector width, the accumulators must fit and the forcing must have H steps.");
        }

        bool outer = !forcing.IsEmpty;
        V one = V.One;
        V negEta = Vector512.Create(-p.Eta);
        V vKappa = Vector512.Create(p.Kappa);
        V vKappa4 = Vector512.Create(p.Kappa4);
        V invM = Vector512.Create(p.InvM);
        V shared = Vector512.Create(p.Shared);
        OuterLinearMap m = p.Map;
        V ss2 = Vector512.Create(m.Ss * m.Ss), sv2 = Vector512.Create(m.Sv * m.Sv), sf2 = Vector512.Create(m.Sf * m.Sf);
        V ssv = Vector512.Create(2 * m.Ss * m.Sv), ssf = Vector512.Create(2 * m.Ss * m.Sf), svf = Vector512.Create(2 * m.Sv * m.Sf);
        V vs2 = Vector512.Create(m.Vs * m.Vs), vv2 = Vector512.Create(m.Vv * m.Vv), vf2 = Vector512.Create(m.Vf * m.Vf);
        V vsv = Vector512.Create(2 * m.Vs * m.Vv), vsf = Vector512.Create(2 * m.Vs * m.Vf), vvf = Vector512.Create(2 * m.Vv * m.Vf);
        V xss = Vector512.Create(m.Ss * m.Vs), xvv = Vector512.Create(m.Sv * m.Vv), xff = Vector512.Create(m.Sf * m.Vf);
        V xsv = Vector512.Create(m.Ss * m.Vv + m.Sv * m.Vs), xsf = Vector512.Create(m.Ss * m.Vf + m.Sf * m.Vs), xvf = Vector512.Create(m.Sv * m.Vf + m.Sf * m.Vv);
        V aS = Vector512.Create(m.Ss), aV = Vector512.Create(m.Sv), aF = Vector512.Create(m.Sf);
        V bS = Vector512.Create(m.Vs), bV = Vector512.Create(m.Vv), bF = Vector512.Create(m.Vf);

        // Unchecked element references: the loop stays inside the block (n is a multiple of Width).
        ref double lambda = ref MemoryMarshal.GetReference(atoms.Lambda);
        ref double weighted = ref MemoryMarshal.GetReference(atoms.WeightedLambda);
        ref double initial = ref MemoryMarshal.GetReference(atoms.InitialSquare);
        ref double ssRef = ref MemoryMarshal.GetReference(atoms.Ss);
        ref double svRef = ref MemoryMarshal.GetReference(atoms.Sv);
        ref double vvRef = ref MemoryMarshal.GetReference(atoms.Vv);
        ref double aRef = ref MemoryMarshal.GetReference(atoms.A);
        ref double bRef = ref MemoryMarshal.GetReference(atoms.B);
        ref V f0 = ref MemoryMarshal.GetReference(forcing);
        ref V acc0 = ref MemoryMarshal.GetReference(acc);
        V sumSs = acc[2 * h], sumSignal = acc[2 * h + 1];
        for (nuint i = 0; i < (nuint)n; i += (nuint)Width)
        {
            V l = Vector512.LoadUnsafe(ref lambda, i);
            V g = Vector512.LoadUnsafe(ref weighted, i);
            V q = Vector512.FusedMultiplyAdd(negEta, l, one);
            V q2 = q * q;
            V a = Vector512.FusedMultiplyAdd(vKappa4 * l, l, q2);
            V ss = Vector512.LoadUnsafe(ref ssRef, i);
            if (outer)
            {
                // D(H) = A^H E s² + c Σ_s A^{H−1−s} F_s, the sum by Horner's rule.
                V poly = f0;
                for (int s = 1; s < h; s++)
                {
                    poly = Vector512.FusedMultiplyAdd(poly, a, Unsafe.Add(ref f0, s));
                }

                V d = Vector512.FusedMultiplyAdd(vKappa * l, poly, Power(a, h) * ss);
                V qh = Power(q, h);
                V sv = Vector512.LoadUnsafe(ref svRef, i);
                V vv = Vector512.LoadUnsafe(ref vvRef, i);
                V am = Vector512.LoadUnsafe(ref aRef, i);
                V bm = Vector512.LoadUnsafe(ref bRef, i);
                V fs = qh * ss, fv = qh * sv;
                V ff = Vector512.FusedMultiplyAdd(d, invM, shared * qh * fs);
                V ssNew = ss2 * ss + sv2 * vv + sf2 * ff + ssv * sv + ssf * fs + svf * fv;
                V fm = qh * am;
                V aNew = aS * am + aV * bm + aF * fm;
                if (reset)
                {
                    V.Zero.StoreUnsafe(ref svRef, i);
                    V.Zero.StoreUnsafe(ref vvRef, i);
                    V.Zero.StoreUnsafe(ref bRef, i);
                }
                else
                {
                    (vs2 * ss + vv2 * vv + vf2 * ff + vsv * sv + vsf * fs + vvf * fv).StoreUnsafe(ref vvRef, i);
                    (xss * ss + xvv * vv + xff * ff + xsv * sv + xsf * fs + xvf * fv).StoreUnsafe(ref svRef, i);
                    (bS * am + bV * bm + bF * fm).StoreUnsafe(ref bRef, i);
                }

                ssNew.StoreUnsafe(ref ssRef, i);
                aNew.StoreUnsafe(ref aRef, i);
                ss = ssNew;
                sumSignal = Vector512.FusedMultiplyAdd(g * aNew * aNew, Vector512.LoadUnsafe(ref initial, i), sumSignal);
            }

            V x = g * ss;
            sumSs += x;
            V y = x;
            for (int t = 0; t < h; t++)
            {
                x *= a;
                y *= q2;
                Unsafe.Add(ref acc0, t) += x;
                Unsafe.Add(ref acc0, h + t) += y;
            }
        }

        acc[2 * h] = sumSs;
        acc[2 * h + 1] = sumSignal;
    }

    /// <summary>
    /// Runs <see cref="Pass"/> on the last <paramref name="count"/> (&lt; <see cref="Width"/>) atoms of
    /// <paramref name="atoms"/> through zero-padded copies in <paramref name="scratch"/> (8 × Width doubles) and copies
    /// the state back; padding atoms have λ = w λ = 0 and add nothing.
    /// </summary>
    public static void Tail(in AtomBlock atoms, int count, in RoundConstants p, ReadOnlySpan<V> forcing, bool reset, Span<V> acc, Span<double> scratch)
    {
        if (count == 0)
        {
            return;
        }

        int w = Width;
        int start = atoms.Lambda.Length - count;
        scratch[..(8 * w)].Clear();
        var pad = new AtomBlock(scratch[..w], scratch.Slice(w, w), scratch.Slice(2 * w, w), scratch.Slice(3 * w, w),
            scratch.Slice(4 * w, w), scratch.Slice(5 * w, w), scratch.Slice(6 * w, w), scratch.Slice(7 * w, w));
        atoms.Lambda[start..].CopyTo(pad.Lambda);
        atoms.WeightedLambda[start..].CopyTo(pad.WeightedLambda);
        atoms.InitialSquare[start..].CopyTo(pad.InitialSquare);
        atoms.Ss[start..].CopyTo(pad.Ss);
        atoms.Sv[start..].CopyTo(pad.Sv);
        atoms.Vv[start..].CopyTo(pad.Vv);
        atoms.A[start..].CopyTo(pad.A);
        atoms.B[start..].CopyTo(pad.B);
        Pass(pad, p, forcing, reset, acc);
        pad.Ss[..count].CopyTo(atoms.Ss[start..]);
        pad.Sv[..count].CopyTo(atoms.Sv[start..]);
        pad.Vv[..count].CopyTo(atoms.Vv[start..]);
        pad.A[..count].CopyTo(atoms.A[start..]);
        pad.B[..count].CopyTo(atoms.B[start..]);
    }

    // q^h by binary powering (the exponent is the same in every lane).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V Power(V q, int h)
    {
        V result = V.One;
        while (h > 0)
        {
            if ((h & 1) != 0)
            {
                result *= q;
            }

            q *= q;
            h >>= 1;
        }

        return result;
    }
}

/// <summary>Views of a contiguous range of atoms: constants (λ, w λ, E e(0)²) and the state the rounds update.</summary>
internal readonly ref struct AtomBlock(Span<double> lambda, Span<double> weightedLambda, Span<double> initialSquare,
    Span<double> ss, Span<double> sv, Span<double> vv, Span<double> a, Span<double> b)
{
    public Span<double> Lambda { get; } = lambda;
    public Span<double> WeightedLambda { get; } = weightedLambda;
    public Span<double> InitialSquare { get; } = initialSquare;
    public Span<double> Ss { get; } = ss;
    public Span<double> Sv { get; } = sv;
    public Span<double> Vv { get; } = vv;
    public Span<double> A { get; } = a;
    public Span<double> B { get; } = b;

    public AtomBlock Slice(int start, int length) => new(Lambda.Slice(start, length), WeightedLambda.Slice(start, length),
        InitialSquare.Slice(start, length), Ss.Slice(start, length), Sv.Slice(start, length), Vv.Slice(start, length),
        A.Slice(start, length), B.Slice(start, length));
}

/// <summary>A configuration's constants for <see cref="RoundKernel"/>: η, κ = η²/B, κ₄ (κ exact, 0 high-dim), H, 1/M, 1 − 1/M, the outer map.</summary>
internal readonly record struct RoundConstants(double Eta, double Kappa, double Kappa4, int H, double InvM, double Shared, OuterLinearMap Map);
