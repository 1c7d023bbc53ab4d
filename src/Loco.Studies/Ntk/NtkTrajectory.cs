using Loco.Core.Optimizers;
using Loco.Core.Rounds;
using Loco.Torch.Ntk;

namespace Loco.Studies.Ntk;

/// <summary>
/// A run of the two-phase family (M = 1 worker doing full-batch GD, the shared <see cref="TwoPhaseRound{T}"/> and
/// <see cref="OuterOptimizer"/>) on a regression model from θ₀, with the residual r_t recorded after every round.
/// </summary>
/// <param name="Residuals">r_0 (at θ₀), r_1, …: one per completed round.</param>
/// <param name="DivergedAtRound">The round in which the loss stopped being finite or grew past <see cref="BlowUpFactor"/> × the initial loss; null when it did not.</param>
public sealed record NtkTrajectory(IReadOnlyList<double[]> Residuals, int? DivergedAtRound)
{
    /// <summary>A run whose loss grows past this multiple of the initial loss is stopped as diverged.</summary>
    public const double BlowUpFactor = 1e12;

    /// <summary>Rounds completed.</summary>
    public int Rounds => Residuals.Count - 1;

    /// <summary>The loss ‖r_t‖²/2n after round <paramref name="round"/>.</summary>
    public double Loss(int round) => SquaredLoss.Of(Residuals[round]);

    /// <summary>The loss after the last completed round (+∞ when the run diverged).</summary>
    public double FinalLoss => DivergedAtRound is null ? Loss(Rounds) : double.PositiveInfinity;

    /// <summary>
    /// Runs <paramref name="rounds"/> rounds of H = <paramref name="innerSteps"/> GD steps of size <paramref name="innerLr"/>
    /// with <paramref name="outer"/> (its restart schedule included), from <paramref name="theta0"/>.
    /// </summary>
    public static NtkTrajectory Run(IRegressionModel model, ReadOnlySpan<double> theta0, double innerLr, int innerSteps, OuterOptimizer outer, int rounds,
        CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(outer);
        ArgumentOutOfRangeException.ThrowIfNegative(rounds);
        var worker = new GradientDescentWorker(model, innerLr);
        var round = new TwoPhaseRound<double>([worker], outer, innerSteps);
        OuterState<double> state = outer.Init<double>(model.Dimension);
        double[] global = theta0.ToArray();
        var residuals = new List<double[]> { ResidualAt(model, global) };
        double limit = BlowUpFactor * SquaredLoss.Of(residuals[0]);
        for (int t = 1; t <= rounds; t++)
        {
            cancel.ThrowIfCancellationRequested();
            try
            {
                round.Run(global, state);
            }
            catch (GradientDescentWorker.DivergedException)
            {
                return new NtkTrajectory(residuals, t);
            }

            double[] r = ResidualAt(model, global);
            double loss = SquaredLoss.Of(r);
            if (!double.IsFinite(loss) || loss > limit)
            {
                return new NtkTrajectory(residuals, t);
            }

            residuals.Add(r);
        }

        return new NtkTrajectory(residuals, null);
    }

    private static double[] ResidualAt(IRegressionModel model, double[] theta)
    {
        var r = new double[model.Samples];
        model.Residual(theta, r);
        return r;
    }
}
