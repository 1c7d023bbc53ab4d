using System.Text;
using System.Text.Json;
using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Reports.Tables;
using Loco.Simulation;
using Loco.Theory.Dynamics;

namespace Loco.Reports.Tables;

/// <summary>
/// Writes simulation curves as CSV (one row per round; with inner-step curves, also one row per inner step)
/// and JSON, with the columns of DESIGN.md §6: the family's settings named as in §1, then
/// round, inner_step, samples, risk, excess_risk, stderr. Theory curves keep these columns in this order (stderr
/// empty: the theory is exact) and add signal, noise, mean_inner_risk, multiworker_excess and, when compared with a
/// simulation, sim_risk and sim_stderr.
/// </summary>
public static class CurveWriter
{
    /// <summary>The columns of a simulation CSV.</summary>
    public static readonly string[] Columns =
    [
        "method", "inner_lr", "inner_steps", "workers", "batch", "outer_lr", "outer_momentum", "outer", "outer_form", "restart_period",
        "round", "inner_step", "samples", "risk", "excess_risk", "stderr",
    ];

    /// <summary><see cref="Columns"/>, comma-separated.</summary>
    public static string Header => string.Join(',', Columns);

    /// <summary>The columns theory curves add after <see cref="Columns"/>.</summary>
    public static readonly string[] TheoryColumns = ["signal", "noise", "mean_inner_risk", "multiworker_excess"];

    /// <summary>The columns a comparison with a simulation adds.</summary>
    public static readonly string[] ComparisonColumns = ["sim_risk", "sim_stderr"];

    /// <summary>Simulation curves: one row per round (and per inner step when recorded).</summary>
    public static CsvTable SimulationCsv(IEnumerable<(string Method, SimulationResult Result)> results)
    {
        var table = new CsvTable(Columns);
        foreach ((string method, SimulationResult r) in results)
        {
            FamilyConfig c = r.Config;
            object[] settings = Settings(method, c);
            for (int k = 0; k <= r.RoundsCompleted; k++)
            {
                table.Add([.. settings, k, 0, k * c.SamplesPerRound, r.Risk[k], r.Risk[k] - r.NoiseFloor, r.RiskStdErr[k]]);
                if (r.InnerRisk is not null && k < r.RoundsCompleted)
                {
                    for (int h = 1; h <= c.InnerSteps; h++)
                    {
                        long samples = k * c.SamplesPerRound + (long)h * c.Workers * c.BatchSize;
                        double risk = r.InnerRisk[k][h - 1];
                        table.Add([.. settings, k, h, samples, risk, risk - r.NoiseFloor, r.InnerRiskStdErr![k][h - 1]]);
                    }
                }
            }
        }

        return table;
    }

    /// <summary>Writes <see cref="SimulationCsv"/> to <paramref name="path"/> (<c>-</c>: <paramref name="standardOutput"/>) through <see cref="OutputFile"/>.</summary>
    public static string WriteCsv(string path, IEnumerable<(string Method, SimulationResult Result)> results, TextWriter? standardOutput = null) =>
        SimulationCsv(results).Save(path, standardOutput);

