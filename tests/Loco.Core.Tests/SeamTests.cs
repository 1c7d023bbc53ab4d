using Loco.Core.Optimizers;
using Loco.Core.Rounds;
using Loco.Core.Rounds.Reducers;

namespace Loco.Core.Tests;

/// <summary>
/// The seams later backends plug into: the outer step's one definition (checked against each member's published
/// update, written here literally), the reducer seeing every worker's own Δ_m, and restart rules that read the round.
/// </summary>
public class SeamTests
{
    private static readonly double[] Lambda = [1.0, 0.5, 0.2, 0.05, 0.01];
    private static readonly double[] Target = [1.0, -2.0, 0.5, 3.0, -1.0];

    // The update of each member as its paper or library writes it (DESIGN.md §1), independent of OuterCoefficients.
    private static void Literal(OuterKind kind, OuterForm form, double lr, double beta, double[] s, double[] d, double[] v)
    {
        for (int i = 0; i < s.Length; i++)
        {
            switch (kind, form)
            {
                case (OuterKind.Plain, _):
                    s[i] -= lr * d[i];
                    break;
                case (OuterKind.HeavyBall, OuterForm.PyTorch):
                    v[i] = beta * v[i] + d[i];
                    s[i] -= lr * v[i];
                    break;
                case (OuterKind.Nesterov, OuterForm.PyTorch):
                    v[i] = beta * v[i] + d[i];
                    s[i] -= lr * (d[i] + beta * v[i]);
                    break;
                case (OuterKind.HeavyBall, OuterForm.Ema):
                    v[i] = beta * v[i] + (1 - beta) * d[i];
                    s[i] -= lr * v[i];
                    break;
                default:
                    double m = beta * v[i] + (1 - beta) * d[i];
                    s[i] -= lr * ((1 + beta) * m - beta * v[i]);
                    v[i] = m;
                    break;
            }
        }
    }

    [Theory]
    [InlineData(OuterKind.Plain, OuterForm.PyTorch, 0.8, 0.0)]
    [InlineData(OuterKind.HeavyBall, OuterForm.PyTorch, 0.7, 0.9)]
    [InlineData(OuterKind.Nesterov, OuterForm.PyTorch, 0.7, 0.9)]
    [InlineData(OuterKind.HeavyBall, OuterForm.Ema, 1.3, 0.6)]
    [InlineData(OuterKind.Nesterov, OuterForm.Ema, 0.9, 0.5)]
    public void CoefficientsMakeEachMembersPublishedStep(OuterKind kind, OuterForm form, double lr, double beta)
    {
        var random = new System.Random(7);
        OuterOptimizer outer = Outer.Create(kind, form, lr, beta);
        var s = new double[64];
        var expectedS = new double[64];
        var expectedV = new double[64];
        OuterState<double> state = outer.Init<double>(64);
        for (int i = 0; i < 64; i++)
        {
            s[i] = expectedS[i] = random.NextDouble() - 0.5;
        }

        for (int step = 0; step < 20; step++)
        {
            double[] d = [.. Enumerable.Range(0, 64).Select(_ => random.NextDouble() - 0.5)];
            outer.Step<double>(s, d, state);
            Literal(kind, form, lr, beta, expectedS, d, expectedV);
        }

        Assertions.Close(expectedS, s, 1e-13);
        Assertions.Close(expectedV, state.Momentum, 1e-13);
    }

    [Fact]
    public void EmaFormIsThePyTorchFormWithScaledRate()
    {
        // α = ν(1 − β) and m = (1 − β)v: the same move of s, A alike, B·m = B'·v, and E scaled by (1 − β).
        OuterCoefficients ema = Outer.Nesterov(0.8, 0.6, OuterForm.Ema).Coefficients;
        OuterCoefficients torch = Outer.Nesterov(0.8 * 0.4, 0.6).Coefficients;
        Assert.Equal(torch.A, ema.A, 14);
        Assert.Equal(torch.B, ema.B * 0.4, 14);
        Assert.Equal(torch.C, ema.C);
        Assert.Equal(torch.E * 0.4, ema.E, 14);
    }

    /// <summary>Records every Δ_m it is given and delegates the mean.</summary>
    private sealed class RecordingReducer : IReducer<double>
    {
        private readonly InProcessReducer<double> _inner = new();

        public List<(int Worker, double[] Delta)> Seen { get; } = [];

