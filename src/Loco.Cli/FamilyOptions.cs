using System.CommandLine;
using Loco.Core.Family;
using Loco.Core.Optimizers;

namespace Loco.Cli;

/// <summary>The flags of DESIGN.md §1, shared by every command that runs a member of the family.</summary>
internal sealed class FamilyOptions
{
    public Option<string?> Preset { get; } = Options.Text("--preset",
        "Named member: sgd (H=1, α=1, β=0, M=1), la (Lookahead: M=1, β=0), la-diloco (β=0, M=4 by default), " +
        "sla (outer Nesterov or heavy-ball, β=0.9 by default), diloco (inner AdamW η=1e-3, outer Nesterov α=0.7, β=0.9, M=4). " +
        "Flags given explicitly override the preset's defaults; a flag that contradicts what the preset fixes is an error. Default: none.");

    public Option<double?> InnerLr { get; } = Options.Double("--inner-lr", "η, the inner learning rate (per inner step; > 0). Default: 0.5 (1e-3 for diloco).");

    public Option<int?> InnerSteps { get; } = Options.Int("--inner-steps", "H, inner steps each worker takes per round (≥ 1). Default: 8 (1 for sgd).");

    public Option<int?> Workers { get; } = Options.Int("--workers", "M, number of workers (≥ 1). Default: 1 (4 for la-diloco and diloco).");

    public Option<int?> Batch { get; } = Options.Int("--batch", "B, samples per minibatch per worker (≥ 1). Default: 8.");

    public Option<double?> OuterLr { get; } = Options.Double("--outer-lr",
        "α, the outer learning rate (> 0); ν in the EMA form. Default: 1 (0.5 for la, la-diloco, sla; 0.7 for diloco).");

    public Option<double?> OuterMomentum { get; } = Options.Double("--outer-momentum", "β, the outer momentum, in [0, 1). Default: 0 (0.9 with heavy-ball or nesterov).");

    public Option<string?> Outer { get; } = Options.Text("--outer",
        $"Outer step: plain (s ← s − αΔ; 'none' is accepted too), heavy-ball, nesterov. {Options.OuterKindDefault} (the sla and diloco presets have momentum).");

    public Option<string?> OuterForm { get; } = Options.Text("--outer-form", Options.OuterFormDescription);

    public Option<int?> RestartPeriod { get; } = Options.Int("--restart-period", "K, reset the outer momentum every K completed rounds (0 = never). Default: 0.");

    public Option<string?> Restart { get; } = Options.Text("--restart",
        "Restart rule instead of --restart-period: never, every:K, adaptive:dot (reset when Δ·v < 0; opposed:c resets when cos(Δ, v) < c), or adaptive:loss " +
        "(reset when the workers' training loss at the end of a round is higher than at the end of the previous one). The adaptive rules run in loco simulate, " +
        "loco train (in process) and loco theory (decided on the expected Δ·v and loss, exact without noise). Default: never.");

    public Option<string?> Inner { get; } = Options.Text("--inner",
        "Inner optimizer: sgd, momentum (heavy-ball), nesterov, adamw (PyTorch semantics). Default: sgd (adamw for diloco).");

    public Option<double?> InnerMomentum { get; } = Options.Double("--inner-momentum", "Momentum of the inner momentum/nesterov optimizer, in [0, 1). Default: 0.9.");

    public Option<double?> WeightDecay { get; } = Options.Double("--weight-decay", "Inner weight decay (coupled L2 for sgd/momentum, decoupled for adamw; ≥ 0). Default: 0.");

    public Option<bool> ResetInnerState { get; } = Options.Flag("--reset-inner-state", "Reset the inner optimizer's state at every sync (default: it persists across rounds, as in DiLoCo).");

    public IEnumerable<Option> All =>
        [Preset, InnerLr, InnerSteps, Workers, Batch, OuterLr, OuterMomentum, Outer, OuterForm, RestartPeriod, Restart, Inner, InnerMomentum, WeightDecay, ResetInnerState];

    /// <summary>The validated configuration the flags describe.</summary>
    public FamilyConfig Read(ParseResult r) => ReadSettings(r).Resolve();

    /// <summary>The settings the flags give (null where a flag is absent), not yet resolved.</summary>
    public FamilySettings ReadSettings(ParseResult r)
    {
        string? preset = r.GetValue(Preset);
        var settings = new FamilySettings
        {
            Preset = preset is null ? null : Presets.Parse(preset),
            InnerLr = r.GetValue(InnerLr),
            InnerSteps = r.GetValue(InnerSteps),
            Workers = r.GetValue(Workers),
            BatchSize = r.GetValue(Batch),
            OuterLr = r.GetValue(OuterLr),
            OuterMomentum = r.GetValue(OuterMomentum),
            OuterKind = Options.Choice(r.GetValue(Outer), "--outer", Options.OuterKinds),
            OuterForm = Options.Choice(r.GetValue(OuterForm), "--outer-form", Options.OuterForms),
            RestartPeriod = r.GetValue(RestartPeriod),
            Restart = ReadRestart(r.GetValue(Restart)),
            InnerKind = Options.Choice(r.GetValue(Inner), "--inner", Options.InnerKinds),
            InnerMomentum = r.GetValue(InnerMomentum),
            WeightDecay = r.GetValue(WeightDecay),
            ResetInnerState = r.GetValue(ResetInnerState) ? true : null,
        };
        return settings;
    }

    private static RestartSchedule? ReadRestart(string? text)
    {
        try
        {
            return text is null ? null : RestartSchedule.Parse(text);
        }
        catch (FormatException e)
        {
            throw new InvalidInputException("--restart", e.Message);
        }
    }
}
