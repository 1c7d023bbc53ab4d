using System.Numerics;

namespace Loco.Core.Optimizers;

/// <summary>
/// An inner optimizer as a value: kind and hyperparameters, defaulting to PyTorch's. <see cref="Create{T}"/>
/// gives each worker its own instance with its own state.
/// </summary>
public sealed record InnerOptimizer(
    InnerKind Kind,
    double LearningRate,
    double Momentum = 0.0,
    double WeightDecay = 0.0,
    double Beta1 = 0.9,
    double Beta2 = 0.999,
    double Epsilon = 1e-8)
{
    /// <summary>Plain SGD.</summary>
    public static InnerOptimizer Sgd(double learningRate, double weightDecay = 0.0) =>
        new InnerOptimizer(InnerKind.Sgd, learningRate, WeightDecay: weightDecay).Validated();

    /// <summary>SGD with heavy-ball (or Nesterov) momentum.</summary>
    public static InnerOptimizer SgdMomentum(double learningRate, double momentum, bool nesterov = false, double weightDecay = 0.0) =>
        new InnerOptimizer(nesterov ? InnerKind.Nesterov : InnerKind.Momentum, learningRate, momentum, weightDecay).Validated();

    /// <summary>AdamW with PyTorch's defaults (weight decay 0.01, betas 0.9/0.999, eps 1e-8).</summary>
    public static InnerOptimizer AdamW(double learningRate = 1e-3, double weightDecay = 1e-2, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8) =>
        new InnerOptimizer(InnerKind.AdamW, learningRate, 0.0, weightDecay, beta1, beta2, epsilon).Validated();

    /// <summary>Checks every hyperparameter; throws <see cref="ArgumentOutOfRangeException"/> naming the bad one.</summary>
    public InnerOptimizer Validated()
    {
        static void Check(bool ok, string name, double value, string rule)
        {
            if (!ok)
            {
                throw new ArgumentOutOfRangeException(name, value, $"The inner {name} must be {rule}.");
            }
        }

        Check(double.IsFinite(LearningRate) && LearningRate > 0, "learning rate", LearningRate, "a positive finite number");
        Check(double.IsFinite(Momentum) && Momentum >= 0 && Momentum < 1, "momentum", Momentum, "in [0, 1)");
        Check(double.IsFinite(WeightDecay) && WeightDecay >= 0, "weight decay", WeightDecay, "a non-negative finite number");
        Check(double.IsFinite(Beta1) && Beta1 >= 0 && Beta1 < 1, "beta1", Beta1, "in [0, 1)");
        Check(double.IsFinite(Beta2) && Beta2 >= 0 && Beta2 < 1, "beta2", Beta2, "in [0, 1)");
        Check(double.IsFinite(Epsilon) && Epsilon > 0, "epsilon", Epsilon, "a positive finite number");
        return this;
    }

    /// <summary>A new optimizer instance with fresh state for <paramref name="dimension"/> weights.</summary>
    public IInnerOptimizer<T> Create<T>(int dimension) where T : unmanaged, IFloatingPointIeee754<T> => Kind switch
    {
        InnerKind.Sgd => new SgdOptimizer<T>(LearningRate, WeightDecay),
        InnerKind.Momentum => new MomentumOptimizer<T>(dimension, LearningRate, Momentum, nesterov: false, WeightDecay),
        InnerKind.Nesterov => new MomentumOptimizer<T>(dimension, LearningRate, Momentum, nesterov: true, WeightDecay),
        InnerKind.AdamW => new AdamWOptimizer<T>(dimension, LearningRate, WeightDecay, Beta1, Beta2, Epsilon),
        _ => throw new InvalidOperationException($"Unknown inner optimizer {Kind}."),
    };

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        InnerKind.Sgd => $"sgd(lr={LearningRate:G4})",
        InnerKind.Momentum => $"momentum(lr={LearningRate:G4}, momentum={Momentum:G4})",
        InnerKind.Nesterov => $"nesterov(lr={LearningRate:G4}, momentum={Momentum:G4})",
        _ => $"adamw(lr={LearningRate:G4}, wd={WeightDecay:G4})",
    };
}
