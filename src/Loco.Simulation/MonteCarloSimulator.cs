using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Core.Problems;
using Loco.Core.Rounds;
using Loco.Core.Rounds.Reducers;

namespace Loco.Simulation;

/// <summary>
/// Monte Carlo runs of a member of the family on Gaussian linear regression. Each run owns its workers and data
/// streams (seeded by run and worker index), so the result for a seed is bit-identical whatever the thread count.
/// </summary>
public static class MonteCarloSimulator
{
    /// <summary>Runs the simulation; a diverging run ends the curves at the round before the divergence.</summary>
    public static SimulationResult Run(LinearRegressionProblem problem, FamilyConfig config, SimulationOptions options,
        SimulationProgress? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(config);
        options.Fragments?.Validate(problem.Dimension, config.InnerSteps);

        int runs = options.Runs;
        int rounds = options.Rounds;
        int h = config.InnerSteps;
        var risk = new double[runs][];
        var inner = options.RecordInnerSteps ? new double[runs][] : null;
        var divergedAt = new int[runs];
        if (progress is not null)
        {
            progress.RoundsTotal = (long)runs * rounds;
        }

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Threads, CancellationToken = cancellation };
        Parallel.For(0, runs, parallel, run =>
        {
            risk[run] = new double[rounds + 1];
            if (inner is not null)
            {
                inner[run] = new double[rounds * h];
            }

            divergedAt[run] = RunOne(problem, config, options, run, risk[run], inner?[run], progress, cancellation);
        });

        // Curves stop before the first round at which any run diverged, so every point averages all R runs.
        int firstDivergence = divergedAt.Where(k => k > 0).DefaultIfEmpty(int.MaxValue).Min();
        int completed = Math.Min(rounds, firstDivergence - 1);
        (double[] mean, double[] stderr) = MeanAndStdErr(risk, completed + 1);
        double[] runFinal = [.. risk.Select(r => r[completed])];
        double[][]? innerMean = null, innerStdErr = null;
        if (inner is not null)
        {
            (double[] m, double[] s) = MeanAndStdErr(inner, completed * h);
            innerMean = Enumerable.Range(0, completed).Select(k => m[(k * h)..((k + 1) * h)]).ToArray();
            innerStdErr = Enumerable.Range(0, completed).Select(k => s[(k * h)..((k + 1) * h)]).ToArray();
        }

        return new SimulationResult
        {
            Config = config,
            Problem = problem.Description,
            Runs = runs,
            Seed = options.Seed,
            SubBatches = options.SubBatches,
            RoundsRequested = rounds,
            NoiseFloor = problem.NoiseFloor,
            Risk = mean,
            RiskStdErr = stderr,
            RunFinalRisk = runFinal,
            InnerRisk = innerMean,
            InnerRiskStdErr = innerStdErr,
            DivergedAtRound = firstDivergence == int.MaxValue ? null : firstDivergence,
        };
    }

    /// <summary>One run; returns the round at which it diverged, or 0.</summary>
    private static int RunOne(LinearRegressionProblem problem, FamilyConfig config, SimulationOptions options, int run,
        double[] risk, double[]? inner, SimulationProgress? progress, CancellationToken cancellation)
    {
        // Worker m's sub-batch j reads stream run << 24 | (m·S + j): with S = 1 that is run << 24 | m.
        var workers = new IWorker<double>[config.Workers];
        int s = options.SubBatches;
        for (int m = 0; m < workers.Length; m++)
        {
            ulong stream = ((ulong)(uint)run << 24) | (uint)(m * s);
            workers[m] = new LinearRegressionWorker(problem, config.Inner, config.BatchSize, config.ResetInnerState, options.Seed, stream, s);
        }

        OuterOptimizer outer = config.OuterOptimizer;
        IReducer<double>? reducer = options.Reducer?.Invoke();
        if (options.Codec.Kind != Loco.Core.Codecs.CodecKind.Fp32 || options.ErrorFeedback)
        {
            reducer = new Loco.Core.Codecs.CompressingReducer<double>(reducer ?? new InProcessReducer<double>(), options.Codec, options.ErrorFeedback,
                Loco.Core.Codecs.UnitNoise.Bits(options.Seed, run));
        }

        var round = new TwoPhaseRound<double>(workers, outer, config.InnerSteps, reducer, options.Fragments);
        var global = new double[problem.Dimension];
        OuterState<double> state = outer.Init<double>(problem.Dimension);
        var observer = inner is null ? null : new InnerRiskRecorder(problem, inner, config.InnerSteps);
        risk[0] = problem.Risk(global);
        double limit = risk[0] * options.DivergenceFactor;
        int reported = 0;
        for (int k = 1; k < risk.Length; k++)
        {
            if (observer is not null)
            {
                observer.Round = k - 1;
            }

            round.Run(global, state, observer);
            risk[k] = problem.Risk(global);
            if (!double.IsFinite(risk[k]) || risk[k] > limit)
            {
                progress?.Add(risk.Length - 1 - reported);
                return k;
            }

            if ((k & 7) == 0 || k == risk.Length - 1)
            {
                cancellation.ThrowIfCancellationRequested();
                progress?.Add(k - reported);
                reported = k;
            }
        }

        return 0;
    }

    private static (double[] Mean, double[] StdErr) MeanAndStdErr(double[][] samples, int length)
    {
        var mean = new double[length];
        var stderr = new double[length];
        int n = samples.Length;
        for (int k = 0; k < length; k++)
        {
            double sum = 0;
            for (int r = 0; r < n; r++)
            {
                sum += samples[r][k];
            }

            double mu = sum / n;
            double ss = 0;
            for (int r = 0; r < n; r++)
            {
                double d = samples[r][k] - mu;
                ss += d * d;
            }

            mean[k] = mu;
            stderr[k] = n > 1 ? Math.Sqrt(ss / (n - 1) / n) : double.NaN;
        }

        return (mean, stderr);
    }

    private sealed class InnerRiskRecorder(LinearRegressionProblem problem, double[] sink, int innerSteps) : IInnerStepObserver<double>
    {
        public int Round { get; set; }

        public void OnInnerStep(int step, ReadOnlySpan<double> meanFastWeights) =>
            sink[Round * innerSteps + step - 1] = problem.Risk(meanFastWeights);
    }
}
