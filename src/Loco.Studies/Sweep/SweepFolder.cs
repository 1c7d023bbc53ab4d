using System.Globalization;
using System.Text;
using System.Text.Json;
using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Reports.Tables;

namespace Loco.Studies.Sweep;

/// <summary>
/// The output folder of a sweep, which is also its resume state: <c>settings.json</c> (every setting that decides a
/// cell's result) and <c>cells.csv</c> (one whole row per finished cell, appended as each finishes, each row written
/// with one write and flushed to disk). A sweep killed mid-write leaves at most one partial last line, which
/// <see cref="Open"/> ignores; rerunning the same sweep on the folder skips the cells it holds.
/// </summary>
public sealed class SweepFolder
{
    /// <summary>The settings file's name.</summary>
    public const string SettingsFile = "settings.json";

    /// <summary>The cells file's name.</summary>
    public const string CellsFile = "cells.csv";

    private readonly object _gate = new();
    private readonly SweepOptions _options;
    private readonly IReadOnlyDictionary<string, string> _settings;

    private SweepFolder(string path, SweepOptions options, IReadOnlyDictionary<string, string> settings, IReadOnlyList<SweepCellResult> finished)
    {
        Path = path;
        _options = options;
        _settings = settings;
        Finished = finished;
    }

    /// <summary>The folder.</summary>
    public string Path { get; }

    /// <summary>Cells the folder already held when opened, whole rows only, first occurrence of each cell.</summary>
    public IReadOnlyList<SweepCellResult> Finished { get; }

