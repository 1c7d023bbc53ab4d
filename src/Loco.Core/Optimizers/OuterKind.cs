namespace Loco.Core.Optimizers;

/// <summary>How the outer step turns the averaged pseudo-gradient into a move of the global weights.</summary>
public enum OuterKind
{
    /// <summary>The plain step s ← s − α Δ (Lookahead, LA-DiLoCo). Named <c>plain</c> in flags, CSVs and JSON.</summary>
    Plain,
    /// <summary>Heavy-ball momentum.</summary>
    HeavyBall,
    /// <summary>Nesterov momentum.</summary>
    Nesterov,
}

/// <summary>
/// Which of the two published parameterisations of outer momentum is meant.
/// The EMA form with learning rate ν equals the PyTorch form with α = ν(1 − β) and v = m / (1 − β).
/// </summary>
public enum OuterForm
{
    /// <summary>v ← β v + Δ (torch.optim.SGD's buffer).</summary>
    PyTorch,
    /// <summary>m ← β m + (1 − β) Δ (an exponential moving average of Δ).</summary>
    Ema,
}
