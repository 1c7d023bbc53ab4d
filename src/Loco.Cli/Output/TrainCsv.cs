using System.Globalization;
using System.Text;
using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Reports.Tables;
using Loco.Torch.Training;

namespace Loco.Cli.Output;

/// <summary>
/// train.csv of <c>loco train</c>: one row per round (round 0 is the initial weights), the settings first, appended as
/// each round finishes and flushed to disk, so that a run that crashes or is killed leaves its finished rounds.
/// </summary>
internal sealed class TrainCsv(string path, string method, string model, TrainingOptions options, long bytesPerWorker)
{
    public const string Header = "method,model,inner_lr,inner_steps,workers,batch,context,outer_lr,outer_momentum,outer,outer_form,restart_period,round,inner_step,train_loss,val_loss,tokens,contributors,bytes_sent,seconds";

    private readonly string _settings = Settings(method, model, options);
    private long _tokens;

    public string Path { get; } = path;

    /// <summary>Writes the header and the rows of <paramref name="history"/> (atomically), replacing any earlier file.</summary>
    public void Begin(IEnumerable<RoundReport> history)
    {
        var text = new StringBuilder(Header).Append('\n');
        _tokens = 0;
        foreach (RoundReport h in history)
        {
            text.Append(Row(h)).Append('\n');
        }

        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
        OutputFile.Write(Path, text.ToString());
    }

    /// <summary>Continues a file that already holds <paramref name="history"/>'s rows (a resumed run): counts its tokens.</summary>
    public void Resume(IEnumerable<RoundReport> history) => _tokens = history.Sum(h => h.Items);

    /// <summary>
    /// Appends one round: one write of a whole line, flushed to disk. <paramref name="contributors"/>: the workers the
    /// round averaged (a cluster round may have fewer than M); null: all M.
    /// </summary>
    public void Append(RoundReport report, IReadOnlyList<int>? contributors = null)
    {
        byte[] line = Encoding.UTF8.GetBytes(Row(report, contributors) + "\n");
        using var file = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
        file.Write(line);
        file.Flush(flushToDisk: true);
    }

    private string Row(RoundReport h, IReadOnlyList<int>? contributors = null)
    {
        _tokens += h.Items;
        // The workers whose pseudo-gradients the round averaged, separated by spaces (none for round 0).
        string who = h.Round == 0 ? "" : string.Join(' ', contributors ?? [.. Enumerable.Range(0, options.Family.Workers)]);
        // What one worker sent that round, as encoded (the codec's bytes; 4 per weight in fp32); 0 for round 0.
        long sent = h.Round == 0 ? 0 : bytesPerWorker;
        return string.Join(',', _settings, h.Round, h.Round * options.Family.InnerSteps, N(h.TrainLoss), N(h.ValidationLoss), _tokens, who, sent,
            h.Seconds.ToString("F3", CultureInfo.InvariantCulture));
    }

    private static string Settings(string method, string model, TrainingOptions options)
    {
        FamilyConfig c = options.Family;
        return string.Join(',', method, model, N(c.InnerLr), c.InnerSteps, c.Workers, c.BatchSize, options.Context, N(c.OuterLr),
            N(c.OuterMomentum), c.OuterKind.Name(), c.OuterForm.Name(), c.RestartPeriod);
    }

    private static string N(double v) => Numbers.Format(v);
}
