using Loco.Core.Optimizers;

namespace Loco.Core.Tests;

public class OptimizerTests
{
    private static readonly double[][] Gradients = [[0.3, -0.2], [-0.1, 0.4], [0.25, 0.05]];

    private static double[] ThreeSteps(InnerOptimizer spec)
    {
        double[] w = [0.5, -1.5];
        IInnerOptimizer<double> opt = spec.Create<double>(2);
        foreach (double[] g in Gradients)
        {
            opt.Step(w, g);
        }

        return w;
    }

    [Fact]
    public void AdamWMatchesHandComputedValuesForThreeSteps()
    {
        // Values from torch.optim.AdamW's documented algorithm, computed by hand (Python, double precision):
        // lr 0.1, betas (0.9, 0.999), eps 1e-8, weight decay 0.01.
        double[] w = [0.5, -1.5];
        IInnerOptimizer<double> adam = InnerOptimizer.AdamW(0.1, 0.01).Create<double>(2);
        double[][] expected =
        [
            [0.39950000333333324, -1.3985000049999996],
            [0.3590786479247475, -1.4337118565410365],
            [0.29481875074496733, -1.4675047483170423],
        ];
        for (int t = 0; t < 3; t++)
        {
            adam.Step(w, Gradients[t]);
            Assertions.Close(expected[t], w, 1e-14);
        }
    }

    [Fact]
    public void AdamWFirstStepMovesEachWeightByTheLearningRate()
    {
        // Bias correction makes the first update exactly lr · sign(g) (up to ε), after decay.
        double[] w = [1.0, 1.0];
        IInnerOptimizer<double> adam = InnerOptimizer.AdamW(0.01, 0.0).Create<double>(2);
        adam.Step(w, [5.0, -1e-3]);
        Assert.Equal(0.99, w[0], 1e-9);
        Assert.Equal(1.01, w[1], 1e-6);
    }

    [Fact]
    public void AdamWResetForgetsItsMoments()
    {
        IInnerOptimizer<double> adam = InnerOptimizer.AdamW(0.1, 0.01).Create<double>(2);
        double[] w = [0.5, -1.5];
        adam.Step(w, [1.0, 1.0]);
        adam.Reset();
        w = [0.5, -1.5];
        foreach (double[] g in Gradients)
        {
            adam.Step(w, g);
        }

        Assertions.Close([0.29481875074496733, -1.4675047483170423], w, 1e-14);
    }

    [Fact]
    public void SgdMomentumFollowsTorchSemantics()
    {
        // torch.optim.SGD(lr=0.1, momentum=0.9[, nesterov=True]) over three steps (hand-computed).
        Assertions.Close([0.41269999999999996, -1.5268], ThreeSteps(InnerOptimizer.SgdMomentum(0.1, 0.9)), 1e-14);
        Assertions.Close([0.37643, -1.54912], ThreeSteps(InnerOptimizer.SgdMomentum(0.1, 0.9, nesterov: true)), 1e-14);
    }

    [Fact]
    public void SgdWithCoupledWeightDecayAddsLambdaW()
    {
        double[] w = [2.0];
        InnerOptimizer.Sgd(0.1, weightDecay: 0.5).Create<double>(1).Step(w, [1.0]);
        Assert.Equal(2.0 - 0.1 * (1.0 + 0.5 * 2.0), w[0], 1e-15);
    }

