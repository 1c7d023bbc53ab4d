using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Loco.Core.Family;

namespace Loco.Cli;

/// <summary>
/// <c>--config FILE</c>: a JSON object of settings whose keys are a command's flags without the dashes
/// (<c>{"inner-lr": 0.001, "workers": 4, "compress": "int8"}</c>). Its settings become flags before the command line is
/// parsed, except those the command line gives itself, which override the file. A key the command does not have, or a
/// value of the wrong type, names the file and the key (exit 2); so does a value the command refuses.
/// </summary>
internal static class ConfigFile
{
    public const string Name = "--config";

    /// <summary>The <c>--config</c> option of a command that takes a config file.</summary>
    public static Option<string?> CreateOption() => Options.Text(Name,
        "A JSON file of settings, keys the flags' names without '--' (e.g. {\"inner-lr\": 0.001, \"workers\": 4, \"compress\": \"int8\"}); " +
        "flags on the command line override it. Default: none.");

    /// <summary>
    /// <paramref name="args"/> with the settings of the <c>--config</c> file they name (if any) appended as flags, and for
    /// each flag taken from the file, the file and key it came from.
    /// </summary>
    public static (string[] Args, IReadOnlyDictionary<string, (string File, string Key)> FromFile) Expand(RootCommand root, string[] args)
    {
        var none = new Dictionary<string, (string, string)>();
        if (args.Length == 0 || root.Subcommands.FirstOrDefault(c => c.Name == args[0]) is not Command command
            || command.Options.FirstOrDefault(o => o.Name == Name) is null)
        {
            return (args, none);
        }

        string? path = null;
        for (int i = 1; i < args.Length; i++)
        {
            if (args[i] == Name && i + 1 < args.Length)
            {
                path = args[i + 1];
            }
            else if (args[i].StartsWith(Name + "=", StringComparison.Ordinal))
            {
                path = args[i][(Name.Length + 1)..];
            }
        }

        if (path is null)
        {
            return (args, none);
        }

        var expanded = new List<string>(args);
        var fromFile = new Dictionary<string, (string, string)>();
        foreach ((Option option, string key, string? token) in Settings(path, command))
        {
            bool onCommandLine = args.Skip(1).Any(a => a == option.Name || option.Aliases.Contains(a) || a.StartsWith(option.Name + "=", StringComparison.Ordinal));
            if (onCommandLine || token is null)
            {
                continue; // the command line overrides the file; false leaves a flag off
            }

            expanded.Add(option.Name);
            if (token.Length > 0)
            {
                expanded.Add(token);
            }

            fromFile[option.Name] = (path, key);
        }

        return ([.. expanded], fromFile);
    }

    /// <summary>
    /// The flags of the config file at <paramref name="path"/> for <paramref name="command"/>, as a flag → value map
    /// (<c>"true"</c> for a bare flag; a false one left out), in the form a saved run's flags take.
    /// </summary>
    public static Dictionary<string, string> Flags(string path, Command command)
    {
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((Option option, _, string? token) in Settings(path, command))
        {
            if (token is not null)
            {
                flags[option.Name] = token.Length > 0 ? token : "true";
            }
        }

        return flags;
    }

    // Each key of the file with its option and token (null: a flag set to false); unknown keys and wrong types name the key.
    private static IEnumerable<(Option Option, string Key, string? Token)> Settings(string path, Command command)
    {
        var settings = new List<(Option, string, string?)>();
        foreach ((string key, JsonNode? value) in Read(path))
        {
            string flag = key.StartsWith("--", StringComparison.Ordinal) ? key : "--" + key;
            Option? option = command.Options.FirstOrDefault(o => o.Name == flag || o.Aliases.Contains(flag));
            if (option is null || option.Hidden || flag is Name or "--print-config" or "--resume")
            {
                throw new InvalidInputException($"{path}: {key}",
                    $"loco {command.Name} has no setting '{key}' (keys are the flags' names without '--'; see loco {command.Name} --help).");
            }

            settings.Add((option, key, Token(option, value, path, key)));
        }

        return settings;
    }

    /// <summary>Flags (flag → value, as given) as a config file's JSON: keys without dashes, numbers and booleans typed.</summary>
    public static string ToJson(IReadOnlyDictionary<string, string> flags)
    {
        var o = new JsonObject();
        foreach ((string flag, string value) in flags.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            o[flag.TrimStart('-')] = value switch
            {
                "true" => JsonValue.Create(true),
                "false" => JsonValue.Create(false),
                _ when long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long l) => JsonValue.Create(l),
                _ when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d) => JsonValue.Create(d),
                _ => JsonValue.Create(value),
            };
        }

        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    private static JsonObject Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new InvalidInputException(Name, $"cannot read {path} ({ex.Message}).");
        }

        try
        {
            return JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
                   ?? throw new InvalidInputException(Name, $"{path} holds no JSON object of settings.");
        }
        catch (JsonException ex)
        {
            throw new InvalidInputException(path, $"not valid JSON ({ex.Message}).");
        }
    }

    // The token a JSON value stands for, "" for a bare flag, null for a flag left off (false); a wrong type names the key.
    private static string? Token(Option option, JsonNode? value, string path, string key)
    {
        Type type = Nullable.GetUnderlyingType(option.ValueType) ?? option.ValueType;
        JsonValueKind kind = value?.GetValueKind() ?? JsonValueKind.Null;
        string Wrong(string expected) => throw new InvalidInputException($"{path}: {key}", $"expects {expected} (got {value?.ToJsonString() ?? "null"}).");
        if (type == typeof(bool))
        {
            return kind switch
            {
                JsonValueKind.True => "",
                JsonValueKind.False => null,
                _ => Wrong("true or false"),
            };
        }

        if (type == typeof(int) || type == typeof(long) || type == typeof(ulong))
        {
            return kind == JsonValueKind.Number && long.TryParse(value!.ToJsonString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
                ? value.ToJsonString()
                : Wrong("an integer");
        }

        if (type == typeof(double))
        {
            return kind == JsonValueKind.Number ? value!.ToJsonString() : Wrong("a number");
        }

        return kind switch
        {
            JsonValueKind.String => value!.GetValue<string>(),
            JsonValueKind.Number => value!.ToJsonString(),
            JsonValueKind.Array when value!.AsArray().All(x => x?.GetValueKind() is JsonValueKind.Number or JsonValueKind.String) =>
                string.Join(',', value.AsArray().Select(x => x!.GetValueKind() == JsonValueKind.String ? x.GetValue<string>() : x.ToJsonString())),
            _ => Wrong("a string"),
        };
    }
}
