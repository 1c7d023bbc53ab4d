using System.CommandLine;
using Loco.Cli.Output;
using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Reports.Tables;
using Loco.Studies.Ntk;
using Loco.Theory.Analysis;
using Loco.Torch.Ntk;
using Spectre.Console;
using static Loco.Cli.Commands.AnalysisOptions;

namespace Loco.Cli.Commands;

/// <summary>
/// <c>loco ntk</c>: the empirical-NTK toy. A small float64 tanh MLP on a generated regression set; its NTK K = J Jᵀ/n at θ₀;
/// the linearised and the real MLP trained with the two-phase family (full-batch GD inner, M = 1); per-mode, per-cycle
/// contraction of the residual against c_K(μ_i). With <c>--grid</c>: measured stability of the real (and the linearised)
/// MLP over an outer learning rate × momentum grid, beside the theory's prediction from the NTK spectrum.
/// </summary>
internal sealed class NtkCommand
{
    public const int DefaultPoints = 48;
    public const int DefaultInputDim = 2;
    public const int DefaultWidth = 48;
    public const int DefaultDepth = 2;
    public const double DefaultInnerLr = 0.05;
    public const int DefaultInnerSteps = 4;
    public const double DefaultOuterLr = 1.0;
    public const double DefaultOuterMomentum = 0.9;
    public const int DefaultRestartPeriod = 4;
    public const int DefaultRounds = 40;
    public const int DefaultGridRounds = 100;
    public static readonly double[] DefaultGridLrs = [0.25, 0.5, 1, 2, 4, 8];
    public static readonly double[] DefaultGridMomenta = [0, 0.3, 0.6, 0.8, 0.9, 0.95];

    private readonly AnalysisOptions _family = new();
    private readonly Option<int?> _points = Options.Int("--points", $"n, training points, drawn uniformly from [−1, 1]^d (≥ 2; the NTK is n × n). Default: {DefaultPoints}.");
    private readonly Option<int?> _inputDim = Options.Int("--input-dim", $"d, inputs per point (≥ 1); the target is y = sin(π x₁) + ½ cos(π x_d). Default: {DefaultInputDim}.");
    private readonly Option<int?> _width = Options.Int("--width", $"Hidden units per layer of the tanh MLP (≥ 1). Default: {DefaultWidth}.");
    private readonly Option<int?> _depth = Options.Int("--depth", $"Hidden layers of the tanh MLP (≥ 1). Default: {DefaultDepth}.");
    private readonly Option<ulong?> _seed = Options.Seed("--seed", "Seed of the data points and of θ₀ (nn.Linear's uniform init). Default: 1.");
    private readonly Option<int?> _rounds = Options.Int("--rounds", $"Rounds (outer steps) of each run (≥ 1). Default: {DefaultRounds} ({DefaultGridRounds} per cell with --grid).");
    private readonly Option<bool> _grid = Options.Flag("--grid",
        "Measure stability instead: train the real and the linearised MLP in every cell of --outer-lrs × --momenta, without and with restarts; " +
        "a cell is stable when the final training loss is finite and at least --margin below the initial loss. Writes grid.csv and grid.png beside the theory's prediction.");
    private readonly Option<string?> _lrs = Options.Text("--outer-lrs", $"With --grid: outer learning rates of the grid's rows (α, or ν in the EMA form; each > 0), comma-separated. Default: {string.Join(',', DefaultGridLrs)}.");
    private readonly Option<string?> _momenta = Options.Text("--momenta", $"With --grid: outer momenta of the grid's columns (each in [0, 1)), comma-separated. Default: {string.Join(',', DefaultGridMomenta)}.");
    private readonly Option<double?> _margin = Options.Double("--margin", $"With --grid: stability margin, a fraction in [0, 1) as in loco sweep: a cell is measured stable when its final loss is finite and at most (1 − margin) × its initial loss. Default: {MeasuredStability.DefaultMargin}.");
    private readonly Option<int?> _threads = Options.Int("--threads", "TorchSharp threads on the CPU (≥ 1). Default: 1 (fastest for this small network on a small machine).");
    private readonly Option<bool> _json = Options.Flag("--json", "Print the result as JSON on standard output instead of tables (the files are written as usual).");

    private readonly Option<string?> _out = Options.Text("--out",
        "Output folder: spectrum.csv, modes.csv, ntk.png, departure.png (with --grid: spectrum.csv, grid.csv, grid.png). Default: loco-out/ntk.");