    [Theory]
    [InlineData(OuterKind.Plain, OuterForm.PyTorch, 0.0)]
    [InlineData(OuterKind.HeavyBall, OuterForm.PyTorch, 0.9)]
    [InlineData(OuterKind.Nesterov, OuterForm.PyTorch, 0.9)]
    [InlineData(OuterKind.HeavyBall, OuterForm.Ema, 0.9)]
    [InlineData(OuterKind.Nesterov, OuterForm.Ema, 0.9)]
    public void OuterStepsFollowTheDesignEquations(OuterKind kind, OuterForm form, double beta)
    {
        // Two steps written out from DESIGN.md §1 against the optimizer.
        const double a = 0.7;
        double[] s = [1.0, -2.0];
        double[][] deltas = [[0.5, 0.25], [-0.125, 1.0]];
        OuterOptimizer outer = Outer.Create(kind, form, a, beta);
        OuterState<double> state = outer.Init<double>(2);
        double[] es = [1.0, -2.0], v = [0.0, 0.0];
        foreach (double[] d in deltas)
        {
            outer.Step(s, d, state);
            for (int i = 0; i < 2; i++)
            {
                switch (kind, form)
                {
                    case (OuterKind.Plain, _): es[i] -= a * d[i]; break;
                    case (OuterKind.HeavyBall, OuterForm.PyTorch): v[i] = beta * v[i] + d[i]; es[i] -= a * v[i]; break;
                    case (OuterKind.Nesterov, OuterForm.PyTorch): v[i] = beta * v[i] + d[i]; es[i] -= a * (d[i] + beta * v[i]); break;
                    case (OuterKind.HeavyBall, OuterForm.Ema): v[i] = beta * v[i] + (1 - beta) * d[i]; es[i] -= a * v[i]; break;
                    default:
                        double m1 = beta * v[i] + (1 - beta) * d[i];
                        es[i] -= a * ((1 + beta) * m1 - beta * v[i]);
                        v[i] = m1;
                        break;
                }
            }

            Assertions.Close(es, s, 1e-15);
            Assertions.Close(v, state.Momentum, 1e-15);
        }
    }

    [Fact]
    public void PeriodicRestartResetsOnlyTheMomentumEveryKCompletedRounds()
    {
        OuterOptimizer outer = Outer.Nesterov(0.5, 0.9).WithRestart(every: 3);
        OuterState<double> state = outer.Init<double>(1);
        double[] s = [0.0];
        var zeroAfter = new List<long>();
        for (int k = 1; k <= 10; k++)
        {
            double before = s[0];
            outer.Step(s, [1.0], state);
            Assert.NotEqual(before, s[0]);
            if (state.Momentum[0] == 0)
            {
                zeroAfter.Add(state.CompletedRounds);
            }
        }

        Assert.Equal([3L, 6L, 9L], zeroAfter);
        Assert.Equal(3, state.Restarts);
        Assert.Equal(10, state.CompletedRounds);
        Assert.Equal(1, state.RoundsSinceRestart);
    }

    [Fact]
    public void CustomRestartScheduleNeedsNoChangeToTheOuterStep()
    {
        // An adaptive-style schedule (restart after rounds 2 and 7) plugs in through RestartSchedule alone.
        OuterOptimizer outer = Outer.HeavyBall(0.5, 0.9).WithRestart(new AtRounds(2, 7));
        OuterState<double> state = outer.Init<double>(1);
        double[] s = [0.0];
        var zeroAfter = new List<long>();
        for (int k = 1; k <= 8; k++)
        {
            outer.Step(s, [1.0], state);
            if (state.Momentum[0] == 0)
            {
                zeroAfter.Add(state.CompletedRounds);
            }
        }

        Assert.Equal([2L, 7L], zeroAfter);
    }

    private sealed record AtRounds(params long[] Rounds) : RestartSchedule
    {
        public override bool ShouldRestart(in RestartContext context) => Rounds.Contains(context.CompletedRounds);

        public override string Spec => $"at:{string.Join(',', Rounds)}";
    }

    [Fact]
    public void OuterOptimizerRejectsBadHyperparameters()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Outer.Nesterov(-0.1, 0.9));
        Assert.Throws<ArgumentOutOfRangeException>(() => Outer.Nesterov(0.7, 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Outer.HeavyBall(double.NaN, 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Outer.Plain(1).WithRestart(-1));
        Assert.Throws<ArgumentException>(() => Outer.Create(OuterKind.Plain, OuterForm.PyTorch, 1.0, 0.5));
    }
}
