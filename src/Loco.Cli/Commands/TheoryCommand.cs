using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Loco.Cli.Output;
using Loco.Core.Family;
using Loco.Core.Problems;
using Loco.Reports.Tables;
using Loco.Simulation;
using Loco.Theory.Dynamics;
using Loco.Theory.Spectra;
using Spectre.Console;

namespace Loco.Cli.Commands;

/// <summary>
/// <c>loco theory</c>: the exact expected-risk recursion (Loco.Theory.Dynamics) for one member of the family with
/// inner SGD, optionally overlaid on a Monte Carlo simulation of the same settings.
/// </summary>
internal sealed class TheoryCommand
{
    /// <summary>Largest D for which the default is one atom per mode of the drawn problem.</summary>
    public const int ExactAtomLimit = 100_000;

    /// <summary>Quadrature size used above <see cref="ExactAtomLimit"/> when --atoms is not given.</summary>
    public const int DefaultAtoms = 2000;

    private readonly FamilyOptions _family = new();
    private readonly ProblemOptions _problem = new();
    private readonly RunOptions _run = new();
    private readonly CodecOptions _codec = new();
    private readonly Option<string?> _mode = Options.Text("--mode",
        "exact (keeps the finite-D fourth-moment term λ_i² E[f_i²] of the gradient noise) or high-dim (drops it: the high-dimensional limit). Default: exact.");
    private readonly Option<int?> _atoms = Options.Int("--atoms",
        $"Represent the power-law spectrum by a quadrature of about N atoms (≥ 8) with the expected target E[θ*_i²] = i^(−b) instead of the drawn θ*. " +
        $"Default: one atom per mode of the drawn problem when D ≤ {ExactAtomLimit:N0}, else a {DefaultAtoms}-atom quadrature. Not with --spectrum-file.");
    private readonly Option<bool> _innerCurve = Options.Flag("--inner-curve", "Also output the expected risk of the worker-averaged fast weights after every inner step (CSV rows with inner_step > 0).");
    private readonly Option<string?> _modes = Options.Text("--modes", "Write each atom's share of the final excess risk to this CSV: atom, lambda, weight (modes it stands for), signal, noise.");
    private readonly Option<string?> _csv = Options.Text("--csv",
        "Write the curves to this CSV file: one row per round (and per inner step with --inner-curve); columns as 'loco simulate' (" +
        CurveWriter.Header + ", stderr empty) then " + string.Join(',', CurveWriter.TheoryColumns) + " (and " + string.Join(',', CurveWriter.ComparisonColumns) + " with --compare-simulation).");
    private readonly Option<bool> _json = Options.Flag("--json", "Print the result as JSON on standard output instead of the table.");
    private readonly Option<int?> _compare = Options.Int("--compare-simulation",
        "Also run R (≥ 2) Monte Carlo runs of the simulator with the same settings (--seed, --threads apply) and overlay them: sim_risk, sim_stderr and a z-score summary. Needs exact atoms. Default: no simulation.");

    public Command Build(Terminal terminal)
    {
        var command = new Command("theory",
            "Exact expected risk of a two-phase optimizer with inner SGD on Gaussian linear regression, per round: " +
            "risk, excess risk, its signal (carried by the means) and noise (carried by the fluctuations) parts, the mean " +
            "fast-weight risk within each round, and the excess of M workers at batch B over one worker at batch M·B. " +
            "Risk = signal + noise + σ²/2.");
        IEnumerable<Option> options = _family.All.Concat(_problem.All)
            .Concat([_run.Rounds, _run.Seed, _run.Threads, _mode, _atoms, _innerCurve, _modes, _csv, _json, _compare]).Concat(_codec.All);
        foreach (Option option in options)
        {
            command.Options.Add(option);
        }

        command.SetAction(r => Execute(r, terminal));
        return command;
    }