        public void Begin(int dimension, int localWorkers) => _inner.Begin(dimension, localWorkers);

        public void Add(int worker, ReadOnlySpan<double> pseudoGradient)
        {
            Seen.Add((worker, pseudoGradient.ToArray()));
            _inner.Add(worker, pseudoGradient);
        }

        public void Mean(Span<double> destination) => _inner.Mean(destination);
    }

    /// <summary>Keeps only worker 0's pseudo-gradient: the round must use whatever mean the reducer leaves.</summary>
    private sealed class FirstWorkerOnly : IReducer<double>
    {
        private double[] _first = [];

        public void Begin(int dimension, int localWorkers) => _first = new double[dimension];

        public void Add(int worker, ReadOnlySpan<double> pseudoGradient)
        {
            if (worker == 0)
            {
                pseudoGradient.CopyTo(_first);
            }
        }

        public void Mean(Span<double> destination) => _first.CopyTo(destination);
    }

    private static QuadraticWorker[] Workers(int count) =>
        [.. Enumerable.Range(0, count).Select(m => new QuadraticWorker(Lambda, Target, InnerOptimizer.Sgd(0.3), noise: 0.5, seed: 40 + m))];

    [Fact]
    public void ReducerReceivesEachWorkersOwnPseudoGradientInIndexOrder()
    {
        QuadraticWorker[] workers = Workers(3);
        var reducer = new RecordingReducer();
        OuterOptimizer outer = Outer.Nesterov(0.7, 0.9);
        var round = new TwoPhaseRound<double>(workers, outer, innerSteps: 4, reducer);
        double[] global = [0.3, -0.2, 0.1, 0.0, 0.5];
        double[] before = [.. global];
        OuterState<double> state = outer.Init<double>(5);
        round.Run(global, state);

        Assert.Equal([0, 1, 2], reducer.Seen.Select(x => x.Worker));
        for (int m = 0; m < 3; m++)
        {
            double[] expected = [.. before.Zip(workers[m].Weights, (s, f) => s - f)];
            Assert.Equal(expected, reducer.Seen[m].Delta);
        }

        double[] mean = [.. Enumerable.Range(0, 5).Select(i => (reducer.Seen[0].Delta[i] + reducer.Seen[1].Delta[i] + reducer.Seen[2].Delta[i]) / 3)];
        Assert.Equal(mean, round.LastPseudoGradient.ToArray());
    }

    [Fact]
    public void RoundUsesTheReducersMean()
    {
        // Worker 0 of a 2-worker round with a reducer that keeps only worker 0 moves s as a 1-worker round would.
        OuterOptimizer outer = Outer.HeavyBall(0.6, 0.5);
        var two = new TwoPhaseRound<double>(Workers(2), outer, 3, new FirstWorkerOnly());
        var one = new TwoPhaseRound<double>(Workers(1), outer, 3);
        double[] a = new double[5], b = new double[5];
        OuterState<double> sa = outer.Init<double>(5), sb = outer.Init<double>(5);
        for (int k = 0; k < 5; k++)
        {
            two.Run(a, sa);
            one.Run(b, sb);
        }

        Assert.Equal(b, a);
        Assert.NotEqual(b, RunDefault(outer, 2));
    }

    private static double[] RunDefault(OuterOptimizer outer, int workers)
    {
        var round = new TwoPhaseRound<double>(Workers(workers), outer, 3);
        double[] s = new double[5];
        OuterState<double> state = outer.Init<double>(5);
        for (int k = 0; k < 5; k++)
        {
            round.Run(s, state);
        }

        return s;
    }

    [Fact]
    public void InProcessReducerEnforcesTheContract()
    {
        var reducer = new InProcessReducer<double>();
        Assert.Throws<InvalidOperationException>(() => reducer.Add(0, [1.0]));
        reducer.Begin(2, 2);
        Assert.Throws<InvalidOperationException>(() => reducer.Add(1, [1.0, 2.0]));
        reducer.Add(0, [1.0, 2.0]);
        Assert.Throws<InvalidOperationException>(() => reducer.Mean(new double[2]));
        reducer.Add(1, [3.0, 6.0]);
        var mean = new double[2];
        reducer.Mean(mean);
        Assert.Equal([2.0, 4.0], mean);
    }

    /// <summary>Records the contexts it is asked about; never restarts.</summary>
    private sealed record Watcher : RestartSchedule
    {
        public List<RestartContext> Asked { get; } = [];

