namespace Loco.Theory.Dynamics;

/// <summary>Which form of the inner-step recursion to use.</summary>
public enum TheoryMode
{
    /// <summary>
    /// Exact for Gaussian features at finite D: keeps the fourth-moment term λ_i² E[f_i²] of the gradient noise.
    /// </summary>
    Exact,

    /// <summary>The high-dimensional (Volterra) limit: drops the λ_i² E[f_i²] term.</summary>
    HighDim,
}
