namespace Loco.Torch.Training;

/// <summary>
/// The inner learning rate as a function of a worker's inner step t = 0, 1, ... (counted over the whole run, not per
/// round): linear warmup from Peak/W to Peak over the first W steps, then a cosine from Peak down to
/// MinFraction·Peak at step Total − 1 (constant afterwards). With W = 0 and Total = 0 it is constant.
/// </summary>
/// <param name="Peak">η, the largest learning rate.</param>
/// <param name="WarmupSteps">W, steps of linear warmup (0 = none).</param>
/// <param name="TotalSteps">Total inner steps of a worker; 0 = no decay.</param>
/// <param name="MinFraction">The final learning rate as a fraction of the peak.</param>
public sealed record LearningRateSchedule(double Peak, int WarmupSteps = 0, long TotalSteps = 0, double MinFraction = 0.1)
{
    /// <summary>A constant learning rate.</summary>
    public static LearningRateSchedule Constant(double lr) => new(lr);

    /// <summary>The learning rate of inner step <paramref name="step"/> (0-based).</summary>
    public double At(long step)
    {
        if (step < WarmupSteps)
        {
            return Peak * (step + 1) / WarmupSteps;
        }

        if (TotalSteps <= WarmupSteps + 1)
        {
            return TotalSteps == 0 ? Peak : Peak * MinFraction;
        }

        double progress = Math.Min(1.0, (double)(step - WarmupSteps) / (TotalSteps - 1 - WarmupSteps));
        double min = Peak * MinFraction;
        return min + 0.5 * (Peak - min) * (1 + Math.Cos(Math.PI * progress));
    }
}
