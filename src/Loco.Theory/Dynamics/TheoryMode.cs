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

/// <summary>How <see cref="RiskRecursion"/> computes a round's inner phase.</summary>
public enum TheoryKernel
{
    /// <summary>
    /// One pass over the atoms per round: the scalar coupling sequence from precomputed kernels K_k and per-round moments
    /// M_t, then each atom's end-of-round moment in O(H) flops, fused with the outer step.
    /// </summary>
    OnePass,

    /// <summary>The step-by-step form: H passes over the atoms per round plus the outer pass (the reference).</summary>
    Stepwise,
}