    private int Execute(ParseResult r, Terminal terminal)
    {
        FamilyConfig config = _family.Read(r);
        RiskRecursion.CheckSupported(config);
        (Loco.Core.Codecs.CodecSpec codec, bool feedback) = _codec.Read(r);
        CodecNoise.CheckSupported(codec, feedback);
        int rounds = r.GetValue(_run.Rounds) ?? 100;
        InputChecks.AtLeastOne(rounds, "--rounds", "number of rounds");
        TheoryMode mode = Options.Choice(r.GetValue(_mode), "--mode", Options.TheoryModes) ?? TheoryMode.Exact;
        int? compareRuns = r.GetValue(_compare);
        if (compareRuns is int runs && runs < 2)
        {
            throw new InvalidInputException("--compare-simulation", $"the comparison needs at least 2 runs for a standard error (got {runs}).");
        }

        int threads = r.GetValue(_run.Threads) ?? Environment.ProcessorCount;
        InputChecks.AtLeastOne(threads, "--threads", "number of threads");
        int dim = r.GetValue(_problem.Dim) ?? 1000;
        ResultMemory.EnsureTheoryFits(r.GetValue(_problem.SpectrumFile) is null && (r.GetValue(_atoms) is not null || dim > ExactAtomLimit) ? r.GetValue(_atoms) ?? DefaultAtoms : dim,
            rounds, config, r.GetValue(_innerCurve), r.GetValue(_modes) is not null, compareRuns, dim, threads);
        (AtomSpectrum spectrum, LinearRegressionProblem? problem, double noise) = ReadSpectrum(r, compareRuns is not null);
        string method = Presets.Label(config);
        string? csv = r.GetValue(_csv);
        string? modesPath = r.GetValue(_modes);
        bool json = r.GetValue(_json);
        var options = new TheoryOptions
        {
            Rounds = rounds,
            Mode = mode,
            RecordInnerSteps = r.GetValue(_innerCurve),
            RecordModes = modesPath is not null,
            Threads = threads,
            Codec = codec,
        };

        var progress = new TheoryProgress();
        var watch = Stopwatch.StartNew();
        TheoryResult theory = terminal.WithProgress("theory",
            () => progress.RoundsTotal == 0 ? 0 : (double)progress.RoundsDone / progress.RoundsTotal,
            () => new RiskRecursion(spectrum, config, noise).Run(options, progress));
        double seconds = watch.Elapsed.TotalSeconds;
        double[]? multiWorker = null;
        if (config.Workers > 1)
        {
            TheoryResult single = new RiskRecursion(spectrum, MultiWorkerDecomposition.SingleWorkerOf(config), noise)
                .Run(options with { RecordInnerSteps = false, RecordModes = false });
            multiWorker = new MultiWorkerDecomposition(theory, single).ExcessCurve();
        }
        else
        {
            multiWorker = new double[theory.RoundsCompleted + 1];
        }

        // With a lossy codec: its predicted cost, the final risk with the codec minus without (and, with a simulation, the
        // simulated cost as a paired difference on common random numbers: the same seed, runs and data).
        bool lossy = codec.Kind != Loco.Core.Codecs.CodecKind.Fp32;
        TheoryResult? uncompressed = lossy ? new RiskRecursion(spectrum, config, noise).Run(options with { Codec = Loco.Core.Codecs.CodecSpec.None, RecordInnerSteps = false, RecordModes = false }) : null;
        SimulationResult? simulation = null;
        PairedDifference? simulatedCost = null;
        if (compareRuns is int simRuns)
        {
            var simProgress = new SimulationProgress();
            var simOptions = new SimulationOptions
            {
                Rounds = rounds, Runs = simRuns, Seed = r.GetValue(_run.Seed) ?? 1, Threads = threads, RecordInnerSteps = options.RecordInnerSteps,
                Codec = codec,
            };
            simulation = terminal.WithProgress("simulating",
                () => simProgress.RoundsTotal == 0 ? 0 : (double)simProgress.RoundsDone / simProgress.RoundsTotal,
                () => MonteCarloSimulator.Run(problem!, config, simOptions, simProgress));
            if (lossy && simulation.RoundsCompleted == theory.RoundsCompleted)
            {
                SimulationResult plain = terminal.WithProgress("simulating without the codec", () => 0,
                    () => MonteCarloSimulator.Run(problem!, config, simOptions with { Codec = Loco.Core.Codecs.CodecSpec.None, RecordInnerSteps = false }));
                if (plain.RoundsCompleted == simulation.RoundsCompleted)
                {
                    simulatedCost = PairedDifference.OfFinalRisk(simulation, plain);
                }
            }
        }

        string? costLine = null;
        if (uncompressed is not null && uncompressed.RoundsCompleted == theory.RoundsCompleted)
        {
            double predicted = theory.FinalRisk - uncompressed.FinalRisk;
            costLine = $"codec {codec}: predicted cost {predicted:+0.####E+0;-0.####E+0} in final risk ({predicted / uncompressed.FinalRisk:+0.###%;-0.###%}), "
                + (codec.Blockwise ? $"block model (absmax over {codec.BlockSize})" : $"ε² = {CodecNoise.RelativeVarianceOf(codec):G3}")
                + (codec.Stochastic ? "" : " (round to nearest: modelled as noise of its measured size, which ignores its bias)");
            if (simulatedCost is PairedDifference c)
            {
                costLine += $"; simulated {c.Mean:+0.####E+0;-0.####E+0} ± {c.StdErr:0.##E+0} (paired, {c.Runs} runs), z = {(predicted - c.Mean) / c.StdErr:+0.00;-0.00}";
            }
        }

        if (csv is not null)
        {
            Files.Write("--csv", () => CurveWriter.TheoryCsv(method, theory, multiWorker, simulation).Save(csv, terminal.Out));
        }

        if (modesPath is not null && theory.Modes is not null)
        {
            Files.Write("--modes", () => CurveWriter.ModesCsv(theory.Modes).Save(modesPath, terminal.Out));
        }

        ZSummary? z = simulation is null ? null : ZSummary.Of(theory, simulation);
        if (json)
        {
            terminal.Out.WriteLine(CurveWriter.TheoryJson(method, theory, multiWorker, simulation, seconds));
        }
        else
        {
            PrintTable(terminal, method, config, theory, multiWorker, simulation, seconds);
            if (z is not null)
            {
                terminal.Out.WriteLine(z.ToString());
            }

            if (costLine is not null)
            {
                terminal.Out.WriteLine(costLine);
            }

            if (csv is not null)
            {
                terminal.Out.WriteLine($"curves written to {csv}");
            }

            if (modesPath is not null)
            {
                terminal.Out.WriteLine($"per-atom contributions written to {modesPath}");
            }
        }

        if (theory.DivergedAtRound is int k)
        {
            terminal.Error.WriteLine($"loco theory: diverged at round {k} (risk non-finite or above 1e12 × its start); outputs hold rounds 0..{k - 1}.");
            return ExitCodes.Diverged;
        }

        return ExitCodes.Ok;
    }

