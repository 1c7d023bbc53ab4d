using System.Globalization;
using System.Text;
using System.Text.Json;
using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Simulation;

namespace Loco.Cli.Output;

/// <summary>
/// Writes simulation curves as CSV (one row per round; with inner-step curves, also one row per inner step)
/// and JSON, with the columns of DESIGN.md §6: the family's settings named as in §1, then
/// round, inner_step, samples, risk, excess_risk, stderr.
/// </summary>
internal static class CurveWriter
{
    public const string Header =
        "method,inner_lr,inner_steps,workers,batch,outer_lr,outer_momentum,outer,outer_form,restart_period,round,inner_step,samples,risk,excess_risk,stderr";

    /// <summary>Writes the CSV atomically (to a temporary file, then renamed), creating the folder if needed.</summary>
    public static void WriteCsv(string path, IEnumerable<(string Method, SimulationResult Result)> results)
    {
        var text = new StringBuilder();
        text.AppendLine(Header);
        foreach ((string method, SimulationResult result) in results)
        {
            AppendRows(text, method, result);
        }

        WriteAtomically(path, text.ToString());
    }

    public static void WriteAtomically(string path, string contents)
    {
        string full = Path.GetFullPath(path);
        string? folder = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        string temporary = full + ".tmp";
        File.WriteAllText(temporary, contents);
        File.Move(temporary, full, overwrite: true);
    }

    private static void AppendRows(StringBuilder text, string method, SimulationResult r)
    {
        FamilyConfig c = r.Config;
        string settings = string.Join(',',
            Csv(method), N(c.InnerLr), c.InnerSteps, c.Workers, c.BatchSize, N(c.OuterLr), N(c.OuterMomentum),
            OuterName(c.OuterKind), c.OuterForm == OuterForm.Ema ? "ema" : "pytorch", c.RestartPeriod);
        for (int k = 0; k <= r.RoundsCompleted; k++)
        {
            Row(text, settings, k, 0, k * c.SamplesPerRound, r.Risk[k], r.NoiseFloor, r.RiskStdErr[k]);
            if (r.InnerRisk is not null && k < r.RoundsCompleted)
            {
                for (int h = 1; h <= c.InnerSteps; h++)
                {
                    long samples = k * c.SamplesPerRound + (long)h * c.Workers * c.BatchSize;
                    Row(text, settings, k, h, samples, r.InnerRisk[k][h - 1], r.NoiseFloor, r.InnerRiskStdErr![k][h - 1]);
                }
            }
        }
    }

    private static void Row(StringBuilder text, string settings, int round, int innerStep, long samples, double risk, double floor, double stderr) =>
        text.Append(settings).Append(',').Append(round).Append(',').Append(innerStep).Append(',').Append(samples).Append(',')
            .Append(N(risk)).Append(',').Append(N(risk - floor)).Append(',').Append(double.IsNaN(stderr) ? "" : N(stderr)).AppendLine();

    public static string OuterName(OuterKind kind) => kind switch
    {
        OuterKind.None => "none",
        OuterKind.HeavyBall => "heavy-ball",
        _ => "nesterov",
    };

    private static string N(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Csv(string value) => value.Contains(',') || value.Contains('"') ? $"\"{value.Replace("\"", "\"\"")}\"" : value;

    /// <summary>The results as one JSON document.</summary>
    public static string Json(IEnumerable<(string Method, SimulationResult Result)> results)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartArray("results");
            foreach ((string method, SimulationResult r) in results)
            {
                FamilyConfig c = r.Config;
                w.WriteStartObject();
                w.WriteString("method", method);
                w.WriteString("problem", r.Problem);
                w.WriteNumber("inner_lr", c.InnerLr);
                w.WriteNumber("inner_steps", c.InnerSteps);
                w.WriteNumber("workers", c.Workers);
                w.WriteNumber("batch", c.BatchSize);
                w.WriteNumber("outer_lr", c.OuterLr);
                w.WriteNumber("outer_momentum", c.OuterMomentum);
                w.WriteString("outer", OuterName(c.OuterKind));
                w.WriteString("outer_form", c.OuterForm == OuterForm.Ema ? "ema" : "pytorch");
                w.WriteNumber("restart_period", c.RestartPeriod);
                w.WriteString("inner", c.Inner.ToString());
                w.WriteNumber("runs", r.Runs);
                w.WriteNumber("rounds", r.RoundsCompleted);
                w.WriteNumber("samples_per_round", r.SamplesPerRound);
                if (r.DivergedAtRound is int d)
                {
                    w.WriteNumber("diverged_at_round", d);
                }
                else
                {
                    w.WriteNull("diverged_at_round");
                }

                w.WriteNumber("final_risk", r.FinalRisk);
                WriteNumberOrNull(w, "final_stderr", r.FinalStdErr);
                w.WriteStartArray("rounds_data");
                for (int k = 0; k <= r.RoundsCompleted; k++)
                {
                    w.WriteStartObject();
                    w.WriteNumber("round", k);
                    w.WriteNumber("samples", k * r.SamplesPerRound);
                    w.WriteNumber("risk", r.Risk[k]);
                    w.WriteNumber("excess_risk", r.ExcessRisk(k));
                    WriteNumberOrNull(w, "stderr", r.RiskStdErr[k]);
                    if (r.InnerRisk is not null && k < r.RoundsCompleted)
                    {
                        w.WriteStartArray("inner_risk");
                        foreach (double x in r.InnerRisk[k])
                        {
                            w.WriteNumberValue(x);
                        }

                        w.WriteEndArray();
                    }

                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteNumberOrNull(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value))
        {
            w.WriteNumber(name, value);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
