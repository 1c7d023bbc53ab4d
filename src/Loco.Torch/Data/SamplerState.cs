using Loco.Core.Random;

namespace Loco.Torch.Data;

/// <summary>
/// Everything a <see cref="BatchSampler"/> needs to continue exactly where it was: save it with a
/// checkpoint, pass it to <see cref="BatchSampler.Restore"/> on resume. Plain data, JSON-serializable.
/// </summary>
/// <param name="Worker">Which worker's shard (m).</param>
/// <param name="Workers">Into how many shards the training split was cut (M).</param>
/// <param name="Rng">The generator's state.</param>
/// <param name="Batches">How many batches were drawn so far.</param>
public sealed record SamplerState(int Worker, int Workers, RngState Rng, long Batches);
