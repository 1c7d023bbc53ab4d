using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Loco.Core.Numerics;

namespace Loco.Theory.Dynamics;

/// <summary>
/// The one-pass round of <see cref="RiskRecursion"/> (see its remarks for the derivation): one vectorised pass over
/// a block of atoms applies the outer step of the round just finished and accumulates the moments the next round's
/// inner phase needs, M_t = Σ w λ A^t E[s²] and P_t = Σ w λ q^{2t} E[s²] (t = 1..H), with Σ w λ E[s²] and the signal.
/// Per atom it reads λ, w λ, E[e(0)²] and the state (E s², E s v, E v², a, b) and writes the state: O(H) flops, no
/// per-step memory pass. The block's length must be a multiple of <see cref="Lanes"/>; <see cref="Tail"/> pads a
/// shorter remainder.
/// </summary>
/// <remarks>
/// The same bits on every CPU: atom i adds into logical lane i mod <see cref="Lanes"/> of each accumulator, in
/// increasing i, and <see cref="Reduce"/> adds the eight lanes in a fixed tree. The kernel is written once against
/// <see cref="ILanes{TV}"/> and runs on the widest vector the hardware accelerates (<see cref="LaneDispatch"/>):
/// with Vector512 (AVX-512) a block of eight atoms is one vector, with Vector256 (AVX2 + FMA) two, with Vector128
/// (Arm64, or x64 with FMA but no 256-bit vectors) four, and the scalar path (<see cref="Math.FusedMultiplyAdd"/> for
/// every FMA; taken without hardware FMA) steps the eight atoms one by one; every path makes the same correctly
/// rounded operations per atom. (Written on Vector512 alone, the kernel ran on AVX2 as pairs of 256-bit halves with
/// its thirty-odd broadcast constants and its temporaries spilled to the stack.) The per-atom constants
/// A = q² + κ₄ λ², c = κ λ and q^H are recomputed from λ (a few multiplies) rather than stored, so the pass streams
/// only λ, w λ (the same array as λ for unit weights), E[e(0)²], the five state arrays and, when only Σ_t P_t is
/// wanted (<see cref="RoundConstants.FoldShared"/>), G = Σ_t q^{2t}. The forcing arrives already broadcast
/// (<see cref="Lanes"/> copies per step), D(H) = A^H E s² + c Σ_s A^{H−1−s} F_s is evaluated by Horner's rule, and
/// the moments are added as x·A^t and x·q^{2t} by FMA, the powers depending on λ alone, so that each accumulator waits
/// for x by one FMA. The loops over the H steps are unrolled by four (then two, then one): as plain loops their
/// counters and branches made about as many instructions as the arithmetic, and on one Zen 4 core with AVX2 the
/// unrolled pass runs 1.1–1.3× faster (same bits). Splitting Horner's rule into two chains in A², to shorten the
/// dependent chain, measured no faster.
/// </remarks>
internal static class RoundKernel
{
    /// <summary>Logical lanes: atoms per block, and lanes per accumulator.</summary>
    public const int Lanes = 8;

    /// <summary>
    /// Accumulator layout: M_1..M_H, P_1..P_H, Σ w λ E s², Σ w λ a² E e(0)²; each <see cref="Lanes"/> doubles. With
    /// <see cref="RoundConstants.FoldShared"/> the P slots hold Σ_t P_t = Σ w λ G E[s²] in slot P_1 alone
    /// (G = Σ_{t=1}^{H} q^{2t}, <see cref="AtomBlock.Geometric"/>), the others stay zero.
    /// </summary>
    public static int Accumulators(int h) => 2 * h + 2;

    /// <summary>The sum of accumulator <paramref name="j"/>'s lanes in the fixed tree ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)).</summary>
    public static double Reduce(ReadOnlySpan<double> acc, int j)
    {
        ReadOnlySpan<double> l = acc.Slice(j * Lanes, Lanes);
        double a0 = l[0] + l[4], a1 = l[1] + l[5], a2 = l[2] + l[6], a3 = l[3] + l[7];
        return (a0 + a2) + (a1 + a3);
    }

