using System.Numerics;
using System.Numerics.Tensors;

namespace Loco.Core.Optimizers;

/// <summary>
/// The outer optimizer of the two-phase family, written once for every backend: a small immutable value
/// (kind, form, learning rate, momentum, restart schedule) whose <see cref="Step{T}"/> moves flat global
/// weights by the averaged pseudo-gradient Δ = s − mean_m f_m. Build one with <see cref="Outer"/>.
/// </summary>
/// <remarks>
/// References: DiLoCo, Douillard et al. (2023), "DiLoCo: Distributed Low-Communication Training of Language Models",
/// arXiv 2311.08105 (outer Nesterov on the pseudo-gradient); Lookahead, Zhang et al. (2019), "Lookahead Optimizer: k
/// steps forward, 1 step back", arXiv 1907.08610 (the plain step); Agarwala (2026), "High dimensional theory of
/// two-phase optimizers", arXiv 2603.26954 (LA-DiLoCo, SLA); restarts: see <see cref="RestartSchedule"/>. Every
/// member is one linear update, <see cref="Coefficients"/>.
/// </remarks>
/// <param name="Kind">Plain, heavy-ball or Nesterov.</param>
/// <param name="Form">PyTorch or EMA parameterisation (ignored for <see cref="OuterKind.Plain"/>).</param>
/// <param name="LearningRate">α in the PyTorch form, ν in the EMA form.</param>
/// <param name="Momentum">β, in [0, 1).</param>
/// <param name="Restart">When the momentum buffer is reset.</param>
public sealed record OuterOptimizer(OuterKind Kind, OuterForm Form, double LearningRate, double Momentum, RestartSchedule Restart)
{
    /// <summary>The same optimizer with its momentum reset every <paramref name="every"/> completed rounds (0 = never).</summary>
    public OuterOptimizer WithRestart(int every) => this with { Restart = RestartSchedule.Every(every) };

    /// <summary>The same optimizer with another restart schedule.</summary>
    public OuterOptimizer WithRestart(RestartSchedule schedule) => this with { Restart = schedule };

    /// <summary>
    /// The learning rate of the PyTorch form that makes the same steps: α = ν(1 − β) for the EMA form.
    /// </summary>
    public double EquivalentPyTorchLearningRate =>
        Form == OuterForm.Ema && Kind != OuterKind.Plain ? LearningRate * (1 - Momentum) : LearningRate;

