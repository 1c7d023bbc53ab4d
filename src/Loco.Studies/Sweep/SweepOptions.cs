using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Torch.Data;
using Loco.Torch.Models;
using Loco.Torch.Training;

namespace Loco.Studies.Sweep;

/// <summary>
/// A stability sweep: for each H in <see cref="InnerStepsList"/>, each restart setting (never, and every
/// <see cref="RestartPeriod"/> rounds), each outer learning rate (rows) × outer momentum (columns), one language-model
/// training run of <see cref="Rounds"/> rounds; everything else (model, data, batch, context, inner optimizer, seed) is
/// shared by every cell. The defaults follow the outer-momentum-restart paper's grid (DiLoCo with M = 2, inner AdamW,
/// outer Nesterov in the EMA form, K = 3, H ∈ {8, 32}) at a size a 2-core CPU sweeps in under half an hour.
/// </summary>
public sealed record SweepOptions
{
    /// <summary>The paper's outer learning rates (rows).</summary>
    public static IReadOnlyList<double> PaperOuterLrs { get; } = [0.1, 0.3, 0.5, 0.7, 0.9, 1.1];

    /// <summary>The paper's outer momenta (columns).</summary>
    public static IReadOnlyList<double> PaperMomenta { get; } = [0.1, 0.3, 0.5, 0.7, 0.9];

    /// <summary>Model preset name (see <see cref="LlamaConfig.Preset"/>).</summary>
    public string Model { get; init; } = "tiny";

    /// <summary>The values of H, one sweep grid pair (without / with restart) each.</summary>
    public IReadOnlyList<int> InnerStepsList { get; init; } = [8, 32];

    /// <summary>K of the restart grids; 0 = sweep only without restart. <see cref="RestartRule"/>, when set, replaces it.</summary>
    public int RestartPeriod { get; init; } = 3;

    /// <summary>
    /// The restart rule of the second grid per H when it is not every <see cref="RestartPeriod"/> rounds (for example
    /// <c>adaptive:dot</c> or <c>adaptive:loss</c>); null = every K.
    /// </summary>
    public RestartSchedule? RestartRule { get; init; }

    /// <summary>
    /// The second grid's restart rule: <see cref="RestartRule"/>, or every <see cref="RestartPeriod"/> rounds; never (no second
    /// grid) in the warm-up comparison (<see cref="MatchRestartStep"/>).
    /// </summary>
    public RestartSchedule Restart => MatchRestartStep > 0 ? RestartSchedule.Never : RestartRule ?? RestartSchedule.Every(RestartPeriod);

    /// <summary>Outer learning rates, the grid's rows (α, or ν in the EMA form).</summary>
    public IReadOnlyList<double> OuterLrs { get; init; } = PaperOuterLrs;

    /// <summary>Outer momenta, the grid's columns.</summary>
    public IReadOnlyList<double> Momenta { get; init; } = PaperMomenta;

    /// <summary>The outer step's kind.</summary>
    public OuterKind OuterKind { get; init; } = OuterKind.Nesterov;

    /// <summary>The outer step's parameterisation: PyTorch's, as every command's default; the paper's regime sets EMA.</summary>
    public OuterForm OuterForm { get; init; } = OuterForm.PyTorch;

    /// <summary>Rounds per cell (each cell takes Rounds·H inner steps per worker). 12 = four restart cycles at K = 3.</summary>
    public int Rounds { get; init; } = 12;

    /// <summary>
    /// Inner steps per worker per cell, the same at every H (a cell at H runs ⌊budget/H⌋ rounds), as in the restart paper's
    /// fixed budget; null = <see cref="Rounds"/> rounds at every H.
    /// </summary>
    public int? InnerStepBudget { get; init; }

    /// <summary>
    /// K &gt; 0: the warm-up comparison. No restart, and each cell's outer lr is its row's ν times the mean step factor of a
    /// restart every K rounds (<see cref="RestartWarmup.MeanStepFactor"/>, Nesterov), so that it makes the same
    /// mean outer step as the restarted grid; the rows keep the nominal ν. 0 = off.
    /// </summary>
    public int MatchRestartStep { get; init; }

    /// <summary>Rounds of a cell at H = <paramref name="innerSteps"/>: ⌊budget/H⌋ with a budget, else <see cref="Rounds"/>.</summary>
    public int RoundsAt(int innerSteps) => InnerStepBudget is int n ? n / innerSteps : Rounds;

