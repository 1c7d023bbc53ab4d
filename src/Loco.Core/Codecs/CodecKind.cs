namespace Loco.Core.Codecs;

/// <summary>The number formats a pseudo-gradient can travel in (DESIGN.md §8).</summary>
public enum CodecKind
{
    /// <summary>fp32: no compression.</summary>
    Fp32,

    /// <summary>bfloat16: fp32's exponent, 7 mantissa bits; 2 bytes.</summary>
    Bf16,

    /// <summary>IEEE half: 5 exponent and 10 mantissa bits (values beyond ±65504 saturate); 2 bytes.</summary>
    Fp16,

    /// <summary>Blockwise int8: per block an fp32 scale absmax/127 and one signed byte per value.</summary>
    Int8,

    /// <summary>
    /// Blockwise int4: per block an fp32 scale absmax/7 and one signed nibble (−7…7) per value. A uniform grid rather
    /// than FP4 E2M1: stochastic rounding on it is unbiased with one uniform draw, and its error variance (at most
    /// scale²/4 per value) is what the theory's codec model needs.
    /// </summary>
    Int4,
}