    /// <summary>
    /// Theory curves: the simulation columns (stderr empty), then <see cref="TheoryColumns"/>, then
    /// <see cref="ComparisonColumns"/> when <paramref name="simulation"/> is given. Inner-step rows (inner_step &gt; 0)
    /// carry the risk of the worker-averaged fast weights and leave the per-round columns empty.
    /// </summary>
    public static CsvTable TheoryCsv(string method, TheoryResult theory, double[]? multiWorkerExcess, SimulationResult? simulation)
    {
        var table = new CsvTable(simulation is null ? [.. Columns, .. TheoryColumns] : [.. Columns, .. TheoryColumns, .. ComparisonColumns]);
        FamilyConfig c = theory.Config;
        object[] settings = Settings(method, c);
        static object? Finite(double x) => double.IsFinite(x) ? x : null;
        for (int k = 0; k <= theory.RoundsCompleted; k++)
        {
            var row = new List<object?>(settings)
            {
                k, 0, k * c.SamplesPerRound, theory.Risk[k], theory.ExcessRisk(k), null, theory.Signal[k], theory.Noise[k],
                k < theory.MeanInnerRisk.Length ? theory.MeanInnerRisk[k] : null,
                multiWorkerExcess is not null && k < multiWorkerExcess.Length ? multiWorkerExcess[k] : null,
            };
            if (simulation is not null)
            {
                bool has = k <= simulation.RoundsCompleted;
                row.Add(has ? simulation.Risk[k] : null);
                row.Add(has ? Finite(simulation.RiskStdErr[k]) : null);
            }

            table.Add([.. row]);
            if (theory.InnerRisk is not null && k < theory.InnerRisk.Length)
            {
                for (int h = 1; h <= c.InnerSteps; h++)
                {
                    long samples = k * c.SamplesPerRound + (long)h * c.Workers * c.BatchSize;
                    double risk = theory.InnerRisk[k][h - 1];
                    var inner = new List<object?>(settings) { k, h, samples, risk, risk - theory.NoiseFloor, null, null, null, null, null };
                    if (simulation is not null)
                    {
                        bool has = simulation.InnerRisk is not null && k < simulation.InnerRisk.Length;
                        inner.Add(has ? simulation.InnerRisk![k][h - 1] : null);
                        inner.Add(has ? Finite(simulation.InnerRiskStdErr![k][h - 1]) : null);
                    }

                    table.Add([.. inner]);
                }
            }
        }

        return table;
    }

    /// <summary>Per-atom final contributions: atom, lambda, weight, signal, noise.</summary>
    public static CsvTable ModesCsv(ModeContributions modes)
    {
        var table = new CsvTable("atom", "lambda", "weight", "signal", "noise");
        for (int k = 0; k < modes.Lambda.Length; k++)
        {
            table.Add(k + 1, modes.Lambda[k], modes.Weight[k], modes.Signal[k], modes.Noise[k]);
        }

        return table;
    }

    /// <summary>Theory curves as one JSON document, with the settings named as in the CSV.</summary>
    public static string TheoryJson(string method, TheoryResult theory, double[]? multiWorkerExcess, SimulationResult? simulation, double seconds)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, JsonText.Options))
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
            w.WriteNumberOrNull("diverged_at_round", theory.DivergedAtRound);

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
                    w.WriteNumberOrNull("sim_stderr", simulation.RiskStdErr[k]);
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

    private static void WriteSettings(Utf8JsonWriter w, FamilyConfig c)
    {
        w.WriteNumber("inner_lr", c.InnerLr);
        w.WriteNumber("inner_steps", c.InnerSteps);
        w.WriteNumber("workers", c.Workers);
        w.WriteNumber("batch", c.BatchSize);
        w.WriteNumber("outer_lr", c.OuterLr);
        w.WriteNumber("outer_momentum", c.OuterMomentum);
        w.WriteString("outer", c.OuterKind.Name());
        w.WriteString("outer_form", c.OuterForm.Name());
        w.WriteNumber("restart_period", c.RestartPeriod);
        w.WriteString("restart", c.Restart.Spec);
    }

    /// <summary>The results as one JSON document.</summary>
    public static string Json(IEnumerable<(string Method, SimulationResult Result)> results)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, JsonText.Options))
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
                w.WriteNumberOrNull("diverged_at_round", r.DivergedAtRound);

                w.WriteNumber("final_risk", r.FinalRisk);
                w.WriteNumberOrNull("final_stderr", r.FinalStdErr);
                w.WriteStartArray("rounds_data");
                for (int k = 0; k <= r.RoundsCompleted; k++)
                {
                    w.WriteStartObject();
                    w.WriteNumber("round", k);
                    w.WriteNumber("samples", k * r.SamplesPerRound);
                    w.WriteNumber("risk", r.Risk[k]);
                    w.WriteNumber("excess_risk", r.ExcessRisk(k));
                    w.WriteNumberOrNull("stderr", r.RiskStdErr[k]);
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

    private static object[] Settings(string method, FamilyConfig c) =>
        [method, c.InnerLr, c.InnerSteps, c.Workers, c.BatchSize, c.OuterLr, c.OuterMomentum, c.OuterKind.Name(), c.OuterForm.Name(), c.RestartPeriod];
}
