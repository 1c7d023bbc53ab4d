using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Theory.Spectra;

namespace Loco.Theory.Dynamics;

/// <summary>
/// The exact expected-risk recursion of the two-phase family with inner SGD on Gaussian linear regression
/// (DESIGN.md §3), per atom of a spectrum, round by round.
/// </summary>
/// <remarks>
/// Derivation. Error coordinates e = θ − θ*; per mode i (Σ diagonal, so modes decouple except through the noise).
/// Global weights s, outer buffer v, a worker's fast weights f (f = s at the round start).
///
/// Inner step of one worker, batch B: f ← f − η g, g = (1/B) Σ_b x_b (x_b·f − σ ε_b) (in error coordinates).
/// One sample u = x_i (x·f − σε): E[u | f] = λ_i f_i and, with E[x_i² x_j x_k] = λ_i λ_j (1 + 2δ_ij) δ_jk
/// (Gaussian fourth moment) and ε independent of x,
///   E[u² | f] = Σ_j λ_i λ_j (1 + 2δ_ij) f_j² + σ² λ_i = λ_i (Σ_j λ_j f_j² + σ²) + 2 λ_i² f_i²,
///   Var[u | f] = λ_i (Σ_j λ_j f_j² + σ²) + λ_i² f_i².
/// The B samples are independent given f, so Var[g_i | f] = Var[u | f] / B, and with q_i = 1 − ηλ_i,
/// f_i ← q_i f_i − η ξ_i with E[ξ_i | f] = 0, hence (the cross term vanishes)
///   E[f_i²] ← q_i² E[f_i²] + (η²/B) (λ_i² E[f_i²] + λ_i (Σ_j λ_j E[f_j²] + σ²)).
/// The λ_i² term is the finite-D fourth-moment correction; `high-dim` mode drops it. With atoms, Σ_j λ_j E[f_j²]
/// becomes Σ_k w_k λ_k D_k, D_k the mean of E[f_i²] over the atom's modes: every mode of an atom obeys the same
/// affine recursion with the same forcing, so their mean does too.
///
/// Cross moments with quantities fixed during the round (s, v): E[f_i s_i] ← q_i E[f_i s_i] (ξ is conditionally
/// zero-mean), so after t steps E[f s] = q^t E[s²] and E[f v] = q^t E[s v]. Means: E f = q^t E s.
/// Two different workers m ≠ m′: given s their data are independent and E[f_m | s] = q^t s, so
/// E[f_m f_m′] = q^{2t} E[s²]. The worker average f̄ = (1/M) Σ f_m therefore has
///   E[f̄²] = D_t / M + (1 − 1/M) q^{2t} E[s²],   E[f̄ s] = q^t E[s²],   E[f̄ v] = q^t E[s v],   E f̄ = q^t E s.
///
/// Outer step: (s, v) ← A (s, v, f̄) with the 2×3 matrix of <see cref="OuterLinearMap"/> (Δ = s − f̄), applied exactly
/// to the 3×3 raw second-moment matrix of (s, v, f̄) and to the means; then, when K &gt; 0 and the number of completed
/// rounds is a multiple of K, v ← 0 (E v, E[s v], E[v²] ← 0). Nothing else is approximated: for Gaussian features
/// and a fixed θ* these are the exact expectations over the data that the Monte Carlo simulator samples.
///
/// Means are tracked as coefficients: e(0) = −θ* is deterministic and the mean dynamics is linear with coefficients
/// depending only on λ, so E s_i = a(λ_i) e_i(0), E v_i = b(λ_i) e_i(0) with a = 1, b = 0 at the start, and the
/// signal of atom k is ½ w_k λ_k a_k² E[e_k(0)²]. Raw second moments start at E[s²] = E[e(0)²], E[s v] = E[v²] = 0.
/// Noise = ½ Σ w λ (E[s²] − a² E[e(0)²]) = ½ Σ w λ Var s.
///
/// Within a round the expected risk of f̄ after t steps is ½ Σ w λ E[f̄_t²] + σ²/2; the per-round summary averages it
/// over t = 1..H, using Σ_t q^{2t} precomputed per atom for the (1 − 1/M) part.
///
/// One-pass form (<see cref="TheoryKernel.OnePass"/>, the default). Given the scalar coupling S_t = Σ_j w_j λ_j D_j(t),
/// each atom's inner recursion is linear: D_i(t+1) = A_i D_i(t) + c_i F_t with A_i = q_i² + κ₄ λ_i², c_i = κ λ_i and
/// F_t = S_t + σ². Unrolled, D_i(t) = A_i^t D_i(0) + Σ_{s&lt;t} A_i^{t−1−s} c_i F_s, so
/// S_t = M_t + Σ_{s&lt;t} K_{t−1−s} F_s with M_t = Σ w λ A^t E[s²] (the round's start) and K_k = Σ w λ c A^k (fixed
/// for a configuration, computed once). The inner phase is then an O(H²) scalar recursion, and each atom's D_i(H)
/// costs H multiply-adds (its own step recursion with the known F_s). The outer pass that writes the new E[s²] also
/// accumulates the next round's M_t and P_t = Σ w λ q^{2t} E[s²] (the shared part of the inner curve; without a
/// per-step curve only Σ_t P_t = Σ w λ G E[s²] is read, with G = Σ_t q^{2t} stored per atom), so a round is one pass
/// over the atoms. Every term is a sum of non-negative products (no subtraction), so nothing cancels when
/// A ≈ 1. The tests hold it to the step-by-step form to 10⁻¹² relative.
/// </remarks>
public sealed class RiskRecursion
{
    private readonly AtomSpectrum _spectrum;
    private readonly FamilyConfig _config;
    private readonly double _sigma2;
    private readonly double[] _weightedLambda;

