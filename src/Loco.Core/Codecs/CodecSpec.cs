using Loco.Core.Family;

namespace Loco.Core.Codecs;

/// <summary>
/// A codec as the flags name it: <c>fp32</c>, <c>bf16</c>, <c>fp16</c>, <c>int8[:block]</c> or <c>int4[:block]</c>, with
/// round-to-nearest or stochastic rounding.
/// </summary>
/// <param name="Kind">The format.</param>
/// <param name="BlockSize">Values per scale (int8 and int4; torchft's rows are 2048, the default).</param>
/// <param name="Stochastic">Stochastic rounding (seeded, reproducible) instead of round-to-nearest-even.</param>
public sealed record CodecSpec(CodecKind Kind, int BlockSize = CodecSpec.DefaultBlock, bool Stochastic = false)
{
    /// <summary>The default block of the integer formats.</summary>
    public const int DefaultBlock = 2048;

    /// <summary>No compression.</summary>
    public static CodecSpec None { get; } = new(CodecKind.Fp32);

    /// <summary>Whether the format has blocks.</summary>
    public bool Blockwise => Kind is CodecKind.Int8 or CodecKind.Int4;

    /// <summary>The name as the flags take it (<c>int8:2048</c>).</summary>
    public string Name => Kind switch
    {
        CodecKind.Fp32 => "fp32",
        CodecKind.Bf16 => "bf16",
        CodecKind.Fp16 => "fp16",
        CodecKind.Int8 => $"int8:{BlockSize}",
        _ => $"int4:{BlockSize}",
    };

    /// <summary>Reads <c>--compress</c>; an <see cref="InvalidInputException"/> naming <paramref name="flag"/> for anything else.</summary>
    public static CodecSpec Parse(string text, bool stochastic = false, string flag = "--compress")
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Trim().ToLowerInvariant().Split(':');
        CodecKind kind = parts[0] switch
        {
            "fp32" or "none" => CodecKind.Fp32,
            "bf16" => CodecKind.Bf16,
            "fp16" => CodecKind.Fp16,
            "int8" => CodecKind.Int8,
            "int4" => CodecKind.Int4,
            _ => throw new InvalidInputException(flag, $"unknown codec '{text}'; choose fp32, bf16, fp16, int8[:block] or int4[:block]."),
        };
        int block = DefaultBlock;
        if (parts.Length > 2 || (parts.Length == 2 && kind is not (CodecKind.Int8 or CodecKind.Int4)))
        {
            throw new InvalidInputException(flag, $"'{text}': only int8 and int4 take a block size (int8:2048).");
        }

        if (parts.Length == 2 && (!int.TryParse(parts[1], out block) || block < 2 || block % 2 != 0))
        {
            throw new InvalidInputException(flag, $"'{text}': the block size must be an even whole number ≥ 2; got '{parts[1]}'.");
        }

        return new CodecSpec(kind, block, stochastic);
    }

    /// <summary>Makes the codec.</summary>
    public ICodec Create() => Kind switch
    {
        CodecKind.Fp32 => new Fp32Codec(),
        CodecKind.Bf16 => new Bf16Codec(Stochastic),
        CodecKind.Fp16 => new Fp16Codec(Stochastic),
        CodecKind.Int8 => new BlockIntCodec(BlockSize, 127, 8, Stochastic),
        _ => new BlockIntCodec(BlockSize, 7, 4, Stochastic),
    };

    /// <inheritdoc />
    public override string ToString() => Name + (Stochastic && Kind != CodecKind.Fp32 ? "+sr" : "");
}
