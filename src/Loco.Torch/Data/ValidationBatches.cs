using Loco.Core.Family;

namespace Loco.Torch.Data;

/// <summary>
/// Walks the validation split deterministically: window i is tokens [i·T, i·T + T] (T+1 tokens,
/// consecutive windows overlap by one token), so every validation token after the first is a target
/// exactly once, except at most T−1 tokens at the very end that do not fill a window. Windows are
/// grouped B at a time; the last batch may have fewer rows. The mean loss over all rows is the
/// validation loss per token.
/// </summary>
public sealed class ValidationBatches
{
    private readonly int[] _tokens;

    /// <summary>The walk over <paramref name="validation"/> with rows of <paramref name="context"/> tokens.</summary>
    /// <param name="validation">The validation tokens.</param>
    /// <param name="batch">Rows per batch.</param>
    /// <param name="context">Tokens per row.</param>
    /// <param name="maxWindows">Use at most this many windows (from the start), or all when null.</param>
    /// <param name="subject">The flag a too-short split is reported against.</param>
    public ValidationBatches(int[] validation, int batch, int context, int? maxWindows = null, string subject = "--validation-fraction")
    {
        if (batch < 1) throw new InvalidInputException("--batch", $"must be at least 1, got {batch}.");
        if (context < 1) throw new InvalidInputException("--context", $"must be at least 1, got {context}.");
        if (validation.Length < context + 1)
            throw new InvalidInputException(subject, $"the validation split has {validation.Length} tokens, fewer than one window of context + 1 = {context + 1}.");
        _tokens = validation;
        BatchSize = batch;
        Context = context;
        int all = (validation.Length - 1) / context;
        Windows = maxWindows is int limit ? Math.Min(all, Math.Max(1, limit)) : all;
    }

    /// <summary>B: rows per batch (the last batch may have fewer).</summary>
    public int BatchSize { get; }

    /// <summary>T.</summary>
    public int Context { get; }

    /// <summary>Number of windows (rows) in the walk.</summary>
    public int Windows { get; }

    /// <summary>Number of batches: ⌈Windows / B⌉.</summary>
    public int Count => (Windows + BatchSize - 1) / BatchSize;

    /// <summary>Rows in batch <paramref name="index"/>.</summary>
    public int Rows(int index) => Math.Min(BatchSize, Windows - index * BatchSize);

    /// <summary>
    /// Fills the first Rows(index)·T entries of <paramref name="inputs"/> and <paramref name="targets"/>
    /// with batch <paramref name="index"/>, and returns Rows(index).
    /// </summary>
    public int Fill(int index, Span<long> inputs, Span<long> targets)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        int rows = Rows(index);
        if (inputs.Length < rows * Context || targets.Length < rows * Context)
            throw new ArgumentException($"inputs and targets must hold at least {rows} × {Context} values.");
        for (int r = 0; r < rows; r++)
        {
            int start = (index * BatchSize + r) * Context;
            for (int t = 0; t < Context; t++)
            {
                inputs[r * Context + t] = _tokens[start + t];
                targets[r * Context + t] = _tokens[start + t + 1];
            }
        }
        return rows;
    }
}