    /// <summary>
    /// One pass over <paramref name="atoms"/>. With <paramref name="forcing"/> non-empty (F_s = S_s + σ², s = 0..H−1,
    /// each repeated <see cref="Lanes"/> times) the outer step is applied first (the restart too when
    /// <paramref name="reset"/>), then the moments of the new E[s²] are added to <paramref name="acc"/>; with it empty
    /// only the moments of the current E[s²] are.
    /// </summary>
    public static void Pass(LaneWidth width, in AtomBlock atoms, in RoundConstants p, ReadOnlySpan<double> forcing, bool reset, Span<double> acc)
    {
        int h = p.H;
        if (h < 1 || atoms.Lambda.Length % Lanes != 0 || acc.Length < Accumulators(h) * Lanes || (!forcing.IsEmpty && forcing.Length < h * Lanes)
            || (p.FoldShared && atoms.Geometric.Length != atoms.Lambda.Length))
        {
            throw new ArgumentException("H must be at least 1, the block length a multiple of the lane count, the accumulators must fit, the forcing must have H steps and a folded pass needs G per atom.");
        }

        switch (LaneDispatch.Resolve(width))
        {
            case LaneWidth.W512: Pass<Lanes512>(atoms, p, forcing, reset, acc); break;
            case LaneWidth.W256: Pass<Lanes256>(atoms, p, forcing, reset, acc); break;
            case LaneWidth.W128: Pass<Lanes128>(atoms, p, forcing, reset, acc); break;
            default: Pass<Lanes64>(atoms, p, forcing, reset, acc); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Pass<TV>(in AtomBlock atoms, in RoundConstants p, ReadOnlySpan<double> forcing, bool reset, Span<double> acc)
        where TV : struct, ILanes<TV>
    {
        int h = p.H;
        int n = atoms.Lambda.Length;
        bool outer = !forcing.IsEmpty;
        TV one = TV.Create(1.0);
        TV negEta = TV.Create(-p.Eta);
        TV vKappa = TV.Create(p.Kappa);
        TV vKappa4 = TV.Create(p.Kappa4);
        TV invM = TV.Create(p.InvM);
        TV shared = TV.Create(p.Shared);
        OuterLinearMap m = p.Map;
        TV ss2 = TV.Create(m.Ss * m.Ss), sv2 = TV.Create(m.Sv * m.Sv), sf2 = TV.Create(m.Sf * m.Sf);
        TV ssv = TV.Create(2 * m.Ss * m.Sv), ssf = TV.Create(2 * m.Ss * m.Sf), svf = TV.Create(2 * m.Sv * m.Sf);
        TV vs2 = TV.Create(m.Vs * m.Vs), vv2 = TV.Create(m.Vv * m.Vv), vf2 = TV.Create(m.Vf * m.Vf);
        TV vsv = TV.Create(2 * m.Vs * m.Vv), vsf = TV.Create(2 * m.Vs * m.Vf), vvf = TV.Create(2 * m.Vv * m.Vf);
        TV xss = TV.Create(m.Ss * m.Vs), xvv = TV.Create(m.Sv * m.Vv), xff = TV.Create(m.Sf * m.Vf);
        TV xsv = TV.Create(m.Ss * m.Vv + m.Sv * m.Vs), xsf = TV.Create(m.Ss * m.Vf + m.Sf * m.Vs), xvf = TV.Create(m.Sv * m.Vf + m.Sf * m.Vv);
        TV aS = TV.Create(m.Ss), aV = TV.Create(m.Sv), aF = TV.Create(m.Sf);
        TV bS = TV.Create(m.Vs), bV = TV.Create(m.Vv), bF = TV.Create(m.Vf);

        // Unchecked element references: the loop stays inside the block (n is a multiple of Lanes).
        ref double lambda = ref MemoryMarshal.GetReference(atoms.Lambda);
        ref double weighted = ref MemoryMarshal.GetReference(atoms.WeightedLambda);
        ref double initial = ref MemoryMarshal.GetReference(atoms.InitialSquare);
        ref double ssRef = ref MemoryMarshal.GetReference(atoms.Ss);
        ref double svRef = ref MemoryMarshal.GetReference(atoms.Sv);
        ref double vvRef = ref MemoryMarshal.GetReference(atoms.Vv);
        ref double aRef = ref MemoryMarshal.GetReference(atoms.A);
        ref double bRef = ref MemoryMarshal.GetReference(atoms.B);
        ref double geometric = ref MemoryMarshal.GetReference(atoms.Geometric);
        bool fold = p.FoldShared;
        ref double f0 = ref MemoryMarshal.GetReference(forcing);
        ref double acc0 = ref MemoryMarshal.GetReference(acc);
        nuint w = (nuint)TV.Count;
        nuint lanes = Lanes;
        nuint sumSsAt = (nuint)(2 * h) * lanes, sumSignalAt = sumSsAt + lanes;
        for (nuint block = 0; block < (nuint)n; block += lanes)
        {
            // The block's atoms in vectors of w; lane k of every accumulator takes atom block + k.
            for (nuint k = 0; k < lanes; k += w)
            {
                nuint i = block + k;
                TV l = TV.Load(ref lambda, i);
                TV g = TV.Load(ref weighted, i);
                TV q = TV.FusedMultiplyAdd(negEta, l, one);
                TV q2 = q * q;
                TV a = TV.FusedMultiplyAdd(vKappa4 * l, l, q2);
                TV ss = TV.Load(ref ssRef, i);
                if (outer)
                {
                    // D(H) = A^H E s² + c Σ_s A^{H−1−s} F_s, the sum by Horner's rule.
                    TV poly = Horner(a, ref f0, k, h);
                    Powers(a, q, h, out TV ah, out TV qh);
                    TV d = TV.FusedMultiplyAdd(vKappa * l, poly, ah * ss);
                    TV sv = TV.Load(ref svRef, i);
                    TV vv = TV.Load(ref vvRef, i);
                    TV am = TV.Load(ref aRef, i);
                    TV bm = TV.Load(ref bRef, i);
                    TV fs = qh * ss, fv = qh * sv;
                    TV ff = TV.FusedMultiplyAdd(d, invM, shared * qh * fs);
                    TV ssNew = Fma(sf2, ff, Fma(svf, fv, Fma(ssf, fs, Fma(ssv, sv, Fma(sv2, vv, ss2 * ss)))));
                    TV fm = qh * am;
                    TV aNew = Fma(aF, fm, Fma(aV, bm, aS * am));
                    if (reset)
                    {
                        TV.Store(TV.Zero, ref svRef, i);
                        TV.Store(TV.Zero, ref vvRef, i);
                        TV.Store(TV.Zero, ref bRef, i);
                    }
                    else
                    {
                        TV.Store(Fma(vf2, ff, Fma(vvf, fv, Fma(vsf, fs, Fma(vsv, sv, Fma(vv2, vv, vs2 * ss))))), ref vvRef, i);
                        TV.Store(Fma(xff, ff, Fma(xvf, fv, Fma(xsf, fs, Fma(xsv, sv, Fma(xvv, vv, xss * ss))))), ref svRef, i);
                        TV.Store(Fma(bF, fm, Fma(bV, bm, bS * am)), ref bRef, i);
                    }

                    TV.Store(ssNew, ref ssRef, i);
                    TV.Store(aNew, ref aRef, i);
                    ss = ssNew;
                    TV.Store(TV.FusedMultiplyAdd(g * aNew * aNew, TV.Load(ref initial, i), TV.Load(ref acc0, sumSignalAt + k)), ref acc0, sumSignalAt + k);
                }

                // M_t += x A^t and P_t += x q^{2t} (or Σ_t P_t += x G).
                TV x = g * ss;
                TV.Store(TV.Load(ref acc0, sumSsAt + k) + x, ref acc0, sumSsAt + k);
                if (fold)
                {
                    // Only Σ_t P_t is wanted: one FMA with the stored G = Σ_t q^{2t} instead of H FMAs and H − 1 powers.
                    nuint pAt = (nuint)h * lanes + k;
                    TV.Store(TV.FusedMultiplyAdd(x, TV.Load(ref geometric, i), TV.Load(ref acc0, pAt)), ref acc0, pAt);
                }
                else
                {
                    AddPowers(x, q2, ref acc0, (nuint)h * lanes + k, h);
                }

                AddPowers(x, a, ref acc0, k, h);
            }
        }
    }

    // Σ_{s<h} F_s a^{h−1−s} (F_s at f0[s·Lanes + k]) by Horner's rule, unrolled by four, then two, then one: the same
    // operations in the same order as the plain loop, with a quarter of its branches and counter updates.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Horner<TV>(TV a, ref double f0, nuint k, int h) where TV : struct, ILanes<TV>
    {
        const nuint lanes = Lanes;
        TV poly = TV.Load(ref f0, k);
        nuint at = lanes + k, end = (nuint)h * lanes + k;
        for (; at + 3 * lanes < end; at += 4 * lanes)
        {
            poly = TV.FusedMultiplyAdd(poly, a, TV.Load(ref f0, at));
            poly = TV.FusedMultiplyAdd(poly, a, TV.Load(ref f0, at + lanes));
            poly = TV.FusedMultiplyAdd(poly, a, TV.Load(ref f0, at + 2 * lanes));
            poly = TV.FusedMultiplyAdd(poly, a, TV.Load(ref f0, at + 3 * lanes));
        }

        if (at + lanes < end)
        {
            poly = TV.FusedMultiplyAdd(poly, a, TV.Load(ref f0, at));
            poly = TV.FusedMultiplyAdd(poly, a, TV.Load(ref f0, at + lanes));
            at += 2 * lanes;
        }

        if (at < end)
        {
            poly = TV.FusedMultiplyAdd(poly, a, TV.Load(ref f0, at));
        }

        return poly;
    }

    // acc[at + (t−1)·Lanes] += x·p^t for t = 1..h, the powers by repeated products, unrolled like Horner's rule. The
    // powers depend on λ alone, so their chain runs ahead of the outer step and each accumulator waits for x by one FMA.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddPowers<TV>(TV x, TV p, ref double acc0, nuint at, int h) where TV : struct, ILanes<TV>
    {
        const nuint lanes = Lanes;
        TV power = p;
        nuint end = at + (nuint)h * lanes;
        for (; at + 3 * lanes < end; at += 4 * lanes)
        {
            TV.Store(TV.FusedMultiplyAdd(x, power, TV.Load(ref acc0, at)), ref acc0, at);
            power *= p;
            TV.Store(TV.FusedMultiplyAdd(x, power, TV.Load(ref acc0, at + lanes)), ref acc0, at + lanes);
            power *= p;
            TV.Store(TV.FusedMultiplyAdd(x, power, TV.Load(ref acc0, at + 2 * lanes)), ref acc0, at + 2 * lanes);
            power *= p;
            TV.Store(TV.FusedMultiplyAdd(x, power, TV.Load(ref acc0, at + 3 * lanes)), ref acc0, at + 3 * lanes);
            power *= p;
        }

        if (at + lanes < end)
        {
            TV.Store(TV.FusedMultiplyAdd(x, power, TV.Load(ref acc0, at)), ref acc0, at);
            power *= p;
            TV.Store(TV.FusedMultiplyAdd(x, power, TV.Load(ref acc0, at + lanes)), ref acc0, at + lanes);
            power *= p;
            at += 2 * lanes;
        }

        if (at < end)
        {
            TV.Store(TV.FusedMultiplyAdd(x, power, TV.Load(ref acc0, at)), ref acc0, at);
        }
    }

    /// <summary>Doubles of scratch <see cref="Tail"/> needs: nine arrays of <see cref="Lanes"/>.</summary>
    public const int TailScratch = 9 * Lanes;

    /// <summary>
    /// Runs <see cref="Pass"/> on the last <paramref name="count"/> (&lt; <see cref="Lanes"/>) atoms of
    /// <paramref name="atoms"/> through zero-padded copies in <paramref name="scratch"/> (<see cref="TailScratch"/>
    /// doubles) and copies the state back; padding atoms have λ = w λ = 0 and add nothing.
    /// </summary>
    public static void Tail(LaneWidth width, in AtomBlock atoms, int count, in RoundConstants p, ReadOnlySpan<double> forcing, bool reset, Span<double> acc, Span<double> scratch)
    {
        if (count == 0)
        {
            return;
        }

        const int w = Lanes;
        int start = atoms.Lambda.Length - count;
        scratch[..TailScratch].Clear();
        var pad = new AtomBlock(scratch[..w], scratch.Slice(w, w), scratch.Slice(2 * w, w), scratch.Slice(3 * w, w),
            scratch.Slice(4 * w, w), scratch.Slice(5 * w, w), scratch.Slice(6 * w, w), scratch.Slice(7 * w, w),
            atoms.Geometric.IsEmpty ? [] : scratch.Slice(8 * w, w));
        atoms.Lambda[start..].CopyTo(pad.Lambda);
        atoms.WeightedLambda[start..].CopyTo(pad.WeightedLambda);
        atoms.InitialSquare[start..].CopyTo(pad.InitialSquare);
        atoms.Ss[start..].CopyTo(pad.Ss);
        atoms.Sv[start..].CopyTo(pad.Sv);
        atoms.Vv[start..].CopyTo(pad.Vv);
        atoms.A[start..].CopyTo(pad.A);
        atoms.B[start..].CopyTo(pad.B);
        if (!atoms.Geometric.IsEmpty)
        {
            atoms.Geometric[start..].CopyTo(pad.Geometric);
        }

        Pass(width, pad, p, forcing, reset, acc);
        pad.Ss[..count].CopyTo(atoms.Ss[start..]);
        pad.Sv[..count].CopyTo(atoms.Sv[start..]);
        pad.Vv[..count].CopyTo(atoms.Vv[start..]);
        pad.A[..count].CopyTo(atoms.A[start..]);
        pad.B[..count].CopyTo(atoms.B[start..]);
    }

    // c·x + rest, one rounding: the quadratic and linear forms of the outer map as FMA chains (one live sum each), the
    // fast-weight term, which comes last (after Horner's rule), added last.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Fma<TV>(TV c, TV x, TV rest) where TV : struct, ILanes<TV> => TV.FusedMultiplyAdd(c, x, rest);

    // a^h and q^h (h ≥ 1) side by side by binary powering (the exponent is the same in every lane): the products of
    // a^(2^k) for the set bits of h, lowest first, with neither the product by 1 nor the square after the highest bit.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Powers<TV>(TV a, TV q, int h, out TV ah, out TV qh) where TV : struct, ILanes<TV>
    {
        while ((h & 1) == 0)
        {
            a *= a;
            q *= q;
            h >>= 1;
        }

        ah = a;
        qh = q;
        for (h >>= 1; h > 0; h >>= 1)
        {
            a *= a;
            q *= q;
            if ((h & 1) != 0)
            {
                ah *= a;
                qh *= q;
            }
        }
    }
}

/// <summary>
/// Views of a contiguous range of atoms: constants (λ, w λ, E e(0)², and G = Σ_{t=1}^{H} q^{2t} for a folded pass,
/// empty otherwise) and the state the rounds update.
/// </summary>
internal readonly ref struct AtomBlock(Span<double> lambda, Span<double> weightedLambda, Span<double> initialSquare,
    Span<double> ss, Span<double> sv, Span<double> vv, Span<double> a, Span<double> b, Span<double> geometric)
{
    public Span<double> Lambda { get; } = lambda;
    public Span<double> WeightedLambda { get; } = weightedLambda;
    public Span<double> InitialSquare { get; } = initialSquare;
    public Span<double> Ss { get; } = ss;
    public Span<double> Sv { get; } = sv;
    public Span<double> Vv { get; } = vv;
    public Span<double> A { get; } = a;
    public Span<double> B { get; } = b;
    public Span<double> Geometric { get; } = geometric;

    public AtomBlock Slice(int start, int length) => new(Lambda.Slice(start, length), WeightedLambda.Slice(start, length),
        InitialSquare.Slice(start, length), Ss.Slice(start, length), Sv.Slice(start, length), Vv.Slice(start, length),
        A.Slice(start, length), B.Slice(start, length), Geometric.IsEmpty ? [] : Geometric.Slice(start, length));
}

/// <summary>
/// A configuration's constants for <see cref="RoundKernel"/>: η, κ = η²/B, κ₄ (κ exact, 0 high-dim), H, 1/M, 1 − 1/M,
/// the outer map, and whether the shared moments are folded into Σ_t P_t (when no per-step inner curve is recorded).
/// </summary>
internal readonly record struct RoundConstants(double Eta, double Kappa, double Kappa4, int H, double InvM, double Shared, OuterLinearMap Map, bool FoldShared = false);
