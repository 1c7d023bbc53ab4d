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

    /// <summary>Parses a command-line name; throws <see cref="InvalidInputException"/> naming <paramref name="flag"/>.</summary>
    public static Preset Parse(string text, string flag = "--preset")
    {
        int index = Names.ToList().FindIndex(n => string.Equals(n, text?.Trim(), StringComparison.OrdinalIgnoreCase));
        return index >= 0
            ? (Preset)index
            : throw new InvalidInputException(flag, $"unknown preset '{text}'; choose one of {string.Join(", ", Names)}.");
    }
}