    /// <summary>Fresh state (zero momentum, zero rounds) for <paramref name="dimension"/> parameters.</summary>
    public OuterState<T> Init<T>(int dimension) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        return new OuterState<T>(dimension);
    }

    /// <summary>The one definition of this step: s ← s − AΔ − Bv; v ← Cv + EΔ (see <see cref="OuterCoefficients"/>).</summary>
    public OuterCoefficients Coefficients => OuterCoefficients.Of(Kind, Form, LearningRate, Momentum);

    /// <summary>
    /// One outer step: moves <paramref name="global"/> by the averaged pseudo-gradient <paramref name="delta"/>,
    /// updates the momentum, counts the round and applies the restart schedule. Allocation-free.
    /// </summary>
    /// <param name="global">The global weights s, moved in place.</param>
    /// <param name="delta">The averaged pseudo-gradient Δ = s − mean_m f_m.</param>
    /// <param name="state">The momentum and the round counters.</param>
    /// <param name="lastLoss">The workers' mean loss at the end of the round, for restart rules that read it (NaN: unknown).</param>
    public void Step<T>(Span<T> global, ReadOnlySpan<T> delta, OuterState<T> state, double lastLoss = double.NaN) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(state);
        if (global.Length != delta.Length || global.Length != state.Momentum.Length)
        {
            throw new ArgumentException($"Dimension mismatch: global {global.Length}, delta {delta.Length}, momentum {state.Momentum.Length}.");
        }

        RestartContext observed = Observe(delta, state, lastLoss);
        Apply(global, delta, state.Momentum);
        Advance(state, observed);
    }

    /// <summary>
    /// The arithmetic of one outer step on (a slice of) the weights and momentum, without counting the round: element by
    /// element, so disjoint slices may be moved separately (in parallel) and give the same result as one call. Take
    /// <see cref="Observe{T}"/> before and one <see cref="Advance{T}(OuterState{T}, in RestartContext)"/> after, once per round.
    /// </summary>
    public void Apply<T>(Span<T> global, ReadOnlySpan<T> delta, Span<T> v) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (global.Length != delta.Length || global.Length != v.Length)
        {
            throw new ArgumentException($"Dimension mismatch: global {global.Length}, delta {delta.Length}, momentum {v.Length}.");
        }

        OuterCoefficients k = Coefficients;
        // s ← s − AΔ − Bv, with the old v
        TensorPrimitives.MultiplyAdd(delta, T.CreateChecked(-k.A), global, global);
        if (k.B != 0)
        {
            TensorPrimitives.MultiplyAdd(v, T.CreateChecked(-k.B), global, global);
        }

        // v ← Cv + EΔ
        if (!k.HasMomentum)
        {
            return;
        }

        if (k.E == 1)
        {
            TensorPrimitives.MultiplyAdd(v, T.CreateChecked(k.C), delta, v);
        }
        else
        {
            TensorPrimitives.Multiply(v, T.CreateChecked(k.C), v);
            TensorPrimitives.MultiplyAdd(delta, T.CreateChecked(k.E), v, v);
        }
    }

    /// <summary>
    /// The restart context of the round about to be applied: the counters it will have after the step and, when the
    /// schedule <see cref="RestartSchedule.ObservesRound">observes rounds</see>, Δ·v, ‖Δ‖ and ‖v‖ with the momentum
    /// before the step (sums in index order, so the same bits on every CPU). Call it before <see cref="Apply{T}"/>.
    /// </summary>
    public RestartContext Observe<T>(ReadOnlySpan<T> delta, OuterState<T> state, double lastLoss = double.NaN) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(state);
        var context = new RestartContext(state.CompletedRounds + 1, state.RoundsSinceRestart + 1) { LastLoss = lastLoss, PreviousLoss = state.LastRoundLoss };
        if (!Restart.ObservesRound)
        {
            return context;
        }

        ReadOnlySpan<T> v = state.Momentum;
        double dot = 0, dd = 0, vv = 0;
        for (int i = 0; i < delta.Length; i++)
        {
            double d = double.CreateChecked(delta[i]), m = double.CreateChecked(v[i]);
            dot += d * m;
            dd += d * d;
            vv += m * m;
        }

        return context with { DeltaDotMomentum = dot, DeltaNorm = Math.Sqrt(dd), MomentumNorm = Math.Sqrt(vv) };
    }

    /// <summary>Counts a completed round and applies the restart schedule on the counters alone.</summary>
    public void Advance<T>(OuterState<T> state) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(state);
        Advance(state, new RestartContext(state.CompletedRounds + 1, state.RoundsSinceRestart + 1));
    }

    /// <summary>Counts a completed round and asks the restart schedule, with what <see cref="Observe{T}"/> measured.</summary>
    public void Advance<T>(OuterState<T> state, in RestartContext observed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(state);
        state.CompletedRounds++;
        state.RoundsSinceRestart++;
        if (Restart.ShouldRestart(observed with { CompletedRounds = state.CompletedRounds, RoundsSinceRestart = state.RoundsSinceRestart }))
        {
            ResetMomentum(state);
        }

        state.LastRoundLoss = observed.LastLoss;
    }

    /// <summary>Sets the momentum buffer to zero (a restart), leaving the weights alone.</summary>
    public static void ResetMomentum<T>(OuterState<T> state) where T : unmanaged
    {
        Array.Clear(state.Momentum);
        state.RoundsSinceRestart = 0;
        state.Restarts++;
    }

    /// <inheritdoc />
    public override string ToString()
    {
        string core = Kind == OuterKind.Plain
            ? $"plain(lr={LearningRate:G4})"
            : $"{Kind.Name()}[{Form.Name()}](lr={LearningRate:G4}, momentum={Momentum:G4})";
        return Restart is NeverRestart ? core : $"{core}, restart {Restart}";
    }
}

/// <summary>Builders for outer optimizers, in the spirit of optax: <c>Outer.Nesterov(0.7, 0.9).WithRestart(every: 3)</c>.</summary>
public static class Outer
{
    /// <summary>s ← s − α Δ. With α = 1 every worker-average is taken as is (Lookahead with α = 1 is plain local SGD).</summary>
    public static OuterOptimizer Plain(double learningRate = 1.0) =>
        Create(OuterKind.Plain, OuterForm.PyTorch, learningRate, 0.0);

    /// <summary>Heavy-ball outer momentum.</summary>
    public static OuterOptimizer HeavyBall(double learningRate, double momentum, OuterForm form = OuterForm.PyTorch) =>
        Create(OuterKind.HeavyBall, form, learningRate, momentum);

    /// <summary>Nesterov outer momentum (DiLoCo's outer optimizer; customary α = 0.7, β = 0.9).</summary>
    public static OuterOptimizer Nesterov(double learningRate = 0.7, double momentum = 0.9, OuterForm form = OuterForm.PyTorch) =>
        Create(OuterKind.Nesterov, form, learningRate, momentum);

    /// <summary>Any member, validated.</summary>
    public static OuterOptimizer Create(OuterKind kind, OuterForm form, double learningRate, double momentum, RestartSchedule? restart = null)
    {
        if (!double.IsFinite(learningRate) || learningRate <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The outer learning rate must be a positive finite number.");
        }

        if (!double.IsFinite(momentum) || momentum < 0 || momentum >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "The outer momentum must lie in [0, 1).");
        }

        if (kind == OuterKind.Plain && momentum != 0)
        {
            throw new ArgumentException("A plain outer step has no momentum; set momentum to 0 or choose heavy-ball or nesterov.", nameof(momentum));
        }

        return new OuterOptimizer(kind, form, learningRate, momentum, restart ?? RestartSchedule.Never);
    }
}
