using Loco.Core.Codecs;
using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Core.Problems;
using Loco.Core.Rounds;

namespace Loco.Simulation.Tests;

/// <summary>
/// Streaming fragments (DESIGN.md §8): the plain round's bits where the schedule reduces to it, and a reference
/// implementation of Streaming DiLoCo written here, step by step, for the rest.
/// </summary>
public class FragmentTests
{
    private static FamilyConfig Config(Preset preset, int steps, int workers, double outerLr, double beta, int? restart = null, string? rule = null) =>
        new FamilySettings
        {
            Preset = preset,
            InnerLr = 0.3,
            BatchSize = 4,
            InnerSteps = steps,
            Workers = workers,
            OuterLr = outerLr,
            OuterMomentum = beta,
            RestartPeriod = restart,
            Restart = rule is null ? null : RestartSchedule.Parse(rule),
        }.Resolve();

    private static readonly LinearRegressionProblem Problem = LinearRegressionProblem.PowerLaw(50, 1.1, 1.0, 0.4, targetSeed: 3);

    [Theory]
    [InlineData(null, false, null)]
    [InlineData("int8:16", true, null)]
    [InlineData("int4:8", false, null)]
    [InlineData(null, false, "opposed")]
    public void OneFragmentWithoutOverlapIsThePlainRoundBitForBit(string? codec, bool feedback, string? rule)
    {
        FamilyConfig config = Config(Preset.Sla, steps: 4, workers: 3, outerLr: 0.8, beta: 0.6, restart: rule is null ? 3 : null, rule: rule);
        var options = new SimulationOptions
        {
            Rounds = 12, Runs = 3, Seed = 7, RecordInnerSteps = true,
            Codec = codec is null ? CodecSpec.None : CodecSpec.Parse(codec, stochastic: true), ErrorFeedback = feedback,
        };
        SimulationResult plain = MonteCarloSimulator.Run(Problem, config, options);
        SimulationResult one = MonteCarloSimulator.Run(Problem, config, options with { Fragments = new FragmentSchedule(1) });
        Assert.Equal(plain.Risk, one.Risk);
        Assert.Equal(plain.InnerRisk!.SelectMany(x => x), one.InnerRisk!.SelectMany(x => x));
        Assert.True(plain.Risk[^1] < plain.Risk[0]);
    }

    [Fact]
    public void FragmentsThatAllSynchroniseAtTheRoundsEndAreOneFragment()
    {
        FamilyConfig config = Config(Preset.Sla, steps: 5, workers: 2, outerLr: 0.9, beta: 0.5, restart: 4);
        var options = new SimulationOptions { Rounds = 10, Runs = 2, Seed = 3 };
        SimulationResult one = MonteCarloSimulator.Run(Problem, config, options);
        SimulationResult four = MonteCarloSimulator.Run(Problem, config, options with { Fragments = new FragmentSchedule(4) { Offsets = [0, 0, 0, 0] } });
        Assert.Equal(one.Risk, four.Risk);

        // Staggered, the same four fragments give another trajectory (the schedule is not ignored).
        SimulationResult staggered = MonteCarloSimulator.Run(Problem, config, options with { Fragments = new FragmentSchedule(4) });
        Assert.NotEqual(one.Risk[^1], staggered.Risk[^1]);
    }

    [Theory]
    [InlineData(3, 0, 0.0)]
    [InlineData(2, 1, 0.0)]
    [InlineData(3, 1, 0.4)]
    [InlineData(4, 0, 0.25)]
    public void StaggeredFragmentsFollowAReferenceStreamingDiLoCo(int fragments, int overlap, double alpha)
    {
        const int d = 23, h = 6, workers = 3, rounds = 5;
        OuterOptimizer outer = Outer.Nesterov(0.7, 0.8).WithRestart(3);
        var schedule = new FragmentSchedule(fragments, overlap, alpha);

        var ws = Enumerable.Range(0, workers).Select(m => new AffineWorker(d, m)).ToArray();
        var round = new TwoPhaseRound<double>(ws, outer, h, fragments: schedule);
        var global = Enumerable.Range(0, d).Select(i => Math.Sin(i + 1.0)).ToArray();
        double[] expected = Reference(global, d, h, workers, rounds, fragments, overlap, alpha, outer);
        OuterState<double> state = outer.Init<double>(d);
        for (int k = 0; k < rounds; k++)
        {
            round.Run(global, state);
        }

        for (int i = 0; i < d; i++)
        {
            Assert.Equal(expected[i], global[i], 12);
        }

        Assert.Equal(rounds, state.CompletedRounds);
        Assert.Equal(1, state.Restarts);
    }

