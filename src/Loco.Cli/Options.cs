using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

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
