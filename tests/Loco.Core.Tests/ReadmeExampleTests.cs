using System.Numerics;
using Loco.Core.Optimizers;
using Loco.Core.Rounds;
using Loco.Core.Rounds.Reducers;

namespace Loco.Core.Tests;

/// <summary>
/// The README's custom reducer and adaptive restart rule, copied verbatim, so that the documented examples compile
/// and do what the README says.
/// </summary>
public class ReadmeExampleTests
{
    private sealed class Fp16Reducer<T>(IReducer<T> inner) : IReducer<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private T[] _rounded = [];
        public void Begin(int dimension, int workers) { _rounded = new T[dimension]; inner.Begin(dimension, workers); }
        public void Add(int worker, ReadOnlySpan<T> delta)
        {
            for (int i = 0; i < delta.Length; i++) _rounded[i] = T.CreateChecked((float)(Half)float.CreateChecked(delta[i]));
            inner.Add(worker, _rounded);
        }
        public void Mean(Span<T> destination) => inner.Mean(destination);
    }

    private sealed record RestartOnLossRise(double Factor = 1.05) : RestartSchedule
    {
        private double _best = double.PositiveInfinity;
        public override bool ObservesRound => true;
        public override string Spec => $"loss-rise:{Factor}";
        public override bool ShouldRestart(in RestartContext c)
        {
            bool rose = c.LastLoss > Factor * _best;   // false while the loss is unknown (NaN)
            if (c.LastLoss < _best) _best = c.LastLoss;
            return rose;
        }
    }

    private static readonly double[] Lambda = [1.0, 0.5, 0.2, 0.05, 0.01];
    private static readonly double[] Target = [1.0, -2.0, 0.5, 3.0, -1.0];

    [Fact]
    public void Fp16ReducerAveragesTheRoundedPseudoGradients()
    {
        QuadraticWorker[] workers = [.. Enumerable.Range(0, 2).Select(m => new QuadraticWorker(Lambda, Target, InnerOptimizer.Sgd(0.3), 0.5, seed: m))];
        OuterOptimizer outer = Outer.Plain(1.0);
        var round = new TwoPhaseRound<double>(workers, outer, innerSteps: 8, new Fp16Reducer<double>(new InProcessReducer<double>()));
        double[] s = [0.1, 0.2, 0.3, 0.4, 0.5];
        double[] before = [.. s];
        round.Run(s, outer.Init<double>(5));

        // By hand: each Δ_m rounded to the nearest half, then the mean.
        for (int i = 0; i < 5; i++)
        {
            double r0 = (double)(float)(Half)(float)(before[i] - workers[0].Weights[i]);
            double r1 = (double)(float)(Half)(float)(before[i] - workers[1].Weights[i]);
            Assert.Equal((r0 + r1) / 2, round.LastPseudoGradient[i]);
            Assert.Equal(before[i] - (r0 + r1) / 2, s[i], 15);
        }
    }

    [Fact]
    public void RestartOnLossRiseFiresWhenTheLossRises()
    {
        OuterOptimizer outer = Outer.Nesterov(0.7, 0.9).WithRestart(new RestartOnLossRise());
        OuterState<double> state = outer.Init<double>(1);
        double[] s = [1.0];
        foreach (double loss in new[] { double.NaN, 2.0, 1.5, 1.52, 1.7, 1.4 })
        {
            outer.Step<double>(s, [0.1], state, loss);
        }

        Assert.Equal(1, state.Restarts); // 1.52 ≤ 1.05·1.5; 1.7 > 1.575: one restart
    }
}