    /// <summary>The settings of a sweep, as stored in <c>settings.json</c>.</summary>
    public static IReadOnlyDictionary<string, string> Settings(SweepOptions options, string corpus)
    {
        static string List<T>(IEnumerable<T> values) => string.Join(',', values.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture)));
        static string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        var settings = new Dictionary<string, string>
        {
            ["model"] = options.Model,
            ["corpus"] = corpus,
            ["inner_steps_list"] = List(options.InnerStepsList),
            ["restart_period"] = options.RestartRule is null ? options.RestartPeriod.ToString(CultureInfo.InvariantCulture) : SweepCell.Label(options.RestartRule),
            ["outer_lrs"] = string.Join(',', options.OuterLrs.Select(R)),
            ["momenta"] = string.Join(',', options.Momenta.Select(R)),
            ["outer"] = options.OuterKind.Name(),
            ["outer_form"] = options.OuterForm.Name(),
            ["rounds"] = options.Rounds.ToString(CultureInfo.InvariantCulture),
            ["workers"] = options.Workers.ToString(CultureInfo.InvariantCulture),
            ["batch"] = options.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["context"] = options.Context.ToString(CultureInfo.InvariantCulture),
            ["inner"] = "adamw",
            ["inner_lr"] = R(options.InnerLr),
            ["seed"] = options.Seed.ToString(CultureInfo.InvariantCulture),
            ["device"] = options.Device.Trim().ToLowerInvariant(),
            ["margin"] = R(options.Criterion.Margin),
            ["validation_windows"] = options.ValidationWindows.ToString(CultureInfo.InvariantCulture),
        };
        if (options.Codec.Kind != Loco.Core.Codecs.CodecKind.Fp32 || options.ErrorFeedback)
        {
            // Only a compressed sweep records its codec, so that the folders of earlier sweeps still resume.
            settings["compress"] = options.Codec.ToString();
            settings["error_feedback"] = options.ErrorFeedback ? "true" : "false";
        }

        if (options.Fragments is { } fragments)
        {
            // Recorded only when set, so that the folders of earlier sweeps still resume.
            settings["fragments"] = fragments.ToString();
        }

        if (options.InnerStepBudget is int budget)
        {
            // Recorded only when set, so that the folders of earlier sweeps still resume.
            settings["inner_step_budget"] = budget.ToString(CultureInfo.InvariantCulture);
        }

        if (options.MatchRestartStep > 0)
        {
            settings["match_restart_step"] = options.MatchRestartStep.ToString(CultureInfo.InvariantCulture);
        }

        if (options.Schedule.Kind != Loco.Torch.Training.ScheduleKind.Cosine)
        {
            settings["lr_schedule"] = options.Schedule.Spec;
        }

        if (options.Precision != Loco.Torch.Training.Precision.Fp32)
        {
            settings["precision"] = Loco.Torch.Training.Precisions.Name(options.Precision);
        }

        return settings;
    }

    /// <summary>
    /// Opens <paramref name="path"/> for the sweep <paramref name="options"/> on the corpus named <paramref name="corpus"/>
    /// without writing anything. A folder that holds a sweep with other settings (or a cells.csv without settings) is
    /// bad input naming <paramref name="flag"/>.
    /// </summary>
    public static SweepFolder Open(string path, SweepOptions options, string corpus, string flag = "--out")
    {
        IReadOnlyDictionary<string, string> settings = Settings(options, corpus);
        string settingsPath = System.IO.Path.Combine(path, SettingsFile);
        string cellsPath = System.IO.Path.Combine(path, CellsFile);
        if (File.Exists(settingsPath))
        {
            Dictionary<string, string>? stored;
            try
            {
                stored = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(settingsPath));
            }
            catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
            {
                throw new InvalidInputException(flag, $"{settingsPath} cannot be read as a sweep's settings ({ex.Message}); choose another folder or remove it.");
            }

            string[] differ = [.. settings.Keys.Union(stored?.Keys ?? Enumerable.Empty<string>())
                .Where(key => !settings.TryGetValue(key, out string? mine) || stored is null || !stored.TryGetValue(key, out string? theirs) || mine != theirs)];
            if (differ.Length > 0)
            {
                string first = differ[0];
                string there = stored is not null && stored.TryGetValue(first, out string? t) ? t : "(none)";
                string here = settings.TryGetValue(first, out string? m) ? m : "(none)";
                throw new InvalidInputException(flag,
                    $"the folder '{path}' holds a sweep with other settings ({string.Join(", ", differ)} differ; e.g. {first} is {there} there, {here} here); " +
                    $"rerun with the same settings to resume it, or choose another {flag}.");
            }
        }
        else if (File.Exists(cellsPath))
        {
            throw new InvalidInputException(flag, $"the folder '{path}' holds {CellsFile} but no {SettingsFile}, so its settings are unknown; choose another {flag} or remove it.");
        }

        var finished = new List<SweepCellResult>();
        if (File.Exists(cellsPath))
        {
            Dictionary<string, SweepCell> cells = options.Cells().ToDictionary(c => c.Key);
            var seen = new HashSet<string>();
            string text = File.ReadAllText(cellsPath);
            string[] lines = text.Split('\n');
            // The last element follows the last newline: empty for a whole file, a partial row after a kill.
            for (int i = 1; i < lines.Length - 1; i++)
            {
                if (SweepTable.Parse(options, cells, lines[i].TrimEnd('\r')) is { } result && seen.Add(result.Cell.Key))
                {
                    finished.Add(result);
                }
            }
        }

        return new SweepFolder(path, options, settings, finished);
    }

    /// <summary>Writes the settings and a cells.csv holding exactly <see cref="Finished"/> (dropping any partial row).</summary>
    public void Begin()
    {
        Directory.CreateDirectory(Path);
        WriteAtomically(System.IO.Path.Combine(Path, SettingsFile), JsonSerializer.Serialize(_settings, JsonText.Serializer));
        Rewrite(Finished);
    }

    /// <summary>Appends one finished cell (thread-safe): one write of a whole line, flushed to disk.</summary>
    public void Append(SweepCellResult result)
    {
        byte[] line = Encoding.UTF8.GetBytes(SweepTable.Row(_options, result) + "\n");
        lock (_gate)
        {
            using var file = new FileStream(System.IO.Path.Combine(Path, CellsFile), FileMode.Append, FileAccess.Write, FileShare.Read);
            file.Write(line);
            file.Flush(flushToDisk: true);
        }
    }

    /// <summary>Rewrites cells.csv atomically with <paramref name="results"/> in the given order.</summary>
    public void Rewrite(IEnumerable<SweepCellResult> results)
    {
        var text = new StringBuilder(SweepTable.Header).Append('\n');
        foreach (SweepCellResult result in results)
        {
            text.Append(SweepTable.Row(_options, result)).Append('\n');
        }

        lock (_gate)
        {
            WriteAtomically(System.IO.Path.Combine(Path, CellsFile), text.ToString());
        }
    }

    private static void WriteAtomically(string path, string contents) => OutputFile.Write(path, contents);
}
