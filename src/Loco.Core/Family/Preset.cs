namespace Loco.Core.Family;

/// <summary>Named members of the family (DESIGN.md §1): settings of the one algorithm, not separate code.</summary>
public enum Preset
{
    /// <summary>H = 1, α = 1, β = 0, M = 1.</summary>
    Sgd,
    /// <summary>Lookahead: M = 1, β = 0.</summary>
    La,
    /// <summary>LA-DiLoCo: M ≥ 1, β = 0.</summary>
    LaDiloco,
    /// <summary>LA with outer momentum (Nesterov unless heavy-ball is asked for).</summary>
    Sla,
    /// <summary>Inner AdamW, outer Nesterov α = 0.7, β = 0.9.</summary>
    Diloco,
}

/// <summary>Parsing and naming of presets.</summary>
public static class Presets
{
    /// <summary>Names as used on the command line.</summary>
    public static IReadOnlyList<string> Names { get; } = ["sgd", "la", "la-diloco", "sla", "diloco"];

    /// <summary>The command-line name of a preset.</summary>
    public static string Name(this Preset preset) => Names[(int)preset];

    /// <summary>
    /// The name a run is labelled with: the named member (DESIGN.md §1) whose settings <paramref name="c"/> has, or
    /// <c>custom</c>. The label follows the settings, not the command's defaults: inner SGD with outer Nesterov is
    /// <c>sla</c>, not <c>diloco</c>.
    /// </summary>
    public static string Label(FamilyConfig c)
    {
        ArgumentNullException.ThrowIfNull(c);
        bool plain = c.OuterKind == Optimizers.OuterKind.Plain;
        bool sgd = c.InnerKind == Optimizers.InnerKind.Sgd;
        if (c.InnerKind == Optimizers.InnerKind.AdamW && c.OuterKind == Optimizers.OuterKind.Nesterov)
        {
            return Preset.Diloco.Name();
        }

        if (!sgd)
        {
            return "custom";
        }

        if (plain && c.Workers == 1 && c.InnerSteps == 1 && c.OuterLr == 1)
        {
            return Preset.Sgd.Name();
        }

        return plain ? (c.Workers == 1 ? Preset.La : Preset.LaDiloco).Name() : Preset.Sla.Name();
    }

    /// <summary>Parses a command-line name; throws <see cref="InvalidInputException"/> naming <paramref name="flag"/>.</summary>
    public static Preset Parse(string text, string flag = "--preset")
    {
        int index = Names.ToList().FindIndex(n => string.Equals(n, text?.Trim(), StringComparison.OrdinalIgnoreCase));
        return index >= 0
            ? (Preset)index
            : throw new InvalidInputException(flag, $"unknown preset '{text}'; choose one of {string.Join(", ", Names)}.");
    }
}
