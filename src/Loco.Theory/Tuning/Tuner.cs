using System.Collections.Concurrent;
using Loco.Core.Family;
using Loco.Core.Optimizers;

namespace Loco.Theory.Tuning;

/// <summary>The search interval of one knob: geometric (log) or uniform grid between <see cref="Min"/> and <see cref="Max"/>.</summary>
/// <param name="Min">Smallest value (for K, 0 means "never" and is always included).</param>
/// <param name="Max">Largest value.</param>
/// <param name="Log">Geometric spacing (η, α, H, K) rather than uniform (β).</param>
public readonly record struct KnobRange(double Min, double Max, bool Log)
{
    /// <summary>
    /// Parses "lo:hi" for <paramref name="knob"/> from the option <paramref name="flag"/>: lo &lt; hi, finite; η, α &gt; 0;
    /// 0 ≤ β &lt; 1; H whole numbers ≥ 1; K whole numbers ≥ 0 (0 = never, always tried when lo = 0).
    /// </summary>
    /// <exception cref="InvalidInputException">Malformed or out-of-domain bounds, naming <paramref name="flag"/>.</exception>
    public static KnobRange Parse(Knob knob, string text, string flag)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split(':');
        if (parts.Length != 2 || !TryNumber(parts[0], out double lo) || !TryNumber(parts[1], out double hi))
        {
            throw new InvalidInputException(flag, $"expected lo:hi with two finite numbers (got '{text}').");
        }

        if (!(lo < hi))
        {
            throw new InvalidInputException(flag, $"the lower bound must be below the upper bound (got {text}).");
        }

        switch (knob)
        {
            case Knob.InnerLr or Knob.OuterLr when lo <= 0:
                throw new InvalidInputException(flag, $"learning rates must be positive (got {text}).");
            case Knob.OuterMomentum when lo < 0 || hi >= 1:
                throw new InvalidInputException(flag, $"the momentum range must lie in [0, 1) (got {text}).");
            case Knob.InnerSteps when lo < 1 || lo != Math.Floor(lo) || hi != Math.Floor(hi):
                throw new InvalidInputException(flag, $"inner steps are whole numbers ≥ 1 (got {text}).");
            case Knob.RestartPeriod when lo < 0 || lo != Math.Floor(lo) || hi != Math.Floor(hi):
                throw new InvalidInputException(flag, $"restart periods are whole numbers ≥ 0, 0 meaning never (got {text}).");
        }

        return new KnobRange(lo, hi, knob != Knob.OuterMomentum);
    }

    private static bool TryNumber(string s, out double value) =>
        double.TryParse(s.Trim(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
}

/// <summary>A free knob whose best value sits on an edge of its search range: the true optimum may lie outside.</summary>
/// <param name="Knob">The knob.</param>
/// <param name="Value">Its best value.</param>
/// <param name="Range">The range searched.</param>
/// <param name="Upper">True at the upper edge, false at the lower one.</param>
public readonly record struct RangeEdge(Knob Knob, double Value, KnobRange Range, bool Upper);

/// <summary>What to tune.</summary>
public sealed record TuningRequest
{
    /// <summary>The fixed settings; free knobs start from (and are replaced by) the search.</summary>
    public required FamilyConfig Base { get; init; }

    /// <summary>The sample budget: rounds = ⌊samples / (M·H·B)⌋.</summary>
    public required long Samples { get; init; }

    /// <summary>The knobs to search.</summary>
    public required Knob Free { get; init; }

    /// <summary>Grid points per free knob (≥ 2).</summary>
    public int GridPoints { get; init; } = 5;

    /// <summary>The most model evaluations the local search may add after the grid.</summary>
    public int RefineEvaluations { get; init; } = 120;

    /// <summary>Search intervals; knobs not listed use <see cref="DefaultRange"/>.</summary>
    public IReadOnlyDictionary<Knob, KnobRange> Ranges { get; init; } = new Dictionary<Knob, KnobRange>();

    /// <summary>Default intervals: η ∈ [0.02, 1.9]/λ_max, α ∈ [0.1, 2] (ν ∈ [0.1, 10] in the EMA form), β ∈ [0, 0.95], H ∈ [1, 64], K ∈ {0} ∪ [1, 16].</summary>
    public KnobRange RangeOf(Knob knob, double lambdaMax) => Ranges.TryGetValue(knob, out KnobRange r) ? r : DefaultRange(knob, lambdaMax, Base.OuterForm);

    /// <summary>The default interval of <paramref name="knob"/>.</summary>
    public static KnobRange DefaultRange(Knob knob, double lambdaMax, OuterForm form) => knob switch
    {
        Knob.InnerLr => new KnobRange(0.02 / lambdaMax, 1.9 / lambdaMax, true),
        Knob.OuterLr => new KnobRange(0.1, form == OuterForm.Ema ? 10 : 2, true),
        Knob.OuterMomentum => new KnobRange(0, 0.95, false),
        Knob.InnerSteps => new KnobRange(1, 64, true),
        Knob.RestartPeriod => new KnobRange(0, 16, true),
        _ => throw new ArgumentOutOfRangeException(nameof(knob), knob, "Not a single knob."),
    };
}

/// <summary>An evaluated setting.</summary>
/// <param name="Point">The knob values.</param>
/// <param name="Outcome">Final risk (or divergence) under the budget.</param>
public readonly record struct Candidate(TuningPoint Point, RiskOutcome Outcome);

/// <summary>The tuner's answer: every evaluated setting, best first, and how many evaluations it took.</summary>
/// <param name="Ranked">Evaluated settings sorted by final risk (diverged ones last).</param>
/// <param name="GridEvaluations">Evaluations spent on the grid.</param>
/// <param name="RefineEvaluations">Evaluations spent by the local search.</param>
public sealed record TuningResult(IReadOnlyList<Candidate> Ranked, int GridEvaluations, int RefineEvaluations)
{
    /// <summary>The free knobs and the ranges searched.</summary>
    public IReadOnlyDictionary<Knob, KnobRange> Searched { get; init; } = new Dictionary<Knob, KnobRange>();

    /// <summary>Grid points per knob of the search (sets how near an edge counts as on it).</summary>
    public int GridPoints { get; init; } = 5;

    /// <summary>
    /// The free knobs whose best value lies on an edge of the searched range or within a quarter of a grid spacing of it
    /// (in the search coordinate: ln for η and α, linear for β; exactly, for H and K), except the natural limits that
    /// cannot be extended: H = 1, β = 0, and K at its lower end (0 = never and 1 = every round).
    /// </summary>
    public IReadOnlyList<RangeEdge> Edges()
    {
        if (Ranked.Count == 0 || Best.Outcome.Diverged)
        {
            return [];
        }

        var edges = new List<RangeEdge>();
        TuningPoint p = Best.Point;
        foreach ((Knob knob, KnobRange r) in Searched.OrderBy(kv => kv.Key))
        {
            double v = knob switch
            {
                Knob.InnerLr => p.InnerLr,
                Knob.OuterLr => p.OuterLr,
                Knob.OuterMomentum => p.OuterMomentum,
                Knob.InnerSteps => p.InnerSteps,
                _ => p.RestartPeriod,
            };
            bool integer = knob is Knob.InnerSteps or Knob.RestartPeriod;
            double top = integer ? Math.Round(r.Max) : r.Max;
            double quarter = 0.25 * (r.Log ? Math.Log(r.Max / r.Min) : r.Max - r.Min) / (GridPoints - 1);
            double Distance(double a, double b) => integer ? Math.Abs(a - b) : r.Log ? Math.Abs(Math.Log(a / b)) : Math.Abs(a - b);
            double tolerance = integer ? 0 : quarter;
            bool naturalLower = knob switch
            {
                Knob.InnerSteps => r.Min <= 1,
                Knob.OuterMomentum => r.Min <= 0,
                Knob.RestartPeriod => true,
                _ => false,
            };
            if (Distance(v, top) <= tolerance)
            {
                edges.Add(new RangeEdge(knob, v, r, Upper: true));
            }
            else if (!naturalLower && Distance(v, r.Min) <= tolerance)
            {
                edges.Add(new RangeEdge(knob, v, r, Upper: false));
            }
        }

        return edges;
    }

    /// <summary>The best setting found.</summary>
    public Candidate Best => Ranked[0];

    /// <summary>
    /// The best setting and then the best ones that differ from every setting already listed by more than
    /// <paramref name="separation"/> (relative) in η, α or β (absolute for β), or in H or K: runner-ups that are
    /// not just the local search's neighbours of the winner.
    /// </summary>
    public IReadOnlyList<Candidate> Distinct(int count, double separation = 0.1)
    {
        var picked = new List<Candidate>();
        foreach (Candidate c in Ranked)
        {
            if (picked.Count == count)
            {
                break;
            }

            if (picked.All(p => Differs(p.Point, c.Point, separation)))
            {
                picked.Add(c);
            }
        }

        return picked;
    }

    private static bool Differs(TuningPoint a, TuningPoint b, double separation) =>
        a.InnerSteps != b.InnerSteps || a.RestartPeriod != b.RestartPeriod
        || Math.Abs(Math.Log(a.InnerLr / b.InnerLr)) > separation || Math.Abs(Math.Log(a.OuterLr / b.OuterLr)) > separation
        || Math.Abs(a.OuterMomentum - b.OuterMomentum) > separation / 2;

    /// <summary>The best setting among the grid points only (before refinement).</summary>
    public required Candidate BestOnGrid { get; init; }
}

/// <summary>
/// Finds the settings that minimise the final risk under a sample budget: a full grid over the free knobs, then a
/// coordinate pattern search from the best grid point (continuous knobs: steps of half a grid spacing, halved when no
/// neighbour improves; integer knobs: ±1), evaluations in parallel and cached.
/// </summary>
public static class Tuner
{
    private static readonly Knob[] AllKnobs = [Knob.InnerLr, Knob.OuterLr, Knob.OuterMomentum, Knob.InnerSteps, Knob.RestartPeriod];

    /// <summary>Runs the search. <paramref name="progress"/> receives (evaluations done, evaluations planned so far).</summary>
    public static TuningResult Run(IRiskModel model, TuningRequest request, double lambdaMax, Action<int, int>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(request);
        Check(request);
        Knob[] free = [.. AllKnobs.Where(k => request.Free.HasFlag(k))];
        KnobRange[] ranges = [.. free.Select(k => request.RangeOf(k, lambdaMax))];
        var cache = new ConcurrentDictionary<TuningPoint, RiskOutcome>();
        int done = 0;
        int planned = 0;

        Candidate[] EvaluateAll(IReadOnlyList<TuningPoint> points)
        {
            Interlocked.Add(ref planned, points.Count(p => !cache.ContainsKey(p)));
            var results = new Candidate[points.Count];
            Parallel.For(0, points.Count, new ParallelOptions { CancellationToken = cancellation }, i =>
            {
                RiskOutcome outcome = cache.GetOrAdd(points[i], p =>
                {
                    RiskOutcome o = model.Evaluate(p.Apply(request.Base), request.Samples);
                    progress?.Invoke(Interlocked.Increment(ref done), Volatile.Read(ref planned));
                    return o;
                });
                results[i] = new Candidate(points[i], outcome);
            });
            return results;
        }

        // 1. Grid.
        double[][] axes = [.. free.Select((k, i) => Axis(k, ranges[i], request.GridPoints))];
        var grid = new List<TuningPoint>();
        var index = new int[free.Length];
        TuningPoint start = TuningPoint.From(request.Base);
        while (true)
        {
            TuningPoint p = start;
            for (int i = 0; i < free.Length; i++)
            {
                p = With(p, free[i], axes[i][index[i]]);
            }

            grid.Add(p);
            int d = 0;
            while (d < free.Length && ++index[d] == axes[d].Length)
            {
                index[d++] = 0;
            }

            if (d == free.Length || free.Length == 0)
            {
                break;
            }
        }

        Candidate bestOnGrid = Best(EvaluateAll(grid));
        int gridEvaluations = cache.Count;

        // 2. Coordinate pattern search from the best grid point.
        Candidate current = bestOnGrid;
        double[] step = [.. free.Select((k, i) => IsInteger(k) ? 1 : Spacing(ranges[i], request.GridPoints) / 2)];
        while (cache.Count - gridEvaluations < request.RefineEvaluations && !current.Outcome.Diverged)
        {
            var neighbours = new List<TuningPoint>();
            for (int i = 0; i < free.Length; i++)
            {
                foreach (int sign in new[] { -1, 1 })
                {
                    TuningPoint n = Move(current.Point, free[i], ranges[i], sign * step[i]);
                    if (n != current.Point)
                    {
                        neighbours.Add(n);
                    }
                }
            }

            Candidate next = neighbours.Count == 0 ? current : Best(EvaluateAll(neighbours));
            if (next.Outcome.FinalRisk < current.Outcome.FinalRisk)
            {
                current = next;
                continue;
            }

            bool refined = false;
            for (int i = 0; i < free.Length; i++)
            {
                if (!IsInteger(free[i]) && step[i] > 1e-3)
                {
                    step[i] /= 2;
                    refined = true;
                }
            }

            if (!refined)
            {
                break;
            }
        }

        Candidate[] ranked = [.. cache.Select(kv => new Candidate(kv.Key, kv.Value)).OrderBy(c => c.Outcome.FinalRisk).ThenBy(c => c.Point.ToString(), StringComparer.Ordinal)];
        var searched = new Dictionary<Knob, KnobRange>();
        for (int i = 0; i < free.Length; i++)
        {
            searched[free[i]] = ranges[i];
        }

        return new TuningResult(ranked, gridEvaluations, cache.Count - gridEvaluations) { BestOnGrid = bestOnGrid, Searched = searched, GridPoints = request.GridPoints };
    }

    private static void Check(TuningRequest request)
    {
        if (request.Samples < 1)
        {
            throw new InvalidInputException("--samples", $"the sample budget must be at least 1 (got {request.Samples}).");
        }

        if (request.GridPoints < 2)
        {
            throw new InvalidInputException("--grid", $"use at least 2 grid points per knob (got {request.GridPoints}).");
        }

        if (request.RefineEvaluations < 0)
        {
            throw new InvalidInputException("--refine", $"the refinement budget must be ≥ 0 (got {request.RefineEvaluations}).");
        }

        if (request.Base.OuterKind == OuterKind.Plain && (request.Free & (Knob.OuterMomentum | Knob.RestartPeriod)) != 0)
        {
            throw new InvalidInputException("--free", "a plain outer step (--outer plain) has no momentum to tune or restart; choose --outer heavy-ball or nesterov.");
        }

        if ((request.Free & Knob.RestartPeriod) != 0 && request.Base.Restart is not (PeriodicRestart or NeverRestart))
        {
            throw new InvalidInputException("--free", $"restart-period tunes K of a periodic restart; the restart rule {request.Base.Restart.Spec} has no K to tune.");
        }
    }

    private static bool IsInteger(Knob k) => k is Knob.InnerSteps or Knob.RestartPeriod;

    // Distance between grid points in the search coordinate (ln for log knobs).
    private static double Spacing(KnobRange r, int points) => r.Log ? Math.Log(r.Max / r.Min) / (points - 1) : (r.Max - r.Min) / (points - 1);

    private static double[] Axis(Knob knob, KnobRange r, int points)
    {
        if (knob == Knob.RestartPeriod)
        {
            // 0 (never) plus a geometric ladder over [max(1, min), max].
            double lo = Math.Max(1, r.Min);
            IEnumerable<double> ladder = Enumerable.Range(0, points - 1).Select(i => Math.Round(points == 2 ? lo : lo * Math.Pow(r.Max / lo, (double)i / (points - 2))));
            return [.. (r.Min <= 0 ? ladder.Prepend(0) : ladder).Distinct()];
        }

        IEnumerable<double> values = Enumerable.Range(0, points).Select(i => r.Log
            ? r.Min * Math.Pow(r.Max / r.Min, (double)i / (points - 1))
            : r.Min + (r.Max - r.Min) * i / (points - 1));
        return knob == Knob.InnerSteps ? [.. values.Select(x => Math.Round(x)).Distinct()] : [.. values];
    }

    private static TuningPoint Move(TuningPoint p, Knob knob, KnobRange r, double delta)
    {
        double value = Get(p, knob);
        double moved = IsInteger(knob) ? value + Math.Sign(delta)
            : r.Log ? value * Math.Exp(delta)
            : value + delta;
        return With(p, knob, Math.Clamp(moved, r.Min, r.Max));
    }

    private static double Get(TuningPoint p, Knob knob) => knob switch
    {
        Knob.InnerLr => p.InnerLr,
        Knob.OuterLr => p.OuterLr,
        Knob.OuterMomentum => p.OuterMomentum,
        Knob.InnerSteps => p.InnerSteps,
        _ => p.RestartPeriod,
    };

    private static TuningPoint With(TuningPoint p, Knob knob, double value) => knob switch
    {
        Knob.InnerLr => p with { InnerLr = value },
        Knob.OuterLr => p with { OuterLr = value },
        Knob.OuterMomentum => p with { OuterMomentum = value },
        Knob.InnerSteps => p with { InnerSteps = Math.Max(1, (int)Math.Round(value)) },
        _ => p with { RestartPeriod = Math.Max(0, (int)Math.Round(value)) },
    };

    private static Candidate Best(IEnumerable<Candidate> candidates) =>
        candidates.OrderBy(c => c.Outcome.FinalRisk).ThenBy(c => c.Point.ToString(), StringComparer.Ordinal).First();
}