    /// <summary>Prepares the recursion for <paramref name="config"/> on <paramref name="spectrum"/> with label noise σ = <paramref name="noise"/>.</summary>
    /// <exception cref="InvalidInputException">The inner optimizer is not plain SGD, or weight decay is set.</exception>
    public RiskRecursion(AtomSpectrum spectrum, FamilyConfig config, double noise)
    {
        ArgumentNullException.ThrowIfNull(spectrum);
        ArgumentNullException.ThrowIfNull(config);
        CheckSupported(config);
        if (!double.IsFinite(noise) || noise < 0)
        {
            throw new InvalidInputException("--noise", $"the label-noise standard deviation must be a non-negative finite number (got {noise}).");
        }

        _spectrum = spectrum;
        _config = config;
        _sigma2 = noise * noise;
        _weightedLambda = new double[spectrum.Count];
        for (int k = 0; k < spectrum.Count; k++)
        {
            _weightedLambda[k] = spectrum.Weight[k] * spectrum.Lambda[k];
        }
    }

    /// <summary>Throws unless the configuration's inner optimizer is plain SGD without weight decay (the linear-Gaussian case).</summary>
    public static void CheckSupported(FamilyConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.InnerKind != InnerKind.Sgd)
        {
            throw new InvalidInputException("--inner",
                $"the exact theory covers inner SGD only (got {config.InnerKind.ToString().ToLowerInvariant()}): momentum and AdamW inner steps are not linear-Gaussian; use 'loco simulate'.");
        }

