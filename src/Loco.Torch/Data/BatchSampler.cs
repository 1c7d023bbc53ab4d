using Loco.Core.Family;
using Loco.Core.Random;

namespace Loco.Torch.Data;

/// <summary>
/// Training batches for one worker. Worker m of M owns the disjoint contiguous shard
/// [⌊m·N/M⌋, ⌊(m+1)·N/M⌋) of the training tokens; each row of a batch is T+1 consecutive tokens of
/// that shard from an offset drawn uniformly (with a generator seeded from (seed, m)): the first T
/// are the inputs, the last T the targets (inputs shifted by one).
/// </summary>
public sealed class BatchSampler
{
    private readonly int[] _train;
    private readonly Xoshiro256 _rng;
    private long _batches;

    /// <summary>The sampler of worker <paramref name="worker"/> of <paramref name="workers"/>.</summary>
    /// <param name="train">The training tokens (all of them; the sampler takes its own shard).</param>
    /// <param name="worker">m, from 0.</param>
    /// <param name="workers">M ≥ 1.</param>
    /// <param name="seed">Experiment seed; each worker draws from its own stream of it.</param>
    /// <param name="subject">Flag or file named when the shard is too small (the corpus option).</param>
    public BatchSampler(int[] train, int worker, int workers, ulong seed, string subject = "--data")
    {
        if (workers < 1) throw new InvalidInputException("--workers", $"must be at least 1, got {workers}.");
        ArgumentOutOfRangeException.ThrowIfNegative(worker);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(worker, workers);
        if (train.Length == 0) throw new InvalidInputException(subject, "the corpus has no training tokens.");
        _train = train;
        Worker = worker;
        Workers = workers;
        Subject = subject;
        (ShardStart, ShardLength) = Shard(train.Length, worker, workers);
        _rng = new Xoshiro256(seed, (ulong)worker);
    }

    /// <summary>m.</summary>
    public int Worker { get; }

    /// <summary>M.</summary>
    public int Workers { get; }

    /// <summary>First token of this worker's shard in the training split.</summary>
    public int ShardStart { get; }

    /// <summary>Number of tokens in this worker's shard.</summary>
    public int ShardLength { get; }

    /// <summary>Flag or file named in errors.</summary>
    public string Subject { get; }

    /// <summary>The shard of worker <paramref name="worker"/>: [⌊m·N/M⌋, ⌊(m+1)·N/M⌋).</summary>
    public static (int Start, int Length) Shard(int tokens, int worker, int workers)
    {
        int start = (int)((long)tokens * worker / workers);
        int end = (int)((long)tokens * (worker + 1) / workers);
        return (start, end - start);
    }

    /// <summary>
    /// Throws <see cref="InvalidInputException"/> unless every one of <paramref name="workers"/> shards of
    /// <paramref name="trainTokens"/> holds one batch, B·(T+1) tokens. Call before training starts.
    /// </summary>
    public static void EnsureFits(int trainTokens, int workers, int batch, int context, string subject = "--data")
    {
        if (batch < 1) throw new InvalidInputException("--batch", $"must be at least 1, got {batch}.");
        if (context < 1) throw new InvalidInputException("--context", $"must be at least 1, got {context}.");
        if (trainTokens == 0) throw new InvalidInputException(subject, "the corpus has no training tokens.");
        long needed = (long)batch * (context + 1);
        int smallest = Shard(trainTokens, workers - 1, workers).Length;
        for (int m = 0; m < workers; m++) smallest = Math.Min(smallest, Shard(trainTokens, m, workers).Length);
        if (smallest < needed)
            throw new InvalidInputException(subject,
                $"the training split ({trainTokens} tokens, {smallest} per worker with {workers} workers) is smaller than one batch: " +
                $"batch {batch} × (context {context} + 1) = {needed} tokens per worker.");
    }

    /// <summary>
    /// Fills row-major B×T <paramref name="inputs"/> and <paramref name="targets"/>:
    /// targets[b, t] = inputs[b, t+1] for t &lt; T−1, and targets[b, T−1] is the token after the window.
    /// </summary>
    public void NextBatch(int batch, int context, Span<long> inputs, Span<long> targets)
    {
        EnsureFits(ShardLength, 1, batch, context, Subject);
        int size = batch * context;
        if (inputs.Length != size || targets.Length != size)
            throw new ArgumentException($"inputs and targets must hold batch × context = {size} values.");
        long offsets = ShardLength - context; // windows of T+1 tokens start at 0 .. ShardLength − T − 1
        for (int b = 0; b < batch; b++)
        {
            int start = ShardStart + (int)_rng.NextBelow(offsets);
            ReadOnlySpan<int> window = _train.AsSpan(start, context + 1);
            Span<long> x = inputs.Slice(b * context, context);
            Span<long> y = targets.Slice(b * context, context);
            for (int t = 0; t < context; t++)
            {
                x[t] = window[t];
                y[t] = window[t + 1];
            }
        }
        _batches++;
    }

    /// <summary>
    /// Moves on by <paramref name="count"/> batches of <paramref name="batch"/> rows of <paramref name="context"/>
    /// tokens without reading them: the same generator draws as <see cref="NextBatch"/>, so the batches after it are
    /// those an uninterrupted sampler would draw next.
    /// </summary>
    public void Skip(long count, int batch, int context)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        EnsureFits(ShardLength, 1, batch, context, Subject);
        long offsets = ShardLength - context;
        for (long i = 0; i < count; i++)
        {
            for (int b = 0; b < batch; b++)
            {
                _rng.NextBelow(offsets);
            }

            _batches++;
        }
    }

    /// <summary>How many batches were drawn (including those before a restore).</summary>
    public long Batches => _batches;

    /// <summary>The state to save; <see cref="Restore"/> with it gives the identical next batches.</summary>
    public SamplerState State => new(Worker, Workers, _rng.State, _batches);

    /// <summary>Continues from a saved <see cref="State"/>; it must come from the same worker and worker count.</summary>
    public void Restore(SamplerState state)
    {
        if (state.Worker != Worker || state.Workers != Workers)
            throw new InvalidInputException("--resume",
                $"the saved sampler is worker {state.Worker} of {state.Workers}, this one is worker {Worker} of {Workers}.");
        _rng.State = state.Rng;
        _batches = state.Batches;
    }
}
