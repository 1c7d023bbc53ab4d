using Loco.Core.Optimizers;

namespace Loco.Core.Tests;

/// <summary>
/// The adaptive restart rules (<c>adaptive:dot</c>: Δ·v &lt; 0; <c>adaptive:loss</c>: the round's loss rose): where their
/// condition is forced to hold exactly every K rounds they are the periodic rule every:K, bit for bit.
/// </summary>
public sealed class AdaptiveRestartTests
{
    [Fact]
    public void TheNamesParseAndPrint()
    {
        Assert.Equal(new OpposedRestart(), RestartSchedule.Parse("adaptive:dot"));
        Assert.Equal(new LossRiseRestart(), RestartSchedule.Parse(" Adaptive:Loss "));
        Assert.Equal("adaptive:loss", RestartSchedule.Parse("adaptive:loss").Spec);
        Assert.Equal(new PeriodicRestart(3), RestartSchedule.Parse("every:3"));
        Assert.Contains("adaptive:loss", Assert.Throws<FormatException>(() => RestartSchedule.Parse("adaptive:grad")).Message);
    }

    private const int Period = 3, Rounds = 20;

    /// <summary>Runs <paramref name="rule"/> on a round stream where round r's Δ and loss are given.</summary>
    private static (double[] Global, double[] Momentum, long Restarts, long[] At) Run(RestartSchedule rule, Func<int, double[]> delta, Func<int, double> loss)
    {
        OuterOptimizer outer = Outer.Nesterov(0.6, 0.8).WithRestart(rule);
        OuterState<double> state = outer.Init<double>(4);
        double[] s = [1, -2, 0.5, 3];
        var at = new List<long>();
        for (int r = 1; r <= Rounds; r++)
        {
            long before = state.Restarts;
            outer.Step<double>(s, delta(r), state, loss(r));
            if (state.Restarts > before)
            {
                at.Add(r);
            }
        }

        return (s, [.. state.Momentum], state.Restarts, [.. at]);
    }

    [Fact]
    public void DotRuleFiresExactlyWhereDeltaOpposesTheMomentumAndThenIsEveryK()
    {
        // Δ points along +u except at every K-th round, where it points back (−3u): the momentum built since the last
        // reset points along +u, so Δ·v < 0 exactly at rounds K, 2K, …; after a reset v = 0 and the rule cannot fire.
        double[] u = [0.3, -0.1, 0.2, 0.05];
        double[] Delta(int r) => [.. u.Select(x => r % Period == 0 ? -3 * x : x)];
        var adaptive = Run(RestartSchedule.Parse("adaptive:dot"), Delta, _ => double.NaN);
        var periodic = Run(RestartSchedule.Every(Period), Delta, _ => double.NaN);
        Assert.Equal(Enumerable.Range(1, Rounds / Period).Select(k => (long)(k * Period)), adaptive.At);
        Assert.Equal(periodic.At, adaptive.At);
        Assert.Equal(periodic.Global, adaptive.Global); // bit for bit
        Assert.Equal(periodic.Momentum, adaptive.Momentum);

        // Unforced (Δ always along +u) it never fires, so the comparison above could fail.
        Assert.Empty(Run(RestartSchedule.Parse("adaptive:dot"), _ => u, _ => double.NaN).At);
    }

    [Fact]
    public void LossRuleFiresExactlyWhereTheLossRoseAndThenIsEveryK()
    {
        // The loss falls every round except at every K-th, where it jumps up.
        double Loss(int r) => 10.0 / r + (r % Period == 0 ? 5 : 0);
        double[] Delta(int r) => [0.1 * r, -0.2, 0.05, 0.3 / r];
        var adaptive = Run(RestartSchedule.Parse("adaptive:loss"), Delta, Loss);
        var periodic = Run(RestartSchedule.Every(Period), Delta, Loss);
        Assert.Equal(periodic.At, adaptive.At);
        Assert.Equal(periodic.Global, adaptive.Global);
        Assert.Equal(periodic.Momentum, adaptive.Momentum);
        Assert.Empty(Run(RestartSchedule.Parse("adaptive:loss"), Delta, r => 10.0 / r).At); // a falling loss: never
        Assert.Empty(Run(RestartSchedule.Parse("adaptive:loss"), Delta, _ => double.NaN).At); // no loss reported: never
    }

    [Fact]
    public void TheStateCarriesTheLastLossForTheNextRound()
    {
        OuterOptimizer outer = Outer.HeavyBall(0.5, 0.5).WithRestart(new LossRiseRestart());
        OuterState<double> state = outer.Init<double>(2);
        double[] s = [1, 1];
        outer.Step<double>(s, [0.1, 0.1], state, 4.0);
        Assert.Equal(4.0, state.LastRoundLoss);
        RestartContext next = outer.Observe<double>([0.1, 0.1], state, 4.5);
        Assert.Equal((4.5, 4.0), (next.LastLoss, next.PreviousLoss));
        Assert.True(outer.Restart.ShouldRestart(next));
    }
}