        public override bool ObservesRound => true;

        public override bool ShouldRestart(in RestartContext context)
        {
            Asked.Add(context);
            return false;
        }

        public override string Spec => "watcher";
    }

    [Fact]
    public void RestartRulesSeeTheRoundsStatisticsWithTheMomentumItStartedWith()
    {
        var watcher = new Watcher();
        OuterOptimizer outer = Outer.Nesterov(0.5, 0.8).WithRestart(watcher);
        OuterState<double> state = outer.Init<double>(3);
        double[] s = [1, 2, 3];
        double[] d1 = [0.5, -1, 2], d2 = [-1, 0.25, 3];
        outer.Step<double>(s, d1, state, lastLoss: 2.5);
        double[] v1 = [.. state.Momentum];
        outer.Step<double>(s, d2, state);

        Assert.Equal(2, watcher.Asked.Count);
        Assert.Equal(0.0, watcher.Asked[0].DeltaDotMomentum);
        Assert.Equal(Math.Sqrt(0.25 + 1 + 4), watcher.Asked[0].DeltaNorm, 15);
        Assert.Equal(2.5, watcher.Asked[0].LastLoss);
        Assert.Equal(1, watcher.Asked[0].CompletedRounds);
        double dot = d2[0] * v1[0] + d2[1] * v1[1] + d2[2] * v1[2];
        Assert.Equal(dot, watcher.Asked[1].DeltaDotMomentum, 14);
        Assert.Equal(Math.Sqrt(v1.Sum(x => x * x)), watcher.Asked[1].MomentumNorm, 14);
        Assert.True(double.IsNaN(watcher.Asked[1].LastLoss));
        Assert.Equal(2.5, watcher.Asked[1].PreviousLoss); // the loss of the round before
        Assert.True(double.IsNaN(watcher.Asked[0].PreviousLoss));
        Assert.Equal(2, watcher.Asked[1].RoundsSinceRestart);
    }

    [Fact]
    public void OpposedRestartDropsMomentumThatPointsAgainstDelta()
    {
        OuterOptimizer outer = Outer.HeavyBall(0.5, 0.9).WithRestart(new OpposedRestart());
        OuterState<double> state = outer.Init<double>(2);
        double[] s = [0, 0];
        outer.Step<double>(s, [1.0, 1.0], state);   // v was 0: no direction, no restart
        outer.Step<double>(s, [0.5, 0.2], state);   // along v: kept
        Assert.Equal(0, state.Restarts);
        outer.Step<double>(s, [-2.0, -1.0], state); // against v: reset after the step
        Assert.Equal(1, state.Restarts);
        Assert.Equal([0.0, 0.0], state.Momentum);
    }

    /// <summary>A worker reporting a fixed loss.</summary>
    private sealed class LossWorker(double loss) : IWorker<double>, IReportsLoss
    {
        private readonly double[] _w = new double[2];

        public int Dimension => 2;

        public double LastLoss => loss;

        public void BeginRound(ReadOnlySpan<double> global) => global.CopyTo(_w);

        public void InnerStep() => _w[0] -= 0.1;

        public void CopyWeights(Span<double> destination) => _w.CopyTo(destination);
    }

    [Fact]
    public void RoundHandsTheWorkersMeanLossToTheRule()
    {
        var watcher = new Watcher();
        OuterOptimizer outer = Outer.Nesterov(0.5, 0.5).WithRestart(watcher);
        var round = new TwoPhaseRound<double>([new LossWorker(1.0), new LossWorker(4.0)], outer, 2);
        round.Run(new double[2], outer.Init<double>(2));
        Assert.Equal(2.5, watcher.Asked.Single().LastLoss);
    }

    [Theory]
    [InlineData("never")]
    [InlineData("every:3")]
    [InlineData("opposed")]
    [InlineData("opposed:-0.25")]
    public void SchedulesRoundTripThroughTheirSpec(string spec)
    {
        RestartSchedule schedule = RestartSchedule.Parse(spec);
        Assert.Equal(spec, schedule.Spec);
        Assert.Equal(schedule, RestartSchedule.Parse(schedule.Spec));
    }

    [Theory]
    [InlineData("every:0")]
    [InlineData("sometimes")]
    [InlineData("opposed:2")]
    [InlineData("-1")]
    public void BadSchedulesAreRefused(string spec) => Assert.Throws<FormatException>(() => RestartSchedule.Parse(spec));
}
