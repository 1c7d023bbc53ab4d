using Loco.Torch.Data;
using Loco.Torch.Training;

namespace Loco.Cluster;

/// <summary>
/// What a worker process needs to redo a round after its coordinator restarted: the state of each of its workers (inner
/// optimizer, data sampler, clocks) as it was when a round's inner steps ended, for the last two rounds it submitted.
/// A coordinator resumes at the round of its manifest, which is one of those two, or the round before the first.
/// With <see cref="WithWeights"/> (streaming fragments, whose fast weights carry over from round to round) it keeps the
/// fast weights too.
/// </summary>
public sealed class WorkerSnapshots(IReadOnlyList<ModuleWorker> workers)
{
    private readonly SortedDictionary<long, Snapshot[]> _byRound = [];

    private sealed record Snapshot(OptimizerSnapshot Optimizer, SamplerState Sampler, long Round, long InnerSteps, float[]? Weights);

    /// <summary>Whether the fast weights are kept as well (a round that starts from the global weights does not need them).</summary>
    public bool WithWeights { get; init; }

    /// <summary>Rounds it can go back to.</summary>
    public IEnumerable<long> Rounds => _byRound.Keys;

    /// <summary>Keeps the workers' state as the state from which the round after <paramref name="round"/> starts.</summary>
    public void Take(long round)
    {
        _byRound[round] = [.. workers.Select(w => new Snapshot(w.Optimizer.Save(), ((LanguageModelLoss)w.Loss).Sampler.State, w.Round, w.InnerStepsTaken, Weights(w)))];
        while (_byRound.Count > 3)
        {
            _byRound.Remove(_byRound.Keys.First());
        }
    }

    private float[]? Weights(ModuleWorker worker)
    {
        if (!WithWeights)
        {
            return null;
        }

        float[] weights = new float[worker.Dimension];
        worker.CopyWeights(weights);
        return weights;
    }

    /// <summary>Puts the workers back in the state kept at <paramref name="round"/>; false when it was not kept.</summary>
    public bool TryRestore(long round)
    {
        if (!_byRound.TryGetValue(round, out Snapshot[]? kept))
        {
            return false;
        }

        for (int i = 0; i < workers.Count; i++)
        {
            ModuleWorker w = workers[i];
            w.Optimizer.Load(kept[i].Optimizer);
            ((LanguageModelLoss)w.Loss).Sampler.Restore(kept[i].Sampler);
            w.Round = kept[i].Round;
            w.InnerStepsTaken = kept[i].InnerSteps;
            if (kept[i].Weights is { } weights)
            {
                w.SetWeights(0, weights);
            }
        }

        foreach (long later in _byRound.Keys.Where(r => r > round).ToArray())
        {
            _byRound.Remove(later);
        }

        return true;
    }
}