    [Fact]
    public void BadSchedulesAreRefusedNamingTheFlag()
    {
        Assert.Equal("--fragments", Assert.Throws<InvalidInputException>(() => new FragmentSchedule(0).Validate(10, 4)).Subject);
        Assert.Equal("--fragments", Assert.Throws<InvalidInputException>(() => new FragmentSchedule(11).Validate(10, 4)).Subject);
        Assert.Equal("--overlap", Assert.Throws<InvalidInputException>(() => new FragmentSchedule(2, 2).Validate(10, 4)).Subject);
        Assert.Equal("--overlap", Assert.Throws<InvalidInputException>(() => new FragmentSchedule(2, -1).Validate(10, 4)).Subject);
        Assert.Equal("--merge", Assert.Throws<InvalidInputException>(() => new FragmentSchedule(2, 1, 1.0).Validate(10, 4)).Subject);
        new FragmentSchedule(2, 1, 0.5).Validate(10, 4);
        FamilyConfig opposed = Config(Preset.Sla, steps: 4, workers: 2, outerLr: 0.8, beta: 0.6, rule: "opposed");
        Assert.Equal("--restart", Assert.Throws<InvalidInputException>(() =>
            MonteCarloSimulator.Run(Problem, opposed, new SimulationOptions { Rounds = 2, Runs = 1, Fragments = new FragmentSchedule(2) })).Subject);
    }

    // Streaming DiLoCo as the issue states it, written out per inner step with plain arrays: fragment p is the slice
    // [⌊pD/P⌋, ⌊(p+1)D/P⌋), synchronises after step ⌊pH/P⌋ of each round (0: after step H), the workers merge
    // f ← αf + (1 − α)s on it τ steps later; the outer Nesterov step in the PyTorch form, v ← βv + Δ, s ← s − lr(Δ + βv),
    // its momentum reset after every third round.
    private static double[] Reference(double[] s0, int d, int h, int workers, int rounds, int p, int tau, double alpha, OuterOptimizer outer)
    {
        double lr = outer.LearningRate, beta = outer.Momentum;
        double[] s = [.. s0];
        var v = new double[d];
        var f = Enumerable.Range(0, workers).Select(_ => (double[])s0.Clone()).ToArray();
        var ws = Enumerable.Range(0, workers).Select(m => new AffineWorker(d, m)).ToArray();
        int Start(int q) => (int)((long)q * d / p);
        int Sync(int q) => q * h / p == 0 ? h : q * h / p;
        long step = 0;
        var pending = new List<(long At, int Fragment)>();
        for (int k = 0; k < rounds; k++)
        {
            for (int t = 1; t <= h; t++)
            {
                step++;
                for (int m = 0; m < workers; m++)
                {
                    ws[m].Step(f[m]);
                }

                foreach ((long at, int q) in pending.Where(x => x.At == step).ToList())
                {
                    MergeInto(q);
                    pending.Remove((at, q));
                }

                for (int q = 0; q < p; q++)
                {
                    if (Sync(q) != t)
                    {
                        continue;
                    }

                    for (int i = Start(q); i < Start(q + 1); i++)
                    {
                        double delta = 0;
                        for (int m = 0; m < workers; m++)
                        {
                            delta += s[i] - f[m][i];
                        }

                        delta /= workers;
                        s[i] -= lr * (delta + beta * (beta * v[i] + delta));
                        v[i] = beta * v[i] + delta;
                    }

                    if (tau == 0)
                    {
                        MergeInto(q);
                    }
                    else
                    {
                        pending.Add((step + tau, q));
                    }
                }
            }

            if ((k + 1) % 3 == 0)
            {
                Array.Clear(v);
            }
        }

        return s;

        void MergeInto(int q)
        {
            for (int m = 0; m < workers; m++)
            {
                for (int i = Start(q); i < Start(q + 1); i++)
                {
                    f[m][i] = alpha == 0 ? s[i] : (alpha * f[m][i]) + ((1 - alpha) * s[i]);
                }
            }
        }
    }

    // A deterministic worker whose steps differ by worker and by weight: f ← f − 0.1·(c_i f + b_{m,i}).
    private sealed class AffineWorker(int d, int m) : IFragmentWorker<double>
    {
        private readonly double[] _f = new double[d];

        public int Dimension => d;

        public void BeginRound(ReadOnlySpan<double> global) => global.CopyTo(_f);

        public void ContinueRound()
        {
        }

        public void InnerStep() => Step(_f);

        public void Step(double[] f)
        {
            for (int i = 0; i < f.Length; i++)
            {
                f[i] -= 0.1 * ((0.5 + (i % 5 * 0.2)) * f[i] + Math.Cos((m + 1) * (i + 2.0)));
            }
        }

        public void CopyWeights(Span<double> destination) => _f.CopyTo(destination);

        public void CopyWeights(int start, Span<double> destination) => _f.AsSpan(start, destination.Length).CopyTo(destination);

        public void SetWeights(int start, ReadOnlySpan<double> values) => values.CopyTo(_f.AsSpan(start, values.Length));
    }
}