    public Command Build(Terminal terminal)
    {
        var command = new Command("ntk",
            "The empirical-NTK toy: a float64 tanh MLP on a generated regression set, L(θ) = (1/2n) Σ (f(x_j; θ) − y_j)². At θ₀ it forms the Jacobian J " +
            "(autograd), the NTK K = J Jᵀ/n and its eigenpairs (λ_i, u_i); μ_i = 1 − (1 − ηλ_i)^H. It trains the linearised model f(θ₀) + J(θ − θ₀) " +
            "and the real MLP with the two-phase family (full-batch GD inner, M = 1, the outer step of --outer), projects each round's residual on u_i " +
            "and compares each mode's ratio over a restart cycle, a_i((j+1)K)/a_i(jK), with the theory's c_K(μ_i) (without restarts: a_i(t)/a_i(0) " +
            "with (T(μ_i)^t)₁₁). A window counts when |a_i(start)| ≥ 1e-5 ‖r₀‖; its error is |measured − theory| / max(|theory|, 0.01). " +
            $"Defaults: n = {DefaultPoints}, d = {DefaultInputDim}, 2 hidden layers of {DefaultWidth}, η = {DefaultInnerLr}, H = {DefaultInnerSteps}, " +
            $"outer Nesterov (PyTorch form) α = {DefaultOuterLr}, β = {DefaultOuterMomentum}, K = {DefaultRestartPeriod}, {DefaultRounds} rounds.");
        _family.InnerLr.Description = $"η, the inner full-batch GD learning rate (> 0). Default: {DefaultInnerLr}.";
        _family.InnerSteps.Description = $"H, inner GD steps per round (≥ 1). Default: {DefaultInnerSteps}.";
        _family.Outer.Description = $"Outer step: plain, heavy-ball, nesterov. {Options.OuterKindDefault} (ntk's outer momentum defaults to {DefaultOuterMomentum}, so nesterov).";
        _family.OuterLr.Description = $"α, the outer learning rate (> 0); ν in the EMA form. Ignored with --grid. Default: {DefaultOuterLr}.";
        _family.OuterMomentum.Description = $"β, the outer momentum, in [0, 1). Ignored with --grid. Default: {DefaultOuterMomentum} (0 with --outer plain).";
        _family.RestartPeriod.Description = $"K, reset the outer momentum every K rounds (0 = never; with --grid the restarted grid uses K, or {DefaultRestartPeriod} when K = 0). Default: {DefaultRestartPeriod}.";
        foreach (Option option in new Option[]
                 {
                     _points, _inputDim, _width, _depth, _seed, _family.InnerLr, _family.InnerSteps, _family.Outer, _family.OuterForm, _family.OuterLr,
                     _family.OuterMomentum, _family.RestartPeriod, _rounds, _grid, _lrs, _momenta, _margin, _threads, _out, _json,
                 })
        {
            command.Options.Add(option);
        }

        command.SetAction(r => Execute(r, terminal));
        return command;
    }

