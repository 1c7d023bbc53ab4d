using System.Text;
using System.Text.Json;
using Loco.Reports.Tables;
using Loco.Studies.Ntk;

namespace Loco.Cli.Output;

/// <summary><c>loco ntk --json</c>: the study's result as one JSON document (the files it wrote are listed in it).</summary>
internal static class NtkJson
{
    /// <summary>The grid study: per cell, the theory's prediction and what the real and the linearised MLP did.</summary>
    public static string Grid(NtkGridResult result) => Document(w =>
    {
        w.WriteString("study", "grid");
        w.WriteNumber("restart_period", result.RestartPeriod);
        w.WriteStartArray("cells");
        for (int i = 0; i < result.Predicted.GetLength(0); i++)
        {
            for (int j = 0; j < result.Predicted.GetLength(1); j++)
            {
                var p = result.Predicted[i, j];
                w.WriteStartObject();
                w.WriteNumber("outer_lr", p.LearningRate);
                w.WriteNumber("outer_momentum", p.Momentum);
                w.WriteBoolean("predicted_stable", p.Rates.Stable);
                w.WriteBoolean("predicted_stable_with_restart", p.Rates.StableWithRestart);
                Measured(w, "real", result.RealNoRestart[i, j]);
                Measured(w, "real_restart", result.RealRestart[i, j]);
                Measured(w, "linear", result.LinearNoRestart[i, j]);
                Measured(w, "linear_restart", result.LinearRestart[i, j]);
                w.WriteEndObject();
            }
        }

        w.WriteEndArray();
        Lines(w, "summary", result.Summary);
        Lines(w, "written", result.Written);
    });

    /// <summary>The per-mode study: how well c_K(μ_i) predicted each model's per-cycle contraction.</summary>
    public static string Modes(NtkModeResult result) => Document(w =>
    {
        w.WriteString("study", "modes");
        Summary(w, "linear", result.LinearSummary);
        Summary(w, "real", result.RealSummary);
        Lines(w, "summary", [.. result.Before, .. result.After]);
        Lines(w, "written", result.Written);
    });

    private static void Measured(Utf8JsonWriter w, string name, MeasuredCell cell)
    {
        w.WriteStartObject(name);
        w.WriteBoolean("stable", cell.Stable);
        w.WriteNumberOrNull("initial_loss", cell.InitialLoss);
        w.WriteNumberOrNull("final_loss", cell.FinalLoss);
        w.WriteNumberOrNull("diverged_at_round", cell.DivergedAtRound);
        w.WriteEndObject();
    }

    private static void Summary(Utf8JsonWriter w, string name, ContractionSummary s)
    {
        w.WriteStartObject(name);
        w.WriteNumber("modes_counted", s.Counted);
        w.WriteNumber("modes", s.Total);
        w.WriteNumberOrNull("max_error", s.MaxError);
        w.WriteNumberOrNull("median_error", s.MedianError);
        w.WriteEndObject();
    }

    private static void Lines(Utf8JsonWriter w, string name, IEnumerable<string> lines)
    {
        w.WriteStartArray(name);
        foreach (string line in lines)
        {
            w.WriteStringValue(line);
        }

        w.WriteEndArray();
    }

    private static string Document(Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, JsonText.Options))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
