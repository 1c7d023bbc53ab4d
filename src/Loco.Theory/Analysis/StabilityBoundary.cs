using Loco.Core.Optimizers;

namespace Loco.Theory.Analysis;

/// <summary>
/// Closed-form stability of one mode without restarts. With α_eff = α (PyTorch form) or ν(1 − β) (EMA form),
/// the Jury conditions on z² − t z + d (see <see cref="OuterTransfer"/>) reduce to 0 &lt; α_eff μ &lt; B(β):
/// <code>
/// none        1 − t + d = αμ > 0,  1 + t + d = 2 − αμ > 0                         B = 2
/// heavy-ball  1 − t + d = αμ > 0,  1 + t + d = 2(1 + β) − αμ > 0,  |d| = β &lt; 1     B = 2(1 + β)
/// nesterov    1 − t + d = αμ > 0,  1 + t + d = 1 + (1 + 2β)(1 − αμ) > 0,
///             |d| = β|1 − αμ| &lt; 1 (implied by the former on 0 &lt; αμ &lt; 2)          B = 2(1 + β)/(1 + 2β)
/// </code>
/// A spectrum is stable when every μ is: min μ > 0 and α_eff · max μ &lt; B.
/// </summary>
public static class StabilityBoundary
{
    /// <summary>B(β): a mode is stable iff 0 &lt; α_eff μ &lt; B.</summary>
    public static double MaxEffectiveStep(OuterKind kind, double momentum) => kind switch
    {
        OuterKind.Plain => 2.0,
        OuterKind.HeavyBall => 2.0 * (1 + momentum),
        OuterKind.Nesterov => 2.0 * (1 + momentum) / (1 + 2 * momentum),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown outer kind."),
    };

    /// <summary>α_eff: α in the PyTorch form, ν(1 − β) in the EMA form.</summary>
    public static double EffectiveLearningRate(OuterOptimizer outer) => outer.EquivalentPyTorchLearningRate;

    /// <summary>The closed-form verdict for one mode.</summary>
    public static bool IsStable(OuterOptimizer outer, double mu)
    {
        double step = EffectiveLearningRate(outer) * mu;
        return step > 0 && step < MaxEffectiveStep(outer.Kind, outer.Momentum);
    }

    /// <summary>The closed-form verdict for a spectrum: every μ stable.</summary>
    public static bool IsStable(OuterOptimizer outer, ReadOnlySpan<double> mu)
    {
        foreach (double m in mu)
        {
            if (!IsStable(outer, m))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The largest outer learning rate (α, or ν in the EMA form) for which a spectrum with largest μ <paramref name="muMax"/> is stable (exclusive).</summary>
    public static double MaxLearningRate(OuterKind kind, OuterForm form, double momentum, double muMax)
    {
        double bound = MaxEffectiveStep(kind, momentum) / muMax;
        return form == OuterForm.Ema && kind != OuterKind.Plain ? bound / (1 - momentum) : bound;
    }
}
