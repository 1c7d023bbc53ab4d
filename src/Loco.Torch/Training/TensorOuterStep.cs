using Loco.Core.Optimizers;
using TorchSharp;
using static TorchSharp.torch;

namespace Loco.Torch.Training;

/// <summary>
/// Loco.Core's outer step on TorchSharp tensors, where the weights live (a GPU): the same coefficients
/// (<see cref="OuterOptimizer.Coefficients"/>: s ← s − AΔ − Bv; v ← Cv + EΔ) and the same restart schedule, so there is
/// one definition of the step and two backends. It agrees with <see cref="OuterOptimizer.Step{T}"/> on the same numbers
/// to float rounding (the CPU backend fuses multiply and add; these are separate tensor operations).
/// </summary>
public static class TensorOuterStep
{
    /// <summary>The arithmetic of one outer step, in place on <paramref name="global"/> and <paramref name="momentum"/>.</summary>
    public static void Apply(OuterOptimizer outer, Tensor global, Tensor delta, Tensor momentum)
    {
        ArgumentNullException.ThrowIfNull(outer);
        OuterCoefficients k = outer.Coefficients;
        // Scalars held for the native calls (TorchSharp's unrooted scalars: see CollectionPause).
        using Scalar minusA = (-k.A).ToScalar(), minusB = (-k.B).ToScalar(), c = k.C.ToScalar(), e = k.E.ToScalar();
        using (no_grad())
        {
            global.add_(delta, alpha: minusA);
            if (k.B != 0)
            {
                global.add_(momentum, alpha: minusB); // with the old v
            }

            if (!k.HasMomentum)
            {
                return;
            }

            if (k.C != 1)
            {
                momentum.mul_(c);
            }

            momentum.add_(delta, alpha: e);
        }
    }

    /// <summary>
    /// The restart context of the round about to be applied (as <see cref="OuterOptimizer.Observe{T}"/>): the counters
    /// and, for a rule that observes rounds, Δ·v, ‖Δ‖ and ‖v‖ summed in float64 on the device and read in one transfer.
    /// </summary>
    public static RestartContext Observe(OuterOptimizer outer, Tensor delta, Tensor momentum, OuterState<float> state, double lastLoss)
    {
        ArgumentNullException.ThrowIfNull(outer);
        ArgumentNullException.ThrowIfNull(state);
        var context = new RestartContext(state.CompletedRounds + 1, state.RoundsSinceRestart + 1) { LastLoss = lastLoss, PreviousLoss = state.LastRoundLoss };
        if (!outer.Restart.ObservesRound)
        {
            return context;
        }

        using var scope = NewDisposeScope();
        Tensor d = delta.to_type(ScalarType.Float64), v = momentum.to_type(ScalarType.Float64);
        double[] sums = stack([d.dot(v), d.dot(d), v.dot(v)]).cpu().data<double>().ToArray();
        return context with { DeltaDotMomentum = sums[0], DeltaNorm = Math.Sqrt(sums[1]), MomentumNorm = Math.Sqrt(sums[2]) };
    }

    /// <summary>
    /// One outer step on the device: observe, apply, then count the round and apply the restart schedule to
    /// <paramref name="state"/>'s counters; a restart zeroes <paramref name="momentum"/> (and the host buffer).
    /// </summary>
    public static void Step(OuterOptimizer outer, Tensor global, Tensor delta, Tensor momentum, OuterState<float> state, double lastLoss = double.NaN)
    {
        ArgumentNullException.ThrowIfNull(state);
        RestartContext observed = Observe(outer, delta, momentum, state, lastLoss);
        Apply(outer, global, delta, momentum);
        long restarts = state.Restarts;
        outer.Advance(state, observed);
        if (state.Restarts > restarts)
        {
            using (no_grad())
            {
                momentum.zero_();
            }
        }
    }
}