    private int Execute(ParseResult r, Terminal terminal)
    {
        // Everything is read and checked before anything is computed or written.
        bool grid = r.GetValue(_grid);
        NtkProblemOptions shape = ReadShape(r);
        FamilyConfig family = ReadFamily(r, grid);
        int rounds = r.GetValue(_rounds) ?? (grid ? DefaultGridRounds : DefaultRounds);
        if (rounds < 1)
        {
            throw new InvalidInputException("--rounds", $"must be at least 1 (got {rounds}).");
        }

        string outFolder = r.GetValue(_out) ?? Path.Combine("loco-out", "ntk");
        double[] lrs = Numbers(r.GetValue(_lrs), "--outer-lrs", DefaultGridLrs, v => double.IsFinite(v) && v > 0, "a positive finite number");
        double[] momenta = Numbers(r.GetValue(_momenta), "--momenta", family.OuterKind == OuterKind.Plain ? [0.0] : DefaultGridMomenta,
            v => double.IsFinite(v) && v >= 0 && v < 1, "a number in [0, 1)");
        if (family.OuterKind == OuterKind.Plain && momenta.Any(b => b != 0))
        {
            throw new InvalidInputException("--momenta", "a plain outer step (--outer plain) has no momentum; leave --momenta out or choose --outer heavy-ball or nesterov.");
        }

        double margin = r.GetValue(_margin) ?? MeasuredStability.DefaultMargin;
        if (!(margin >= 0 && margin < 1))
        {
            throw new InvalidInputException("--margin", $"the stability margin must lie in [0, 1) (got {margin}).");
        }

        int threads = r.GetValue(_threads) ?? 1;
        Check(threads >= 1 && threads <= 1024, "--threads", $"must lie in 1..1024 (got {threads}).");
        TorchSharp.torch.set_num_threads(threads);
        using NtkProblem problem = NtkProblem.Create(shape);
        double[] mu = EffectiveSpectrum.Compute(problem.Spectrum.Lambda, family.InnerLr, family.InnerSteps);
        bool json = r.GetValue(_json);
        TextWriter lines = json ? terminal.Error : terminal.Out;
        lines.WriteLine($"loco ntk: n = {shape.Samples} points in [−1, 1]^{shape.InputDim}, tanh MLP {shape.Depth}×{shape.Width} " +
                               $"({problem.Real.Dimension:N0} weights, float64), seed {shape.Seed}; NTK λ ∈ [{G(problem.Spectrum.Lambda[^1])}, {G(problem.Spectrum.Lambda[0])}], " +
                               $"η = {G(family.InnerLr)}, H = {family.InnerSteps}, μ ∈ [{G(mu[^1])}, {G(mu[0])}].");
        if (grid)
        {
            int k = family.RestartPeriod > 0 ? family.RestartPeriod : DefaultRestartPeriod;
            int done = 0, total = NtkGridStudy.Cells(lrs, momenta);
            NtkGridResult found = terminal.WithProgress("stability grid (real and linearised MLP)", () => (double)Volatile.Read(ref done) / total,
                () => Files.Write("--out", () => NtkGridStudy.Run(problem, mu, family with { Restart = RestartSchedule.Every(k) }, lrs, momenta, rounds, margin, outFolder,
                    () => Interlocked.Increment(ref done))));
            if (json)
            {
                terminal.Out.WriteLine(NtkJson.Grid(found));
                return ExitCodes.Ok;
            }

            foreach (string line in found.Summary)
            {
                terminal.Out.WriteLine(line);
            }

            terminal.Out.WriteLine($"written: {Path.Combine(outFolder, "grid.csv")}, grid.png, spectrum.csv");
            return ExitCodes.Ok;
        }

        int trained = 0;
        NtkModeResult result = terminal.WithProgress("training (linearised, real)", () => Volatile.Read(ref trained) / 2.0,
            () => Files.Write("--out", () => NtkModeStudy.Run(problem, mu, family, rounds, outFolder, () => Interlocked.Increment(ref trained))));
        if (json)
        {
            terminal.Out.WriteLine(NtkJson.Modes(result));
            return ExitCodes.Ok;
        }

        foreach (string line in result.Before)
        {
            terminal.Out.WriteLine(line);
        }

        var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(result.Modes.Title));
        foreach (string column in result.Modes.Columns)
        {
            table.AddColumn(Markup.Escape(column));
        }

        foreach (IReadOnlyList<string> row in result.Modes.Rows)
        {
            table.AddRow([.. row.Select(Markup.Escape)]);
        }

        terminal.Console.Write(table);
        foreach (string line in result.After)
        {
            terminal.Out.WriteLine(line);
        }

        return ExitCodes.Ok;
    }

    private NtkProblemOptions ReadShape(ParseResult r)
    {
        int points = r.GetValue(_points) ?? DefaultPoints;
        int inputDim = r.GetValue(_inputDim) ?? DefaultInputDim;
        int width = r.GetValue(_width) ?? DefaultWidth;
        int depth = r.GetValue(_depth) ?? DefaultDepth;
        Check(points >= 2 && points <= 4096, "--points", $"must lie in 2..4096 (got {points}).");
        Check(inputDim >= 1 && inputDim <= 1024, "--input-dim", $"must lie in 1..1024 (got {inputDim}).");
        Check(width >= 1 && width <= 4096, "--width", $"must lie in 1..4096 (got {width}).");
        Check(depth >= 1 && depth <= 16, "--depth", $"must lie in 1..16 (got {depth}).");
        return new NtkProblemOptions(points, inputDim, width, depth, r.GetValue(_seed) ?? 1);
    }

    private FamilyConfig ReadFamily(ParseResult r, bool grid)
    {
        OuterKind? kind = Options.Choice(r.GetValue(_family.Outer), "--outer", Options.OuterKinds);
        double? momentum = grid ? null : r.GetValue(_family.OuterMomentum);
        kind ??= momentum is 0 ? OuterKind.Plain : OuterKind.Nesterov;
        var settings = new FamilySettings
        {
            InnerLr = r.GetValue(_family.InnerLr) ?? DefaultInnerLr,
            InnerSteps = r.GetValue(_family.InnerSteps) ?? DefaultInnerSteps,
            OuterKind = kind,
            OuterForm = Options.Choice(r.GetValue(_family.OuterForm), "--outer-form", Options.OuterForms),
            OuterLr = grid ? DefaultOuterLr : r.GetValue(_family.OuterLr) ?? DefaultOuterLr,
            OuterMomentum = momentum ?? (kind == OuterKind.Plain ? 0 : DefaultOuterMomentum),
            RestartPeriod = r.GetValue(_family.RestartPeriod) ?? (kind == OuterKind.Plain ? null : DefaultRestartPeriod),
        };
        return settings.Resolve();
    }

    private static void Check(bool ok, string flag, string problem)
    {
        if (!ok)
        {
            throw new InvalidInputException(flag, problem);
        }
    }
}