    /// <summary>
    /// The restart paper's regime, scaled to a 2-core CPU: a fixed budget of 768 inner steps per worker (the paper's ~12,500
    /// divided by 16), H ∈ {4, 8, …, 128} (the paper's 64 … 2048 divided by 16; 6 rounds at the largest), M = 2, inner AdamW
    /// at 1e-3 with 5% warmup and cosine decay over the budget, EMA-form Nesterov, K = 3, the paper's ν × β grid. The model is
    /// <c>tiny</c> (the paper: LLaMA 150M on C4).
    /// </summary>
    public static SweepOptions PaperRegime { get; } = new()
    {
        InnerStepsList = [4, 8, 16, 32, 64, 128],
        InnerStepBudget = 768,
        InnerLr = 1e-3,
        RestartPeriod = 3,
        OuterKind = OuterKind.Nesterov,
        OuterForm = OuterForm.Ema,
        Workers = 2,
    };

    /// <summary>M, the number of workers.</summary>
    public int Workers { get; init; } = 2;

    /// <summary>B, rows per minibatch per worker.</summary>
    public int BatchSize { get; init; } = 4;

    /// <summary>T, tokens per row.</summary>
    public int Context { get; init; } = 32;

    /// <summary>η, the peak inner AdamW learning rate (5% warmup, cosine decay to 10%, as <c>loco train</c>).</summary>
    public double InnerLr { get; init; } = 2e-3;

    /// <summary>Seed of the initial weights and the data streams, the same for every cell.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>"cpu" or "cuda".</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>When a cell is stable.</summary>
    public StabilityCriterion Criterion { get; init; } = new();

    /// <summary>Validation windows of <see cref="Context"/> tokens per evaluation.</summary>
    public int ValidationWindows { get; init; } = 256;

    /// <summary>The codec every cell's pseudo-gradients pass through (DESIGN.md §8); fp32 = none.</summary>
    public Loco.Core.Codecs.CodecSpec Codec { get; init; } = Loco.Core.Codecs.CodecSpec.None;

    /// <summary>Error feedback in every cell.</summary>
    public bool ErrorFeedback { get; init; }

    /// <summary>Streaming fragments in every cell (DESIGN.md §8); null = the plain round.</summary>
    public Loco.Core.Rounds.FragmentSchedule? Fragments { get; init; }

    /// <summary>Every cell's forward and backward precision (fp32 master weights in every case).</summary>
    public Precision Precision { get; init; } = Precision.Fp32;

    /// <summary>Every cell's inner learning-rate schedule after warmup (cosine by default; see <see cref="LearningRateSchedule"/>).</summary>
    public LearningRateSchedule Schedule { get; init; } = new(1);

    /// <summary>The restart settings swept: never, then <see cref="Restart"/> unless it is never too.</summary>
    public IReadOnlyList<RestartSchedule> RestartSettings => Restart is NeverRestart ? [RestartSchedule.Never] : [RestartSchedule.Never, Restart];

    /// <summary>Cells per (H, restart setting) grid.</summary>
    public int GridSize => OuterLrs.Count * Momenta.Count;

    /// <summary>Every cell, grid by grid (H, then restart setting), row by row.</summary>
    public IReadOnlyList<SweepCell> Cells()
    {
        var cells = new List<SweepCell>();
        foreach (int h in InnerStepsList)
        {
            foreach (RestartSchedule k in RestartSettings)
            {
                for (int r = 0; r < OuterLrs.Count; r++)
                {
                    for (int c = 0; c < Momenta.Count; c++)
                    {
                        cells.Add(new SweepCell(h, k, OuterLrs[r], Momenta[c], r, c));
                    }
                }
            }
        }

        return cells;
    }

