using System.CommandLine;
using Loco.Core.Codecs;

namespace Loco.Cli;

/// <summary>The flags of the pseudo-gradient codec (DESIGN.md §8): <c>--compress</c>, <c>--stochastic-rounding</c>, <c>--error-feedback</c>.</summary>
internal sealed class CodecOptions
{
    public Option<string?> Compress { get; } = Options.Text("--compress",
        "Send each worker's pseudo-gradient as fp32 (none), bf16, fp16, int8[:block] or int4[:block] (blockwise absmax scale; block default 2048). Default: fp32.");

    public Option<bool> StochasticRounding { get; } = Options.Flag("--stochastic-rounding",
        "Round stochastically (unbiased; seeded, so results stay fixed for a seed) instead of to nearest.");

    public Option<bool> ErrorFeedback { get; } = Options.Flag("--error-feedback",
        "Each worker keeps what the codec lost and adds it to its next pseudo-gradient.");

    public IEnumerable<Option> All => [Compress, StochasticRounding, ErrorFeedback];

    /// <summary>The codec and whether error feedback is on; refuses the rounding and feedback flags without a lossy codec.</summary>
    public (CodecSpec Codec, bool ErrorFeedback) Read(ParseResult r)
    {
        CodecSpec codec = r.GetValue(Compress) is string text ? CodecSpec.Parse(text, r.GetValue(StochasticRounding)) : CodecSpec.None;
        bool feedback = r.GetValue(ErrorFeedback);
        if (codec.Kind == CodecKind.Fp32 && (feedback || r.GetValue(StochasticRounding)))
        {
            throw new Loco.Core.Family.InvalidInputException(feedback ? "--error-feedback" : "--stochastic-rounding",
                "applies to a lossy codec; add --compress bf16, fp16, int8 or int4.");
        }

        return (codec, feedback);
    }
}
