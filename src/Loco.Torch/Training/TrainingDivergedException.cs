namespace Loco.Torch.Training;

/// <summary>An inner step produced a non-finite loss; the round it happened in is not applied to the global weights.</summary>
/// <param name="round">The round being run, 1-based.</param>
/// <param name="step">The inner step within the round, 1-based.</param>
/// <param name="worker">The worker, 0-based.</param>
/// <param name="loss">The loss it saw.</param>
public sealed class TrainingDivergedException(long round, int step, int worker, double loss)
    : Exception($"diverged at round {round}, step {step} (worker {worker}, loss {loss})")
{
    /// <summary>The round being run, 1-based.</summary>
    public long Round { get; } = round;

    /// <summary>The inner step within the round, 1-based.</summary>
    public int Step { get; } = step;

    /// <summary>The worker, 0-based.</summary>
    public int Worker { get; } = worker;

    /// <summary>The non-finite loss.</summary>
    public double Loss { get; } = loss;
}