    /// <summary>Checks every setting, naming the flag of the first bad one.</summary>
    public void Validate()
    {
        if (!LlamaConfig.PresetNames.Contains(Model))
        {
            throw new InvalidInputException("--model", $"unknown model '{Model}'; choose one of {string.Join(", ", LlamaConfig.PresetNames)}.");
        }

        Require(InnerStepsList.Count > 0 && InnerStepsList.All(h => h >= 1), "--inner-steps-list", "must list at least one H, each ≥ 1.");
        Require(InnerStepsList.Distinct().Count() == InnerStepsList.Count, "--inner-steps-list", "lists an H twice.");
        Require(RestartPeriod >= 0, "--restart-period", $"must be 0 (sweep only without restart) or a positive number of rounds (got {RestartPeriod}).");
        Require(RestartRule is not NeverRestart, "--restart", "never is the first grid of every H already; give a rule for the second grid (every:K, adaptive:dot, adaptive:loss).");
        Require(OuterLrs.Count > 0 && OuterLrs.All(a => double.IsFinite(a) && a > 0), "--outer-lrs", "must list at least one outer learning rate, each positive and finite.");
        Require(OuterLrs.Distinct().Count() == OuterLrs.Count, "--outer-lrs", "lists a learning rate twice.");
        Require(Momenta.Count > 0 && Momenta.All(b => b is >= 0 and < 1), "--momenta", "must list at least one outer momentum, each in [0, 1).");
        Require(Momenta.Distinct().Count() == Momenta.Count, "--momenta", "lists a momentum twice.");
        Require(OuterKind != OuterKind.Plain || Momenta.All(b => b == 0), "--momenta", "a plain outer step (--outer plain) has no momentum; use --momenta 0 or choose --outer heavy-ball or nesterov.");
        Require(Rounds >= 1, "--rounds", $"must be at least 1 (got {Rounds}).");
        Require(InnerStepBudget is null || InnerStepBudget >= InnerStepsList.Max(), "--budget",
            $"must give the largest H at least one round: at least {InnerStepsList.Max()} inner steps (got {InnerStepBudget}).");
        Require(MatchRestartStep >= 0, "--match-restart-step", $"must be 0 (off) or a restart period K ≥ 1 (got {MatchRestartStep}).");
        Require(MatchRestartStep == 0 || OuterKind == OuterKind.Nesterov, "--match-restart-step",
            "the mean-step factor is that of the Nesterov outer step; use it with --outer nesterov.");
        Require(Workers >= 1, "--workers", $"must be at least 1 (got {Workers}).");
        Require(BatchSize >= 1, "--batch", $"must be at least 1 (got {BatchSize}).");
        Require(Context >= 1, "--context", $"must be at least 1 (got {Context}).");
        Require(double.IsFinite(InnerLr) && InnerLr > 0, "--inner-lr", $"must be a positive finite number (got {InnerLr}).");
        Require(ValidationWindows >= 1, "--validation-windows", $"must be at least 1 (got {ValidationWindows}).");
        _ = Criterion ?? throw new InvalidInputException("--margin", "no stability criterion given.");
        Require(Device.Trim().ToLowerInvariant() is "cpu" or "cuda", "--device", $"unknown device '{Device}'; choose cpu or cuda.");
        if (Fragments is { } fragments)
        {
            // Every H must hold the fragments' overlap, and the second grid's rule must not read the whole round.
            foreach (int h in InnerStepsList.Order())
            {
                foreach (RestartSchedule restart in RestartSettings)
                {
                    fragments.CheckFamily(Family(new SweepCell(h, restart, OuterLrs[0], Momenta[0], 0, 0)));
                }
            }
        }
    }

    /// <summary>The training options of <paramref name="cell"/> on a corpus with <paramref name="vocabularySize"/> tokens.</summary>
    public TrainingOptions Training(SweepCell cell, int vocabularySize)
    {
        int steps = RoundsAt(cell.InnerSteps) * cell.InnerSteps;
        return new TrainingOptions
        {
            Model = LlamaConfig.Preset(Model, vocabularySize, Math.Max(Context, 1)),
            Family = Family(cell),
            Context = Context,
            Steps = steps,
            EvalEvery = 0,
            WarmupSteps = steps / 20,
            Seed = Seed,
            Device = Device,
            Threads = 1,
            ValidationWindows = ValidationWindows,
            Codec = Codec,
            ErrorFeedback = ErrorFeedback,
            Fragments = Fragments,
            Schedule = Schedule.Kind,
            DecayFraction = Schedule.DecayFraction,
            Precision = Precision,
        };
    }

    /// <summary>The family member of <paramref name="cell"/>: inner AdamW, the sweep's outer step with the cell's values.</summary>
    public FamilyConfig Family(SweepCell cell) => new()
    {
        InnerKind = InnerKind.AdamW,
        InnerLr = InnerLr,
        InnerSteps = cell.InnerSteps,
        Workers = Workers,
        BatchSize = BatchSize,
        OuterKind = OuterKind,
        OuterForm = OuterForm,
        OuterLr = MatchRestartStep > 0 ? cell.OuterLr * RestartWarmup.MeanStepFactor(cell.OuterMomentum, MatchRestartStep) : cell.OuterLr,
        OuterMomentum = cell.OuterMomentum,
        Restart = cell.Restart,
    };

    /// <summary>Checks that the corpus can feed every cell (naming <paramref name="subject"/>, the corpus flag).</summary>
    public void CheckCorpus(TokenCorpus corpus, string subject = "--corpus")
    {
        ArgumentNullException.ThrowIfNull(corpus);
        BatchSampler.EnsureFits(corpus.Train.Length, Workers, BatchSize, Context, subject);
        _ = new ValidationBatches(corpus.Validation, BatchSize, Context, ValidationWindows, subject);
    }

    private static void Require(bool condition, string flag, string problem)
    {
        if (!condition)
        {
            throw new InvalidInputException(flag, problem);
        }
    }
}
