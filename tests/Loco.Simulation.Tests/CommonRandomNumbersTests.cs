using Loco.Core.Family;
using Loco.Core.Numerics;
using Loco.Core.Optimizers;
using Loco.Core.Problems;
using Loco.Core.Random;

namespace Loco.Simulation.Tests;

public class CommonRandomNumbersTests
{
    private static readonly LinearRegressionProblem Problem = LinearRegressionProblem.PowerLaw(24, 1.2, 1.0, 0.3, targetSeed: 4);

    private static FamilyConfig Plain(int workers, int batch, int innerSteps) => new()
    {
        InnerLr = 0.3,
        InnerSteps = innerSteps,
        Workers = workers,
        BatchSize = batch,
        OuterLr = 1.0,
        OuterMomentum = 0,
        OuterKind = OuterKind.Plain,
        OuterForm = OuterForm.PyTorch,
        Restart = RestartSchedule.Every(0),
    };

    /// <summary>The largest relative gap between per-round means, per-round standard errors and per-run final risks.</summary>
    private static double Gap(SimulationResult a, SimulationResult b)
    {
        Assert.Equal(a.RoundsCompleted, b.RoundsCompleted);
        double gap = 0;
        void Compare(double x, double y) => gap = Math.Max(gap, Math.Abs(x - y) / Math.Max(Math.Abs(x), 1e-300));
        for (int k = 0; k <= a.RoundsCompleted; k++)
        {
            Compare(a.Risk[k], b.Risk[k]);
            Compare(a.RiskStdErr[k], b.RiskStdErr[k]);
        }

        for (int r = 0; r < a.Runs; r++)
        {
            Compare(a.RunFinalRisk[r], b.RunFinalRisk[r]);
        }

        return gap;
    }

    [Fact]
    public void WithOneInnerStepAndAlphaOneMWorkersEqualOneWorkerOnTheirSamples()
    {
        // H = 1, α = 1, β = 0, inner SGD: the round is θ ← mean_m (θ − η g_m) = θ − η (1/(M·B)) Σ over all M·B samples,
        // which is one SGD step of one worker at batch M·B on the same samples. With S = M sub-batches the one worker
        // reads exactly the M workers' streams, so every run's risk matches at every round (up to rounding).
        const int m = 4, batch = 3;
        var options = new SimulationOptions { Rounds = 30, Runs = 6, Seed = 17 };
        SimulationResult many = MonteCarloSimulator.Run(Problem, Plain(m, batch, 1), options);
        SimulationResult paired = MonteCarloSimulator.Run(Problem, Plain(1, m * batch, 1), options with { SubBatches = m });
        Assert.True(Gap(many, paired) < 1e-12, $"relative gap {Gap(many, paired):G3}");
        Assert.True(many.RiskStdErr[^1] > 1e-3 * many.Risk[^1], "the runs must differ from each other for the comparison to mean anything");

        // Without the sub-batches the one worker draws all M·B samples from one stream: different data, different risks.
        SimulationResult unpaired = MonteCarloSimulator.Run(Problem, Plain(1, m * batch, 1), options);
        Assert.True(Gap(many, unpaired) > 1e-3, $"relative gap {Gap(many, unpaired):G3}");

        // Neither is it an identity for H > 1: M local trajectories are not one trajectory on the averaged gradient.
        SimulationResult manyH = MonteCarloSimulator.Run(Problem, Plain(m, batch, 3), options);
        SimulationResult pairedH = MonteCarloSimulator.Run(Problem, Plain(1, m * batch, 3), options with { SubBatches = m });
        Assert.True(Gap(manyH, pairedH) > 1e-6, $"relative gap {Gap(manyH, pairedH):G3}");
    }

