using Loco.Core.Optimizers;
using Loco.Torch.Ntk;

namespace Loco.Studies.Ntk;

/// <summary>The measured outcome of one (outer learning rate, momentum, restart period) cell.</summary>
/// <param name="LearningRate">α (PyTorch form) or ν (EMA form).</param>
/// <param name="Momentum">β.</param>
/// <param name="RestartPeriod">K (0 = never).</param>
/// <param name="InitialLoss">L(θ₀).</param>
/// <param name="FinalLoss">L after the last round (+∞ when the run diverged).</param>
/// <param name="DivergedAtRound">The round the run was stopped as diverged, or null.</param>
/// <param name="Stable">FinalLoss is finite and at most (1 − margin) × InitialLoss.</param>
public readonly record struct MeasuredCell(double LearningRate, double Momentum, int RestartPeriod, double InitialLoss, double FinalLoss, int? DivergedAtRound, bool Stable);

/// <summary>
/// Measures stability over a grid of outer learning rates × momenta by training: a cell is stable when, after the
/// given rounds, the training loss is finite and at least <c>margin</c> below the initial loss, ≤ (1 − margin) × initial
/// (the meaning <c>--margin</c> has in <c>loco sweep</c> too).
/// </summary>
public static class MeasuredStability
{
    /// <summary>The default margin: the final loss must be at least 10% below the initial loss.</summary>
    public const double DefaultMargin = 0.1;

    /// <summary>
    /// Trains <paramref name="model"/> from <paramref name="theta0"/> for every cell ([learning-rate index, momentum index]),
    /// with H = <paramref name="innerSteps"/> GD steps of <paramref name="innerLr"/> per round and the outer step of
    /// <paramref name="kind"/>/<paramref name="form"/>, restarts every <paramref name="restartPeriod"/> rounds.
    /// </summary>
    public static MeasuredCell[,] Measure(IRegressionModel model, ReadOnlySpan<double> theta0, double innerLr, int innerSteps,
        OuterKind kind, OuterForm form, IReadOnlyList<double> learningRates, IReadOnlyList<double> momenta, int restartPeriod, int rounds,
        double margin = DefaultMargin, Action? cellDone = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(learningRates);
        ArgumentNullException.ThrowIfNull(momenta);
        if (!(margin >= 0 && margin < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(margin), margin, "The margin must lie in [0, 1).");
        }

        var cells = new MeasuredCell[learningRates.Count, momenta.Count];
        for (int i = 0; i < learningRates.Count; i++)
        {
            for (int j = 0; j < momenta.Count; j++)
            {
                OuterOptimizer outer = Outer.Create(kind, form, learningRates[i], momenta[j], RestartSchedule.Every(restartPeriod));
                NtkTrajectory run = NtkTrajectory.Run(model, theta0, innerLr, innerSteps, outer, rounds, cancel);
                double initial = run.Loss(0);
                double final = run.FinalLoss;
                cells[i, j] = new MeasuredCell(learningRates[i], momenta[j], restartPeriod, initial, final, run.DivergedAtRound,
                    double.IsFinite(final) && final <= (1 - margin) * initial);
                cellDone?.Invoke();
            }
        }

        return cells;
    }
}
