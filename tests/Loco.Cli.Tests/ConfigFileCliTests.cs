namespace Loco.Cli.Tests;

/// <summary>
/// <c>--config FILE</c>: a JSON file of settings keyed by the flags' names, overridden by the command line; the run
/// folder's <c>config.json</c> runs the same run again; bad keys, types and values name the file and the key, exit 2.
/// </summary>
public sealed class ConfigFileCliTests() : CliTestBase("config")
{
    private static string[] Rows(string folder) => [.. File.ReadAllLines(Path.Combine(folder, "train.csv")).Select(l => l[..l.LastIndexOf(',')])];

    private string Write(string name, string json)
    {
        Directory.CreateDirectory(Folder);
        string path = PathOf(name);
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void AConfigFileIsTheSameRunAsItsFlagsTheCommandLineOverridesItAndTheRunFolderKeepsIt()
    {
        string config = Write("run.json", """
            // comments and trailing commas are allowed
            { "steps": 8, "inner-steps": 4, "batch": 2, "context": 8, "seed": 4, "lr-schedule": "linear",
              "compress": "int8:64", "stochastic-rounding": true, "outer-lr": 0.6, "workers": 3, }
            """);
        var (code, _, err) = Loco("train", "--config", config, "--workers", "2", "--out", PathOf("from-file"));
        Assert.True(code == 0, err);
        (code, _, err) = Loco("train", "--steps", "8", "--inner-steps", "4", "--batch", "2", "--context", "8", "--seed", "4", "--lr-schedule", "linear",
            "--compress", "int8:64", "--stochastic-rounding", "--outer-lr", "0.6", "--workers", "2", "--out", PathOf("from-flags"));
        Assert.True(code == 0, err);
        Assert.Equal(Rows(PathOf("from-flags")), Rows(PathOf("from-file")));
        string[] rows = Rows(PathOf("from-file"));
        int workers = Array.IndexOf(rows[0].Split(','), "workers");
        Assert.All(rows.Skip(1), row => Assert.Equal("2", row.Split(',')[workers])); // M = 2 from the command line, not 3

        // The run folder's config.json runs it again, and --print-config shows the merged settings.
        string saved = Path.Combine(PathOf("from-file"), "config.json");
        (code, _, err) = Loco("train", "--config", saved, "--out", PathOf("again"));
        Assert.True(code == 0, err);
        Assert.Equal(Rows(PathOf("from-file")), Rows(PathOf("again")));
        var (printed, output, printErr) = Loco("train", "--config", config, "--workers", "5", "--print-config");
        Assert.True(printed == 0, printErr);
        using var doc = System.Text.Json.JsonDocument.Parse(output);
        Assert.Equal(5, doc.RootElement.GetProperty("workers").GetInt32());
        Assert.Equal("linear", doc.RootElement.GetProperty("lr-schedule").GetString());
        Assert.True(doc.RootElement.GetProperty("stochastic-rounding").GetBoolean());
    }

    [Fact]
    public void ResumeReadsTheRunFoldersConfigAndTheCheckpointRefusesOtherSettings()
    {
        string run = PathOf("run");
        var (code, _, err) = Loco("train", "--steps", "8", "--inner-steps", "4", "--batch", "2", "--context", "8", "--inner-lr", "0.003", "--out", run);
        Assert.True(code == 0, err);
        string config = Path.Combine(run, "config.json");
        Assert.Contains("\"inner-lr\": 0.003", File.ReadAllText(config));
        (code, string output, err) = Loco("train", "--resume", run);
        Assert.True(code == 0, err);
        Assert.Contains("resuming at round 2 of 2", output);

        // An edited config.json is what --resume reads: the checkpoint then refuses a run it was not trained as.
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"inner-lr\": 0.003", "\"inner-lr\": 0.01", StringComparison.Ordinal));
        (code, _, err) = Loco("train", "--resume", run);
        Assert.Equal(2, code);
        Assert.Contains("loco: --resume: ", err);
    }

    [Theory]
    [InlineData("""{ "stepz": 8 }""", "stepz")]
    [InlineData("""{ "steps": "eight" }""", "steps")]
    [InlineData("""{ "steps": 8.5 }""", "steps")]
    [InlineData("""{ "stochastic-rounding": "yes" }""", "stochastic-rounding")]
    [InlineData("""{ "steps": 8, "inner-steps": 4, "workers": 0 }""", "workers")]
    [InlineData("""{ "steps": 8, "inner-steps": 4, "lr-schedule": "cosh" }""", "lr-schedule")]
    public void BadSettingsNameTheFileAndTheKey(string json, string key)
    {
        string config = Write($"bad-{key}.json", json);
        var (code, _, err) = Loco("train", "--config", config, "--out", PathOf("x"));
        Assert.Equal(2, code);
        Assert.Contains($"{config}: {key}: ", err);
        Assert.False(Directory.Exists(PathOf("x")));
    }

    [Fact]
    public void TheSweepTakesAConfigFileWithListsAndNamesItsBadKeys()
    {
        string bad = Write("sweep-bad.json", """{ "quick": true, "outer-lrz": [0.5, 0.7] }""");
        var (code, _, err) = Loco("sweep", "--config", bad, "--out", PathOf("s"));
        Assert.Equal(2, code);
        Assert.Contains($"{bad}: outer-lrz: ", err);
        string notJson = Write("broken.json", "{ \"quick\": ");
        Assert.Equal(2, Loco("sweep", "--config", notJson, "--out", PathOf("s")).Code);
        Assert.Equal(2, Loco("train", "--config", PathOf("missing.json"), "--out", PathOf("s")).Code);
    }
}