    private (AtomSpectrum Spectrum, LinearRegressionProblem? Problem, double Noise) ReadSpectrum(ParseResult r, bool needProblem)
    {
        int? atoms = r.GetValue(_atoms);
        string? file = r.GetValue(_problem.SpectrumFile);
        double noise = r.GetValue(_problem.Noise) ?? 0.1;
        if (file is not null)
        {
            if (atoms is not null)
            {
                throw new InvalidInputException("--atoms", "a spectrum file is used mode by mode; drop --atoms.");
            }

            LinearRegressionProblem fromFile = _problem.Read(r);
            return (AtomSpectrum.FromProblem(fromFile), fromFile, noise);
        }

        int dim = r.GetValue(_problem.Dim) ?? 1000;
        InputChecks.AtLeastOne(dim, "--dim", "dimension");
        if (atoms is not null || dim > ExactAtomLimit)
        {
            if (needProblem)
            {
                throw new InvalidInputException("--compare-simulation",
                    $"the comparison needs one atom per mode of the drawn problem (D ≤ {ExactAtomLimit:N0} and no --atoms).");
            }

            if (!double.IsFinite(noise) || noise < 0)
            {
                throw new InvalidInputException("--noise", $"the label-noise standard deviation must be a non-negative finite number (got {noise}).");
            }

            return (AtomSpectrum.PowerLawQuadrature(dim, r.GetValue(_problem.SpectrumExp) ?? 1.5, r.GetValue(_problem.TargetExp) ?? 1.0,
                atoms ?? DefaultAtoms, r.GetValue(_problem.LambdaMax) ?? 1.0), null, noise);
        }

        LinearRegressionProblem problem = _problem.Read(r);
        return (AtomSpectrum.FromProblem(problem), problem, noise);
    }