    /// <remarks>
    /// Today's worker draws its samples in chunks of rows (at most 32 Ki values) and adds them to the gradient in one pass
    /// per chunk: D = 24 is one chunk, D = 5000 at B = 8 chunks of 6 and 2 rows, D = 40000 one row at a time.
    /// </remarks>
    [Theory]
    [InlineData(24, 4)]
    [InlineData(5000, 8)]
    [InlineData(40000, 3)]
    public void OneSubBatchIsBitIdenticalToTheSimulatorBeforeSubBatches(int dimension, int batch)
    {
        // The worker as it was before SubBatches existed (one stream: ε for the batch, then z sample by sample), rebuilt
        // here and run side by side with today's worker at S = 1 in this process, so the comparison holds on every CPU.
        LinearRegressionProblem problem = dimension == Problem.Dimension
            ? Problem
            : LinearRegressionProblem.PowerLaw(dimension, 1.2, 1.0, 0.3, targetSeed: 4);
        var config = new FamilyConfig
        {
            InnerLr = 0.3, InnerSteps = 3, Workers = 3, BatchSize = batch, OuterLr = 0.8, OuterMomentum = 0.5,
            OuterKind = OuterKind.Nesterov, OuterForm = OuterForm.PyTorch, Restart = RestartSchedule.Every(0),
        };
        foreach (bool reset in new[] { false, true })
        {
            var before = new WorkerBeforeSubBatches(problem, config.Inner, config.BatchSize, reset, seed: 31, stream: 5);
            var now = new LinearRegressionWorker(problem, config.Inner, config.BatchSize, reset, 31, 5, subBatches: 1);
            var global = new double[problem.Dimension];
            var weights = new double[problem.Dimension];
            for (int round = 0; round < 4; round++)
            {
                for (int i = 0; i < global.Length; i++)
                {
                    global[i] = 0.1 * round - 0.01 * (i % 24); // any start; the same for both
                }

                before.BeginRound(global);
                now.BeginRound(global);
                for (int h = 0; h < config.InnerSteps; h++)
                {
                    before.InnerStep();
                    now.InnerStep();
                    now.CopyWeights(weights);
                    Assert.Equal(before.Weights, weights);
                }
            }

            Assert.NotEqual(global, weights); // the steps moved the weights
        }

        if (dimension != Problem.Dimension)
        {
            return;
        }

        var options = new SimulationOptions { Rounds = 10, Runs = 5, Seed = 31 };
        SimulationResult byDefault = MonteCarloSimulator.Run(Problem, config, options);
        SimulationResult one = MonteCarloSimulator.Run(Problem, config, options with { SubBatches = 1 });
        Assert.Equal(1, options.SubBatches);
        Assert.Equal(byDefault.Risk, one.Risk);
        Assert.Equal(byDefault.RiskStdErr, one.RiskStdErr);
        Assert.Equal(byDefault.RunFinalRisk, one.RunFinalRisk);
        Assert.Equal(byDefault.FinalRisk, byDefault.RunFinalRisk.Average(), 1e-15);
        Assert.True(byDefault.Risk[^1] < byDefault.Risk[0], "the simulation must learn for the comparison to mean anything");
    }

    /// <summary>LinearRegressionWorker before SubBatches (commit 8cefbf9), with today's fixed-order dot product.</summary>
    private sealed class WorkerBeforeSubBatches
    {
        private readonly LinearRegressionProblem _problem;
        private readonly IInnerOptimizer<double> _optimizer;
        private readonly GaussianStream _rng;
        private readonly int _batch;
        private readonly bool _reset;
        private readonly double[] _u, _gradient, _z, _epsilon;

        public WorkerBeforeSubBatches(LinearRegressionProblem problem, InnerOptimizer inner, int batch, bool reset, ulong seed, ulong stream)
        {
            _problem = problem;
            _optimizer = inner.Create<double>(problem.Dimension);
            _rng = new GaussianStream(seed, stream);
            _batch = batch;
            _reset = reset;
            Weights = new double[problem.Dimension];
            _u = new double[problem.Dimension];
            _gradient = new double[problem.Dimension];
            _z = new double[problem.Dimension];
            _epsilon = new double[batch];
        }

        public double[] Weights { get; }

        public void BeginRound(ReadOnlySpan<double> global)
        {
            global.CopyTo(Weights);
            if (_reset)
            {
                _optimizer.Reset();
            }
        }

