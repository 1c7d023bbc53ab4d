using System.Globalization;
using System.Text;
using System.Text.Json;
using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Simulation;
using Loco.Theory.Dynamics;

namespace Loco.Cli.Output;

/// <summary>
/// Writes simulation curves as CSV (one row per round; with inner-step curves, also one row per inner step)
/// and JSON, with the columns of DESIGN.md §6: the family's settings named as in §1, then
/// round, inner_step, samples, risk, excess_risk, stderr. Theory curves keep these columns in this order (stderr
/// empty: the theory is exact) and add signal, noise, mean_inner_risk, multiworker_excess and, when compared with a
/// simulation, sim_risk and sim_stderr.
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

    /// <summary>The columns theory curves add after <see cref="Header"/>'s.</summary>
    public const string TheoryColumns = "signal,noise,mean_inner_risk,multiworker_excess";

    /// <summary>The columns a comparison with a simulation adds.</summary>
    public const string ComparisonColumns = "sim_risk,sim_stderr";

    /// <summary>
    /// Writes theory curves atomically: the simulation columns (stderr empty), then <see cref="TheoryColumns"/>, then
    /// <see cref="ComparisonColumns"/> when <paramref name="simulation"/> is given. Inner-step rows (inner_step &gt; 0)
    /// carry the risk of the worker-averaged fast weights and leave the per-round columns empty.
    /// </summary>
    public static void WriteTheoryCsv(string path, string method, TheoryResult theory, double[]? multiWorkerExcess, SimulationResult? simulation)
    {
        var text = new StringBuilder();
        text.Append(Header).Append(',').Append(TheoryColumns);
        if (simulation is not null)
        {
            text.Append(',').Append(ComparisonColumns);
        }

        text.AppendLine();
        FamilyConfig c = theory.Config;
        string settings = Settings(method, c);
        for (int k = 0; k <= theory.RoundsCompleted; k++)
        {
            text.Append(settings).Append(',').Append(k).Append(",0,").Append(k * c.SamplesPerRound).Append(',')
                .Append(N(theory.Risk[k])).Append(',').Append(N(theory.ExcessRisk(k))).Append(",,")
                .Append(N(theory.Signal[k])).Append(',').Append(N(theory.Noise[k])).Append(',')
                .Append(k < theory.MeanInnerRisk.Length ? N(theory.MeanInnerRisk[k]) : "").Append(',')
                .Append(multiWorkerExcess is not null && k < multiWorkerExcess.Length ? N(multiWorkerExcess[k]) : "");
            if (simulation is not null)
            {
                bool has = k <= simulation.RoundsCompleted;
                text.Append(',').Append(has ? N(simulation.Risk[k]) : "").Append(',')
                    .Append(has && double.IsFinite(simulation.RiskStdErr[k]) ? N(simulation.RiskStdErr[k]) : "");
            }

            text.AppendLine();
            if (theory.InnerRisk is not null && k < theory.InnerRisk.Length)
            {
                for (int h = 1; h <= c.InnerSteps; h++)
                {
                    long samples = k * c.SamplesPerRound + (long)h * c.Workers * c.BatchSize;
                    double risk = theory.InnerRisk[k][h - 1];
                    text.Append(settings).Append(',').Append(k).Append(',').Append(h).Append(',').Append(samples).Append(',')
                        .Append(N(risk)).Append(',').Append(N(risk - theory.NoiseFloor)).Append(",,,,,");
                    if (simulation is not null)
                    {
                        bool has = simulation.InnerRisk is not null && k < simulation.InnerRisk.Length;
                        text.Append(',').Append(has ? N(simulation.InnerRisk![k][h - 1]) : "").Append(',')
                            .Append(has && double.IsFinite(simulation.InnerRiskStdErr![k][h - 1]) ? N(simulation.InnerRiskStdErr[k][h - 1]) : "");
                    }

                    text.AppendLine();
                }
            }
        }

        WriteAtomically(path, text.ToString());
    }

    /// <summary>Per-atom final contributions: atom, lambda, weight, signal, noise.</summary>
    public static void WriteModesCsv(string path, ModeContributions modes)
    {
        var text = new StringBuilder("atom,lambda,weight,signal,noise\n");
        for (int k = 0; k < modes.Lambda.Length; k++)
        {
            text.Append(k + 1).Append(',').Append(N(modes.Lambda[k])).Append(',').Append(N(modes.Weight[k])).Append(',')
                .Append(N(modes.Signal[k])).Append(',').Append(N(modes.Noise[k])).Append('\n');
        }

        WriteAtomically(path, text.ToString());
    }

    /// <summary>Theory curves as one JSON document, with the settings named as in the CSV.</summary>
    public static string TheoryJson(string method, TheoryResult theory, double[]? multiWorkerExcess, SimulationResult? simulation, double seconds)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            FamilyConfig c = theory.Config;
            w.WriteStartObject();
            w.WriteStartArray("results");
            w.WriteStartObject();
            w.WriteString("method", method);
            w.WriteString("problem", theory.Problem);
            w.WriteString("mode", theory.Mode == TheoryMode.Exact ? "exact" : "high-dim");
            w.WriteNumber("atoms", theory.Atoms);
            WriteSettings(w, c);
            w.WriteNumber("rounds", theory.RoundsCompleted);
            w.WriteNumber("samples_per_round", theory.SamplesPerRound);
            w.WriteNumber("seconds", seconds);
            if (theory.DivergedAtRound is int d)
            {
                w.WriteNumber("diverged_at_round", d);
            }
            else
            {
                w.WriteNull("diverged_at_round");
            }

            w.WriteNumber("final_risk", theory.FinalRisk);
            if (simulation is not null)
            {
                w.WriteNumber("sim_runs", simulation.Runs);
            }

            w.WriteStartArray("rounds_data");
            for (int k = 0; k <= theory.RoundsCompleted; k++)
            {
                w.WriteStartObject();
                w.WriteNumber("round", k);
                w.WriteNumber("samples", k * theory.SamplesPerRound);
                w.WriteNumber("risk", theory.Risk[k]);
                w.WriteNumber("excess_risk", theory.ExcessRisk(k));
                w.WriteNumber("signal", theory.Signal[k]);
                w.WriteNumber("noise", theory.Noise[k]);
                if (k < theory.MeanInnerRisk.Length)
                {
                    w.WriteNumber("mean_inner_risk", theory.MeanInnerRisk[k]);
                }

                if (multiWorkerExcess is not null && k < multiWorkerExcess.Length)
                {
                    w.WriteNumber("multiworker_excess", multiWorkerExcess[k]);
                }

                if (simulation is not null && k <= simulation.RoundsCompleted)
                {
                    w.WriteNumber("sim_risk", simulation.Risk[k]);
                    WriteNumberOrNull(w, "sim_stderr", simulation.RiskStdErr[k]);
                }

                if (theory.InnerRisk is not null && k < theory.InnerRisk.Length)
                {
                    w.WriteStartArray("inner_risk");
                    foreach (double x in theory.InnerRisk[k])
                    {
                        w.WriteNumberValue(x);
                    }

                    w.WriteEndArray();
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static string Settings(string method, FamilyConfig c) => string.Join(',',
        Csv(method), N(c.InnerLr), c.InnerSteps, c.Workers, c.BatchSize, N(c.OuterLr), N(c.OuterMomentum),
        OuterName(c.OuterKind), c.OuterForm == OuterForm.Ema ? "ema" : "pytorch", c.RestartPeriod);

    private static void WriteSettings(Utf8JsonWriter w, FamilyConfig c)
    {
        w.WriteNumber("inner_lr", c.InnerLr);
        w.WriteNumber("inner_steps", c.InnerSteps);
        w.WriteNumber("workers", c.Workers);
        w.WriteNumber("batch", c.BatchSize);
        w.WriteNumber("outer_lr", c.OuterLr);
        w.WriteNumber("outer_momentum", c.OuterMomentum);
        w.WriteString("outer", OuterName(c.OuterKind));
        w.WriteString("outer_form", c.OuterForm == OuterForm.Ema ? "ema" : "pytorch");
        w.WriteNumber("restart_period", c.RestartPeriod);
    }

    private static void AppendRows(StringBuilder text, string method, SimulationResult r)
    {
        FamilyConfig c = r.Config;
        string settings = Settings(method, c);
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

    public static string OuterName(OuterKind kind) => kind.Name();

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
                WriteSettings(w, c);
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