    private static void PrintTable(Terminal terminal, string method, FamilyConfig config, TheoryResult theory, double[]? multiWorker, SimulationResult? sim, double seconds)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"[bold]{Markup.Escape(method)}[/]: {Markup.Escape(config.ToString())} — theory ({(theory.Mode == TheoryMode.Exact ? "exact" : "high-dim")})");
        table.AddColumns("round", "risk", "excess", "signal", "noise", "multi-worker excess");
        if (sim is not null)
        {
            table.AddColumns("sim risk ± stderr", "z");
        }

        foreach (int k in ShownRounds(theory.RoundsCompleted))
        {
            var cells = new List<string>
            {
                k.ToString(CultureInfo.InvariantCulture), G(theory.Risk[k]), G(theory.ExcessRisk(k)), G(theory.Signal[k]), G(theory.Noise[k]),
                multiWorker is not null && k < multiWorker.Length ? G(multiWorker[k]) : "",
            };
            if (sim is not null)
            {
                bool has = k <= sim.RoundsCompleted;
                cells.Add(has ? $"{G(sim.Risk[k])} ± {sim.RiskStdErr[k]:G2}" : "");
                cells.Add(has && k > 0 && ZScore(theory, sim, k) is double z ? z.ToString("F2", CultureInfo.InvariantCulture) : "");
            }

            table.AddRow(cells.ToArray());
        }

        terminal.Console.Write(table);
        long modeSteps = (long)theory.Atoms * config.InnerSteps * theory.RoundsCompleted;
        terminal.Out.WriteLine($"problem: {theory.Problem}; {theory.Atoms:N0} atoms; floor σ²/2 = {theory.NoiseFloor:G3}");
        if (config.Restart.ObservesRound)
        {
            terminal.Out.WriteLine($"restart {config.Restart}: decided each round on the expected Δ·v, norms and loss, which is exact without noise; " +
                "with noise each simulated run decides on its own draws, so compare with --compare-simulation.");
        }

        terminal.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"time: {seconds:F3} s for {theory.RoundsCompleted} rounds ({(seconds > 0 ? modeSteps / seconds : 0):G3} atom·inner-steps per second)"));
    }

    private static IEnumerable<int> ShownRounds(int completed)
    {
        // At most ~20 rows: every round when few, else evenly spaced with the last one.
        int step = Math.Max(1, (int)Math.Ceiling(completed / 20.0));
        for (int k = 0; k < completed; k += step)
        {
            yield return k;
        }

        yield return completed;
    }

    private static string G(double x) => x.ToString("G5", CultureInfo.InvariantCulture);

    // (theory − simulation) / standard error at round k, or null where the simulation has (next to) no spread.
    private static double? ZScore(TheoryResult theory, SimulationResult sim, int k) =>
        sim.RiskStdErr[k] > 1e-12 * sim.Risk[k] ? (theory.Risk[k] - sim.Risk[k]) / sim.RiskStdErr[k] : null;

    /// <summary>How far the theory lies from the simulation, in standard errors, over rounds 1..T.</summary>
    private sealed record ZSummary(int Rounds, double MaxAbs, double Mean, int Within2, int Within3)
    {
        public static ZSummary Of(TheoryResult theory, SimulationResult sim)
        {
            var z = new List<double>();
            int last = Math.Min(theory.RoundsCompleted, sim.RoundsCompleted);
            for (int k = 1; k <= last; k++)
            {
                if (ZScore(theory, sim, k) is double score)
                {
                    z.Add(score);
                }
            }

            return z.Count == 0
                ? new ZSummary(0, double.NaN, double.NaN, 0, 0)
                : new ZSummary(z.Count, z.Max(Math.Abs), z.Average(), z.Count(x => Math.Abs(x) <= 2), z.Count(x => Math.Abs(x) <= 3));
        }

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"theory vs simulation over {Rounds} rounds: z = (theory − sim)/stderr, max |z| = {MaxAbs:F2}, mean z = {Mean:F2}, " +
            $"|z| ≤ 2 in {Within2}/{Rounds}, |z| ≤ 3 in {Within3}/{Rounds} (rounds are correlated)");
    }
}
