using System.CommandLine;

namespace Loco.Cli;

/// <summary>"Did you mean …?" for a mistyped command or flag: the nearest known name by edit distance.</summary>
internal static class Suggestions
{
    /// <summary>
    /// A message for the first token the parser did not recognise, naming the nearest command or flag when one is close,
    /// or null when the error is of another kind.
    /// </summary>
    public static string? ForUnknownToken(RootCommand root, ParseResult parsed, string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith('-'))
        {
            return null;
        }

        Command? command = root.Subcommands.FirstOrDefault(c => c.Name == args[0]);
        if (command is null)
        {
            string? near = Nearest(args[0], root.Subcommands.Select(c => c.Name));
            return near is null
                ? $"unknown command '{args[0]}'; the commands are {string.Join(", ", root.Subcommands.Select(c => c.Name))}."
                : $"unknown command '{args[0]}'; did you mean '{near}'?";
        }

        string? flag = parsed.UnmatchedTokens.FirstOrDefault(t => t.StartsWith("--", StringComparison.Ordinal));
        if (flag is null)
        {
            return null;
        }

        string? nearFlag = Nearest(flag, command.Options.Select(o => o.Name));
        return nearFlag is null
            ? $"unknown flag '{flag}' for 'loco {command.Name}'."
            : $"unknown flag '{flag}' for 'loco {command.Name}'; did you mean '{nearFlag}'?";
    }

    /// <summary>The candidate nearest to <paramref name="text"/>, if within a third of its length (at least 2 edits).</summary>
    public static string? Nearest(string text, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string candidate in candidates)
        {
            int d = Distance(text, candidate);
            if (d < bestDistance)
            {
                (best, bestDistance) = (candidate, d);
            }
        }

        return bestDistance <= Math.Max(2, text.Length / 3) ? best : null;
    }

    // Levenshtein distance, two rows.
    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
