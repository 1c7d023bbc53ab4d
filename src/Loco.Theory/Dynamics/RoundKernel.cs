using System.Numerics;
using System.Runtime.CompilerServices;

namespace Loco.Theory.Dynamics;

/// <summary>
/// The one-pass round of <see cref="RiskRecursion"/> (see its remarks for the derivation): one vectorised pass over
/// a block of atoms applies the outer step of the round just finished and accumulates the moments the next round's
/// inner phase needs, M_t = Σ w λ A^t E[s²] and P_t = Σ w λ q^{2t} E[s²] (t = 1..H), with Σ w λ E[s²] and the signal.
/// Per atom it reads λ, w λ, E[e(0)²] and the state (E s², E s v, E v², a, b) and writes the state: O(H) flops, no
/// per-step memory pass. The block's length must be a multiple of <see cref="Width"/>; <see cref="Tail"/> pads a
/// shorter remainder.
/// </summary>
internal static class RoundKernel
{
    /// <summary>Doubles per vector.</summary>
    public static int Width => Vector<double>.Count;

    /// <summary>Accumulator layout: M_1..M_H, P_1..P_H, Σ w λ E s², Σ w λ a² E e(0)².</summary>
    public static int Accumulators(int h) => 2 * h + 2;

    /// <summary>
    /// One pass over <paramref name="atoms"/>. With <paramref name="forcing"/> non-empty (F_s = S_s + σ², s = 0..H−1)
    /// the outer step is applied first (the restart too when <paramref name="reset"/>), then the moments of the new
    /// E[s²] are added to <paramref name="acc"/>; with it empty only the moments of the current E[s²] are.
    /// </summary>
    public static void Pass(in AtomBlock atoms, in RoundConstants p, ReadOnlySpan<double> forcing, bool reset, Span<Vector<double>> acc)
    {
        int h = p.H;
        int n = atoms.Lambda.Length;
        if (n % Width != 0 || acc.Length < Accumulators(h))
        {
            throw new ArgumentException("Block length must be a multiple of the vector width and the accumulators must fit.");
        }

        bool outer = !forcing.IsEmpty;
        var one = Vector<double>.One;
        var negEta = new Vector<double>(-p.Eta);
        var vKappa = new Vector<double>(p.Kappa);
        var vKappa4 = new Vector<double>(p.Kappa4);
        var invM = new Vector<double>(p.InvM);
        var shared = new Vector<double>(p.Shared);
        OuterLinearMap m = p.Map;
        var ss2 = new Vector<double>(m.Ss * m.Ss);
        var sv2 = new Vector<double>(m.Sv * m.Sv);
        var sf2 = new Vector<double>(m.Sf * m.Sf);
        var ssv = new Vector<double>(2 * m.Ss * m.Sv);
        var ssf = new Vector<double>(2 * m.Ss * m.Sf);
        var svf = new Vector<double>(2 * m.Sv * m.Sf);
        var vs2 = new Vector<double>(m.Vs * m.Vs);
        var vv2 = new Vector<double>(m.Vv * m.Vv);
        var vf2 = new Vector<double>(m.Vf * m.Vf);
        var vsv = new Vector<double>(2 * m.Vs * m.Vv);
        var vsf = new Vector<double>(2 * m.Vs * m.Vf);
        var vvf = new Vector<double>(2 * m.Vv * m.Vf);
        var xss = new Vector<double>(m.Ss * m.Vs);
        var xvv = new Vector<double>(m.Sv * m.Vv);
        var xff = new Vector<double>(m.Sf * m.Vf);
        var xsv = new Vector<double>(m.Ss * m.Vv + m.Sv * m.Vs);
        var xsf = new Vector<double>(m.Ss * m.Vf + m.Sf * m.Vs);
        var xvf = new Vector<double>(m.Sv * m.Vf + m.Sf * m.Vv);
        var aS = new Vector<double>(m.Ss);
        var aV = new Vector<double>(m.Sv);
        var aF = new Vector<double>(m.Sf);
        var bS = new Vector<double>(m.Vs);
        var bV = new Vector<double>(m.Vv);
        var bF = new Vector<double>(m.Vf);
        ref Vector<double> acc0 = ref acc[0];
        Vector<double> sumSs = acc[2 * h], sumSignal = acc[2 * h + 1];
        for (int i = 0; i < n; i += Width)
        {
            var l = new Vector<double>(atoms.Lambda.Slice(i, Width));
            var g = new Vector<double>(atoms.WeightedLambda.Slice(i, Width));
            Vector<double> q = Vector.FusedMultiplyAdd(negEta, l, one);
            Vector<double> q2 = q * q;
            Vector<double> a = Vector.FusedMultiplyAdd(vKappa4 * l, l, q2);
            var ss = new Vector<double>(atoms.Ss.Slice(i, Width));
            if (outer)
            {
                Vector<double> c = vKappa * l;
                Vector<double> d = ss;
                for (int s = 0; s < h; s++)
                {
                    d = Vector.FusedMultiplyAdd(a, d, c * forcing[s]);
                }

                Vector<double> qh = Power(q, h);
                var sv = new Vector<double>(atoms.Sv.Slice(i, Width));
                var vv = new Vector<double>(atoms.Vv.Slice(i, Width));
                var am = new Vector<double>(atoms.A.Slice(i, Width));
                var bm = new Vector<double>(atoms.B.Slice(i, Width));
                Vector<double> fs = qh * ss, fv = qh * sv;
                Vector<double> ff = Vector.FusedMultiplyAdd(d, invM, shared * qh * fs);
                Vector<double> ssNew = ss2 * ss + sv2 * vv + sf2 * ff + ssv * sv + ssf * fs + svf * fv;
                Vector<double> fm = qh * am;
                Vector<double> aNew = aS * am + aV * bm + aF * fm;
                if (reset)
                {
                    Vector<double>.Zero.CopyTo(atoms.Sv.Slice(i, Width));
                    Vector<double>.Zero.CopyTo(atoms.Vv.Slice(i, Width));
                    Vector<double>.Zero.CopyTo(atoms.B.Slice(i, Width));
                }
                else
                {
                    (vs2 * ss + vv2 * vv + vf2 * ff + vsv * sv + vsf * fs + vvf * fv).CopyTo(atoms.Vv.Slice(i, Width));
                    (xss * ss + xvv * vv + xff * ff + xsv * sv + xsf * fs + xvf * fv).CopyTo(atoms.Sv.Slice(i, Width));
                    (bS * am + bV * bm + bF * fm).CopyTo(atoms.B.Slice(i, Width));
                }

                ssNew.CopyTo(atoms.Ss.Slice(i, Width));
                aNew.CopyTo(atoms.A.Slice(i, Width));
                ss = ssNew;
                sumSignal = Vector.FusedMultiplyAdd(g * aNew * aNew, new Vector<double>(atoms.InitialSquare.Slice(i, Width)), sumSignal);
            }

            Vector<double> x = g * ss;
            sumSs += x;
            Vector<double> y = x;
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
    public static void Tail(in AtomBlock atoms, int count, in RoundConstants p, ReadOnlySpan<double> forcing, bool reset, Span<Vector<double>> acc, Span<double> scratch)
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
    private static Vector<double> Power(Vector<double> q, int h)
    {
        Vector<double> result = Vector<double>.One;
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