        if (config.WeightDecay != 0)
        {
            throw new InvalidInputException("--weight-decay", $"the exact theory covers inner SGD without weight decay (got {config.WeightDecay}).");
        }

    }

    // Asks the restart schedule after round `round` (1-based), keeping the count of rounds since the last reset.
    private static bool Restarts(RestartSchedule schedule, int round, ref long sinceRestart)
    {
        sinceRestart++;
        if (!schedule.ShouldRestart(new RestartContext(round, sinceRestart)))
        {
            return false;
        }

        sinceRestart = 0;
        return true;
    }

    // Asks a rule that observes the round, with the round's expected statistics: E[Δ·v] = Σ w (1 − q^H) E[s v] (v before
    // the step), ‖Δ‖ = √(Σ w E[(s − f̄)²]), ‖v‖ = √(Σ w E[v²]), and the loss = the expected risk of a worker's fast weights
    // at the end of the inner steps, ½ Σ w λ E[f²] + σ²/2. Without noise (σ = 0, exact gradients) these are the round's
    // own values, so the rule decides as it does in a run; with noise the theory follows one decision per round, taken on
    // the expectations, where each run of a simulation decides on its own.
    private bool Observed(RestartSchedule restart, int round, ref long sinceRestart, ref double previousLoss, double[] mss, double[] msv, double[] mvv,
        double[] d, double[] qH, double[]? codecVariance, double invM, double shared, double loss)
    {
        double[] w = _spectrum.Weight;
        double dot = 0, deltaSquare = 0, momentumSquare = 0;
        for (int k = 0; k < w.Length; k++)
        {
            double ss = mss[k], qh = qH[k];
            double ff = d[k] * invM + shared * qh * qh * ss + (codecVariance is null ? 0 : codecVariance[k] * invM);
            dot += w[k] * (1 - qh) * msv[k];
            deltaSquare += w[k] * (ss - 2 * qh * ss + ff);
            momentumSquare += w[k] * mvv[k];
        }

        sinceRestart++;
        var context = new RestartContext(round, sinceRestart)
        {
            DeltaDotMomentum = dot,
            DeltaNorm = Math.Sqrt(Math.Max(0, deltaSquare)),
            MomentumNorm = Math.Sqrt(momentumSquare),
            LastLoss = loss,
            PreviousLoss = previousLoss,
        };
        previousLoss = loss;
        if (!restart.ShouldRestart(context))
        {
            return false;
        }

        sinceRestart = 0;
        return true;
    }

    /// <summary>Runs the recursion; a diverging run ends the curves at the round before the divergence.</summary>
    public TheoryResult Run(TheoryOptions options, TheoryProgress? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        bool lossy = options.Codec.Kind != Loco.Core.Codecs.CodecKind.Fp32;
        // A rule that observes the round reads the per-atom moments that only the step-by-step kernel keeps.
        return options.Kernel == TheoryKernel.Stepwise || lossy || _config.Restart.ObservesRound
            ? RunStepwise(options, progress, cancellation)
            : RunOnePass(options, progress, cancellation);
    }

    private TheoryResult RunOnePass(TheoryOptions options, TheoryProgress? progress, CancellationToken cancellation)
    {
        int n = _spectrum.Count;
        int rounds = options.Rounds;
        int h = _config.InnerSteps;
        int workers = _config.Workers;
        double eta = _config.InnerLr;
        double kappa = eta * eta / _config.BatchSize;
        double kappa4 = options.Mode == TheoryMode.Exact ? kappa : 0;
        double invM = 1.0 / workers;
        double shared = 1 - invM;
        RestartSchedule restart = _config.Restart;
        long sinceRestart = 0;
        double[] lambda = _spectrum.Lambda;
        double[] g = _spectrum.UnitWeights ? lambda : _weightedLambda;
        double[] e0 = _spectrum.InitialSquare;
        double sigma2 = _sigma2;
        double floor = 0.5 * sigma2;

        // K_k = Σ w λ c A^k (c = κ λ), k = 0..H−1: the response of the coupling to a unit forcing k steps earlier.
        var kernel = new double[h];
        for (int k = 0; k < n; k++)
        {
            double l = lambda[k], q = 1 - eta * l;
            double a = q * q + kappa4 * l * l, x = g[k] * kappa * l;
            for (int t = 0; t < h; t++)
            {
                kernel[t] += x;
                x *= a;
            }
        }

        // Without a per-step inner curve only Σ_t P_t is read: the kernel folds it (one FMA per atom instead of 2H − 1).
        bool fold = !options.RecordInnerSteps;
        var constants = new RoundConstants(eta, kappa, kappa4, h, invM, shared, OuterLinearMap.Of(_config), fold);
        int threads = n >= TheoryOptions.ThreadedAtoms ? options.Threads : 1;
        using var state = new OnePassRecursion(lambda, g, e0, constants, threads, options.Width);
        state.Pass([], reset: false);
        double[] totals = state.Totals;
        double sumMss = totals[2 * h];
        double sumSignal = sumMss; // at the start E s² = E e(0)² and a = 1: all signal
        var curves = new Curves(rounds, floor, options.RecordInnerSteps);
        curves.AddStart(sumMss, sumSignal);
        double limit = curves.Risk[0] * options.DivergenceFactor;
        if (progress is not null)
        {
            progress.RoundsTotal = rounds;
        }

        int? divergedAt = null;
        var coupling = new double[h + 1];
        var forcing = new double[h];
        for (int round = 1; round <= rounds; round++)
        {
            // Inner phase as a scalar Volterra recursion: S_t = M_t + Σ_{s<t} K_{t−1−s} F_s, F_s = S_s + σ².
            coupling[0] = sumMss;
            double innerSum = 0, geometricSum = 0;
            double[]? innerRow = curves.Inner is null ? null : new double[h];
            for (int t = 1; t <= h; t++)
            {
                forcing[t - 1] = coupling[t - 1] + sigma2;
                double st = totals[t - 1];
                for (int s = 0; s < t; s++)
                {
                    st += kernel[t - 1 - s] * forcing[s];
                }

                coupling[t] = st;
                innerSum += st;
                if (!fold)
                {
                    geometricSum += totals[h + t - 1];
                }

                if (innerRow is not null)
                {
                    innerRow[t - 1] = 0.5 * (st * invM + shared * totals[h + t - 1]) + floor;
                }
            }

            if (fold)
            {
                geometricSum = totals[h]; // the pass's folded Σ_t P_t
            }

            double meanInnerRisk = 0.5 * (innerSum / h * invM + shared * geometricSum / h) + floor;

            // Outer step and restart, fused with the next round's moments.
            state.Pass(forcing, reset: Restarts(restart, round, ref sinceRestart));
            sumMss = totals[2 * h];
            sumSignal = totals[2 * h + 1];
            double r = 0.5 * sumMss + floor;
            if (!double.IsFinite(r) || r > limit)
            {
                divergedAt = round;
                break;
            }

            curves.AddRound(sumMss, sumSignal, meanInnerRisk, innerRow);
            if ((round & 15) == 0 || round == rounds)
            {
                cancellation.ThrowIfCancellationRequested();
            }

            progress?.Add(1);
        }

        return Result(options, rounds, curves, state.A, state.Ss, divergedAt);
    }

    private TheoryResult RunStepwise(TheoryOptions options, TheoryProgress? progress, CancellationToken cancellation)
    {
        int n = _spectrum.Count;
        int rounds = options.Rounds;
        int h = _config.InnerSteps;
        int workers = _config.Workers;
        double eta = _config.InnerLr;
        double kappa = eta * eta / _config.BatchSize;
        double kappa4 = options.Mode == TheoryMode.Exact ? kappa : 0;
        double invM = 1.0 / workers;
        double shared = 1 - invM;
        RestartSchedule restart = _config.Restart;
        long sinceRestart = 0;
        double previousLoss = double.NaN;
        OuterLinearMap map = OuterLinearMap.Of(_config);
        double[] lambda = _spectrum.Lambda;
        double[] g = _weightedLambda;
        double[] e0 = _spectrum.InitialSquare;
        bool unit = _spectrum.UnitWeights;

        // Per-atom constants: q^H and (1/H) Σ_{t=1}^{H} q^{2t}.
        var qH = new double[n];
        var geometric = new double[n];
        for (int k = 0; k < n; k++)
        {
            double q = 1 - eta * lambda[k];
            double q2 = q * q, power = 1, sum = 0;
            for (int t = 0; t < h; t++)
            {
                power *= q2;
                sum += power;
            }

            qH[k] = Math.Pow(q, h);
            geometric[k] = sum / h;
        }

        // The codec's error (CodecNoise): E[ξ²] per atom from each worker's E[Δ²] = E s² (1 − 2qᴴ) + D.
        CodecNoise? codec = options.Codec.Kind == Loco.Core.Codecs.CodecKind.Fp32 ? null : new CodecNoise(options.Codec, _spectrum.Weight);
        var deltaSquare = codec is null ? null : new double[n];
        var codecVariance = codec is null ? null : new double[n];

        // State: mean coefficients a (s), b (v); raw moments E s², E s v, E v²; D = one worker's E f².
        var a = new double[n];
        var b = new double[n];
        var mss = new double[n];
        var msv = new double[n];
        var mvv = new double[n];
        var d = new double[n];
        Array.Fill(a, 1.0);
        e0.CopyTo(mss, 0);

        double floor = 0.5 * _sigma2;
        double sumMss = 0, sumSignal = 0;
        for (int k = 0; k < n; k++)
        {
            sumMss += g[k] * mss[k];
            sumSignal += g[k] * e0[k];
        }

        var curves = new Curves(rounds, floor, options.RecordInnerSteps);
        curves.AddStart(sumMss, sumSignal);
        double limit = curves.Risk[0] * options.DivergenceFactor;
        if (progress is not null)
        {
            progress.RoundsTotal = rounds;
        }

        int? divergedAt = null;
        var sharedCurve = curves.Inner is null ? null : new double[h];
        for (int round = 1; round <= rounds; round++)
        {
            // Inner phase: D starts at E s² (f = s), H passes, each with the coupling sum of the pass before.
            Array.Copy(mss, d, n);
            if (sharedCurve is not null)
            {
                SharedCurve(lambda, g, mss, eta, sharedCurve);
            }

            double coupling = sumMss, innerSum = 0;
            double[]? innerRow = curves.Inner is null ? null : new double[h];
            for (int t = 0; t < h; t++)
            {
                double kf = kappa * (coupling + _sigma2);
                coupling = unit
                    ? InnerStepKernel.StepUnit(lambda, d, eta, kappa4, kf)
                    : InnerStepKernel.StepWeighted(lambda, g, d, eta, kappa4, kf);
                innerSum += coupling;
                if (innerRow is not null)
                {
                    innerRow[t] = 0.5 * (coupling * invM + shared * sharedCurve![t]) + floor;
                }
            }

            if (codec is not null)
            {
                for (int k = 0; k < n; k++)
                {
                    deltaSquare![k] = Math.Max(0, mss[k] * (1 - 2 * qH[k]) + d[k]);
                }

                codec.Variance(deltaSquare, codecVariance);
            }

            // Outer step on the 3×3 moments of (s, v, f̄), then the restart. The codec's ξ̄ enters as f̄ − ξ̄.
            bool reset = restart.ObservesRound
                ? Observed(restart, round, ref sinceRestart, ref previousLoss, mss, msv, mvv, d, qH, codecVariance, invM, shared, 0.5 * coupling + floor)
                : Restarts(restart, round, ref sinceRestart);
            double sumGeometric = 0;
            sumMss = 0;
            sumSignal = 0;
            for (int k = 0; k < n; k++)
            {
                double ss = mss[k], sv = msv[k], vv = mvv[k], qh = qH[k];
                double ff = d[k] * invM + shared * qh * qh * ss + (codecVariance is null ? 0 : codecVariance[k] * invM);
                double fs = qh * ss, fv = qh * sv;
                sumGeometric += g[k] * ss * geometric[k];
                double ssNew = map.Ss * map.Ss * ss + map.Sv * map.Sv * vv + map.Sf * map.Sf * ff
                    + 2 * (map.Ss * map.Sv * sv + map.Ss * map.Sf * fs + map.Sv * map.Sf * fv);
                double am = a[k], bm = b[k], fm = qh * am;
                double aNew = map.Ss * am + map.Sv * bm + map.Sf * fm;
                if (reset)
                {
                    msv[k] = 0;
                    mvv[k] = 0;
                    b[k] = 0;
                }
                else
                {
                    mvv[k] = map.Vs * map.Vs * ss + map.Vv * map.Vv * vv + map.Vf * map.Vf * ff
                        + 2 * (map.Vs * map.Vv * sv + map.Vs * map.Vf * fs + map.Vv * map.Vf * fv);
                    msv[k] = map.Ss * map.Vs * ss + map.Sv * map.Vv * vv + map.Sf * map.Vf * ff
                        + (map.Ss * map.Vv + map.Sv * map.Vs) * sv + (map.Ss * map.Vf + map.Sf * map.Vs) * fs
                        + (map.Sv * map.Vf + map.Sf * map.Vv) * fv;
                    b[k] = map.Vs * am + map.Vv * bm + map.Vf * fm;
                }

                mss[k] = ssNew;
                a[k] = aNew;
                sumMss += g[k] * ssNew;
                sumSignal += g[k] * aNew * aNew * e0[k];
            }

            double r = 0.5 * sumMss + floor;
            if (!double.IsFinite(r) || r > limit)
            {
                divergedAt = round;
                break;
            }

            curves.AddRound(sumMss, sumSignal, 0.5 * (innerSum / h * invM + shared * sumGeometric) + floor, innerRow);
            if ((round & 15) == 0 || round == rounds)
            {
                cancellation.ThrowIfCancellationRequested();
            }

            progress?.Add(1);
        }

        return Result(options, rounds, curves, a, mss, divergedAt);
    }

    private TheoryResult Result(TheoryOptions options, int rounds, Curves curves, double[] a, double[] mss, int? divergedAt)
    {
        double[] lambda = _spectrum.Lambda;
        double[] g = _weightedLambda;
        double[] e0 = _spectrum.InitialSquare;
        int n = lambda.Length;
        ModeContributions? modes = null;
        if (options.RecordModes)
        {
            var sig = new double[n];
            var noi = new double[n];
            for (int k = 0; k < n; k++)
            {
                double mean2 = a[k] * a[k] * e0[k];
                sig[k] = 0.5 * g[k] * mean2;
                noi[k] = 0.5 * g[k] * (mss[k] - mean2);
            }

            modes = new ModeContributions((double[])lambda.Clone(), (double[])_spectrum.Weight.Clone(), sig, noi);
        }

        return new TheoryResult
        {
            Config = _config,
            Problem = _spectrum.Description,
            Mode = options.Mode,
            Atoms = n,
            RoundsRequested = rounds,
            NoiseFloor = curves.Floor,
            Risk = [.. curves.Risk],
            Signal = [.. curves.Signal],
            Noise = [.. curves.Noise],
            MeanInnerRisk = [.. curves.MeanInner],
            InnerRisk = curves.Inner?.ToArray(),
            Modes = modes,
            DivergedAtRound = divergedAt,
        };
    }

    /// <summary>The per-round curves both kernels record: risk (½ Σ w λ E s² + σ²/2), signal, noise, mean fast-weight risk, inner rows.</summary>
    private sealed class Curves(int rounds, double floor, bool recordInner)
    {
        public double Floor => floor;

        public List<double> Risk { get; } = new(rounds + 1);

        public List<double> Signal { get; } = new(rounds + 1);

        public List<double> Noise { get; } = new(rounds + 1);

        public List<double> MeanInner { get; } = new(rounds);

        public List<double[]>? Inner { get; } = recordInner ? new(rounds) : null;

        /// <summary>Appends the global weights' risk, signal and noise from Σ w λ E s² and Σ w λ (E s)².</summary>
        public void AddStart(double sumMss, double sumSignal)
        {
            Risk.Add(0.5 * sumMss + floor);
            Signal.Add(0.5 * sumSignal);
            Noise.Add(0.5 * (sumMss - sumSignal));
        }

        /// <summary>Appends a completed round: its inner-phase summary, then the global weights' curves.</summary>
        public void AddRound(double sumMss, double sumSignal, double meanInnerRisk, double[]? innerRow)
        {
            MeanInner.Add(meanInnerRisk);
            if (innerRow is not null)
            {
                Inner!.Add(innerRow);
            }

            AddStart(sumMss, sumSignal);
        }
    }

    // Σ_k w_k λ_k q_k^{2t} E[s_k²] for t = 1..H, in one pass over the atoms.
    private static void SharedCurve(double[] lambda, double[] g, double[] mss, double eta, double[] curve)
    {
        Array.Clear(curve);
        for (int k = 0; k < lambda.Length; k++)
        {
            double q = 1 - eta * lambda[k];
            double q2 = q * q, x = g[k] * mss[k];
            for (int t = 0; t < curve.Length; t++)
            {
                x *= q2;
                curve[t] += x;
            }
        }
    }
}
