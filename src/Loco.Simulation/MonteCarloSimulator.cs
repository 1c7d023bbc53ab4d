using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Core.Problems;
using Loco.Core.Rounds;
using Loco.Core.Rounds.Reducers;

namespace Loco.Simulation;

/// <summary>What to simulate, beyond the member of the family and the problem.</summary>
public sealed record SimulationOptions
{
    /// <summary>Rounds per run.</summary>
    public int Rounds { get; init; } = 100;

    /// <summary>R, independent runs (independent data streams, the same θ*).</summary>
    public int Runs { get; init; } = 16;

    /// <summary>Seed of the data streams (θ* has its own seed, in the problem).</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Record the risk of the worker-averaged fast weights after every inner step.</summary>
    public bool RecordInnerSteps { get; init; }

    /// <summary>Threads to use; results do not depend on it. Default: every core.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>A run diverges when its risk is non-finite or exceeds this many times its initial risk.</summary>
    public double DivergenceFactor { get; init; } = 1e12;

    /// <summary>
    /// S ≥ 1, sub-batches per minibatch (default 1; must divide B). Each worker w draws its B samples as S blocks of B/S,
    /// block j from the data stream that worker w·S + j reads when S = 1, in the order a worker with batch B/S draws
    /// them. For common random numbers: one worker at batch M·B with S = M and the same seed sees, step by step, exactly
    /// the samples that M workers at batch B see, so the per-run difference of the two has a small variance.
    /// S = 1 is the ordinary simulation.
    /// </summary>
    public int SubBatches { get; init; } = 1;

    /// <summary>
    /// How each run's pseudo-gradients are averaged: called once per run (a reducer holds a round's state, and runs go
    /// in parallel); null = <see cref="InProcessReducer{T}"/>. A codec or any custom <see cref="IReducer{T}"/> goes here.
    /// </summary>
    public Func<IReducer<double>>? Reducer { get; init; }

    /// <summary>Checks the options, naming the flag of a bad one.</summary>
    public void Validate()
    {
        FamilySettings.AtLeastOne(Rounds, "--rounds", "number of rounds");
        FamilySettings.AtLeastOne(Runs, "--runs", "number of runs");
        FamilySettings.AtLeastOne(Threads, "--threads", "number of threads");
        FamilySettings.AtLeastOne(SubBatches, nameof(SubBatches), "number of sub-batches");
    }

    /// <summary>Checks <see cref="SubBatches"/> against the batch size B of the configuration that will run.</summary>
    public void Validate(FamilyConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Validate();
        if (config.BatchSize % SubBatches != 0)
        {
            throw new InvalidInputException(nameof(SubBatches),
                $"{SubBatches} sub-batches do not divide the batch size B = {config.BatchSize}; S must divide B.");
        }
    }
}

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
        FamilySettings.Validate(config);
        options.Validate(config);

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
        var round = new TwoPhaseRound<double>(workers, outer, config.InnerSteps, options.Reducer?.Invoke());
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