        public void InnerStep()
        {
            int d = Weights.Length;
            double[] sqrtLambda = _problem.SqrtLambda, theta = _problem.ThetaStar;
            for (int i = 0; i < d; i++)
            {
                _u[i] = Weights[i] * sqrtLambda[i] + -(sqrtLambda[i] * theta[i]); // as the worker: f ⊙ √λ + (−√λ ⊙ θ*)
            }

            _rng.Fill(_epsilon);
            Array.Clear(_gradient);
            for (int b = 0; b < _batch; b++)
            {
                _rng.Fill(_z);
                double residual = FixedOrder.Dot(_z, _u) - _problem.Noise * _epsilon[b];
                for (int i = 0; i < d; i++)
                {
                    _gradient[i] = _z[i] * residual + _gradient[i];
                }
            }

            for (int i = 0; i < d; i++)
            {
                _gradient[i] *= sqrtLambda[i] * (1.0 / _batch);
            }

            _optimizer.Step(Weights, _gradient);
        }
    }

    [Fact]
    public void BadSubBatchCountsAreRefusedWithAClearMessage()
    {
        FamilyConfig config = Plain(2, 4, 1);
        var zero = Assert.Throws<InvalidInputException>(() => MonteCarloSimulator.Run(Problem, config, new SimulationOptions { SubBatches = 0 }));
        Assert.Equal("SubBatches", zero.Subject);
        Assert.Contains("at least 1", zero.Message);
        var notDividing = Assert.Throws<InvalidInputException>(() => MonteCarloSimulator.Run(Problem, config, new SimulationOptions { SubBatches = 3 }));
        Assert.Equal("SubBatches", notDividing.Subject);
        Assert.Contains("do not divide the batch size B = 4", notDividing.Message);
        Assert.Throws<ArgumentException>(() => new LinearRegressionWorker(Problem, config.Inner, 4, false, 1, 0, subBatches: 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinearRegressionWorker(Problem, config.Inner, 4, false, 1, 0, subBatches: 0));
    }

    [Fact]
    public void PairedDifferenceMatchesAHandComputation()
    {
        // d = a − b = (0.5, 1, 3): mean 1.5, sample variance ((−1)² + (−0.5)² + 1.5²)/2 = 1.75, s.e. = √(1.75/3).
        SimulationResult a = Result(seed: 3, rounds: 5, [1.0, 2.0, 4.0]);
        SimulationResult b = Result(seed: 3, rounds: 5, [0.5, 1.0, 1.0]);
        PairedDifference d = PairedDifference.OfFinalRisk(a, b);
        Assert.Equal(1.5, d.Mean, 1e-15);
        Assert.Equal(Math.Sqrt(1.75 / 3), d.StdErr, 1e-15);
        Assert.Equal(3, d.Runs);
        Assert.True(double.IsNaN(PairedDifference.Of([1.0], [0.25]).StdErr));
        Assert.Equal(0.75, PairedDifference.Of([1.0], [0.25]).Mean);

        Assert.Contains("seeds", Assert.Throws<ArgumentException>(() => PairedDifference.OfFinalRisk(a, Result(4, 5, [0.5, 1.0, 1.0]))).Message);
        Assert.Contains("runs", Assert.Throws<ArgumentException>(() => PairedDifference.OfFinalRisk(a, Result(3, 5, [0.5, 1.0]))).Message);
        Assert.Contains("rounds", Assert.Throws<ArgumentException>(() => PairedDifference.OfFinalRisk(a, Result(3, 4, [0.5, 1.0, 1.0]))).Message);
    }

    private static SimulationResult Result(ulong seed, int rounds, double[] finals) => new()
    {
        Config = Plain(1, 1, 1),
        Problem = "hand",
        Runs = finals.Length,
        Seed = seed,
        RoundsRequested = rounds,
        NoiseFloor = 0,
        Risk = new double[rounds + 1],
        RiskStdErr = new double[rounds + 1],
        RunFinalRisk = finals,
    };
}
