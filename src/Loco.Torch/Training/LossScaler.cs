using TorchSharp;
using static TorchSharp.torch;

namespace Loco.Torch.Training;

/// <summary>
/// Dynamic loss scaling for fp16 (<see cref="Precision.Fp16"/>), with the rules and defaults of PyTorch's
/// <c>torch.amp.GradScaler</c>: the loss is multiplied by the scale S before the backward pass so that small
/// gradients survive fp16; the fp32 gradients are divided by S; a step whose gradients hold an inf or NaN is skipped
/// and S halved; after <see cref="GrowthInterval"/> good steps in a row S doubles.
/// </summary>
/// <remarks>
/// Deciding to skip reads one flag from the device per step, as GradScaler does before its optimizer step. bf16 has
/// fp32's exponent range and needs no scaler (and no such read).
/// </remarks>
public sealed class LossScaler
{
    /// <summary>PyTorch's defaults: S₀ = 2¹⁶, growth 2, backoff ½, interval 2000.</summary>
    public LossScaler(double initialScale = 65536, int growthInterval = 2000)
    {
        if (!double.IsFinite(initialScale) || initialScale <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(initialScale), initialScale, "The initial loss scale must be positive and finite.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(growthInterval);
        Scale = initialScale;
        GrowthInterval = growthInterval;
    }

    /// <summary>S, the current scale.</summary>
    public double Scale { get; set; }

    /// <summary>Good steps in a row after which S doubles.</summary>
    public int GrowthInterval { get; }

    /// <summary>Good steps since S last changed.</summary>
    public int GoodSteps { get; set; }

    /// <summary>Steps skipped so far because their gradients overflowed.</summary>
    public long Skipped { get; set; }

    /// <summary>The loss times S, to call <c>backward()</c> on.</summary>
    public Tensor Scaled(Tensor loss)
    {
        using Scalar scale = Scale.ToScalar(); // held for the native call (TorchSharp's unrooted scalars: see CollectionPause)
        return loss.mul(scale);
    }

    /// <summary>
    /// Divides <paramref name="flat"/>'s gradients by S and says whether they are all finite (the step may be taken);
    /// updates S for the next step.
    /// </summary>
    public bool Unscale(FlatParameters flat)
    {
        ArgumentNullException.ThrowIfNull(flat);
        bool finite;
        using Scalar scale = Scale.ToScalar();
        using (no_grad())
        {
            flat.Gradient.div_(scale);
            using Tensor all = flat.Gradient.isfinite().all();
            finite = all.item<bool>();
        }

        if (!finite)
        {
            Scale /= 2;
            GoodSteps = 0;
            Skipped++;
            return false;
        }

        if (++GoodSteps >= GrowthInterval)
        {
            Scale *= 2;
            GoodSteps = 0;
        }

        return true;
    }
}
