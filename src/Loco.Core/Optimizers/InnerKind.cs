namespace Loco.Core.Optimizers;

/// <summary>Which inner optimizer.</summary>
public enum InnerKind
{
    /// <summary>Plain SGD: w ← w − η g.</summary>
    Sgd,
    /// <summary>SGD with heavy-ball momentum (torch.optim.SGD, dampening 0).</summary>
    Momentum,
    /// <summary>SGD with Nesterov momentum (torch.optim.SGD with nesterov=True).</summary>
    Nesterov,
    /// <summary>AdamW (torch.optim.AdamW: decoupled weight decay, bias correction).</summary>
    AdamW,
}
