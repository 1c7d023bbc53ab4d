using Loco.Core.Family;
using static TorchSharp.torch;

namespace Loco.Torch.Training;

/// <summary>
/// The precision of the forward and backward computation (<c>--precision</c>). The weights, their gradients, the inner
/// optimizer's state, the pseudo-gradients and the outer step stay fp32 in every case ("fp32 master weights").
/// </summary>
public enum Precision
{
    /// <summary>Everything in fp32.</summary>
    Fp32,

    /// <summary>Matrix products and attention in bfloat16 (the fp32 range, 8 bits of mantissa); no loss scaling needed.</summary>
    Bf16,

    /// <summary>Matrix products and attention in float16, with dynamic loss scaling (<see cref="LossScaler"/>).</summary>
    Fp16,
}

/// <summary>Names, parsing and the tensor type of a <see cref="Precision"/>.</summary>
public static class Precisions
{
    /// <summary>The names <c>--precision</c> takes.</summary>
    public static IReadOnlyList<string> Names { get; } = ["fp32", "bf16", "fp16"];

    /// <summary>Reads <c>fp32</c>, <c>bf16</c> or <c>fp16</c> (also <c>float32</c>, <c>bfloat16</c>, <c>float16</c>).</summary>
    /// <exception cref="InvalidInputException">Any other text; the message names <c>--precision</c>.</exception>
    public static Precision Parse(string text) => text?.Trim().ToLowerInvariant() switch
    {
        "fp32" or "float32" => Precision.Fp32,
        "bf16" or "bfloat16" => Precision.Bf16,
        "fp16" or "float16" or "half" => Precision.Fp16,
        _ => throw new InvalidInputException("--precision", $"unknown precision '{text}'; choose fp32, bf16 or fp16."),
    };

    /// <summary>The name <see cref="Parse"/> reads back.</summary>
    public static string Name(this Precision precision) => precision switch
    {
        Precision.Bf16 => "bf16",
        Precision.Fp16 => "fp16",
        _ => "fp32",
    };

    /// <summary>The tensor type the matrix products run in.</summary>
    public static ScalarType ComputeType(this Precision precision) => precision switch
    {
        Precision.Bf16 => ScalarType.BFloat16,
        Precision.Fp16 => ScalarType.Float16,
        _ => ScalarType.Float32,
    };
}
