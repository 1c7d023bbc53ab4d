using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Theory.Dynamics;

namespace Loco.Cli;

/// <summary>Option builders with clear parse errors that name the flag.</summary>
internal static class Options
{
    public static Option<double?> Double(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = r => ParseDouble(r, name),
    };

    public static Option<int?> Int(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = r => ParseInt(r, name),
    };

    public static Option<ulong?> Seed(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = r =>
        {
            string text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
            if (ulong.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out ulong v))
            {
                return v;
            }

            r.AddError($"{name}: '{text}' is not a non-negative whole number.");
            return null;
        },
    };

    public static Option<string?> Text(string name, string description) => new(name) { Description = description };

    public static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    /// <summary>The names of --outer (<c>none</c> is accepted for <c>plain</c>, its name before 0.2).</summary>
    public static readonly (string Name, OuterKind Value)[] OuterKinds = [(OuterKind.Plain.Name(), OuterKind.Plain), (OuterKind.HeavyBall.Name(), OuterKind.HeavyBall), (OuterKind.Nesterov.Name(), OuterKind.Nesterov), ("none", OuterKind.Plain)];

    /// <summary>The rule every command's --outer follows when the flag is absent (one rule everywhere, as the form's default).</summary>
    public const string OuterKindDefault = "Default: nesterov when the outer momentum is above 0, plain when it is 0";

    /// <summary>--outer-form's description, the same on every command: the default is pytorch everywhere.</summary>
    public const string OuterFormDescription = "pytorch (v ← βv + Δ) or ema (m ← βm + (1−β)Δ; equals pytorch with α = ν(1−β)). Default: pytorch, on every command.";

    /// <summary>The names of --outer-form.</summary>
    public static readonly (string Name, OuterForm Value)[] OuterForms = [.. Enum.GetValues<OuterForm>().Select(f => (f.Name(), f))];

    /// <summary>The names of --inner.</summary>
    public static readonly (string Name, InnerKind Value)[] InnerKinds = [.. Enum.GetValues<InnerKind>().Select(k => (k.Name(), k))];

    /// <summary>The names of --mode (theory commands).</summary>
    public static readonly (string Name, TheoryMode Value)[] TheoryModes = [("exact", TheoryMode.Exact), ("high-dim", TheoryMode.HighDim)];

    /// <summary>
    /// The value named by <paramref name="text"/> (case-insensitive), null when the flag is absent; an unknown name is bad
    /// input that names <paramref name="flag"/> and lists the choices.
    /// </summary>
    public static T? Choice<T>(string? text, string flag, (string Name, T Value)[] choices) where T : struct
    {
        if (text is null)
        {
            return null;
        }

        foreach ((string name, T value) in choices)
        {
            if (string.Equals(name, text.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        throw new InvalidInputException(flag, $"unknown value '{text}'; choose one of {string.Join(", ", choices.Select(c => c.Name))}.");
    }

    private static double? ParseDouble(ArgumentResult r, string name)
    {
        string text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
        {
            return v; // NaN and ±Infinity parse here and are rejected, with the flag named, by validation.
        }

        r.AddError($"{name}: '{text}' is not a number.");
        return null;
    }

    private static int? ParseInt(ArgumentResult r, string name)
    {
        string text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
        {
            return v;
        }

        r.AddError($"{name}: '{text}' is not a whole number.");
        return null;
    }
}
