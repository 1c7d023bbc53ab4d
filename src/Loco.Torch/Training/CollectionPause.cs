using System.Runtime;

namespace Loco.Torch.Training;

/// <summary>
/// Keeps the .NET garbage collector from running in the middle of TorchSharp calls. TorchSharp 0.107 converts numbers
/// to native scalars inside many of its methods (the default <c>alpha</c> of <c>add</c>, the arithmetic operators, its
/// optimizers) and passes them to native code without keeping them alive; a collection that starts meanwhile (triggered
/// by another thread's allocation, or a background collection) can finalize such a scalar while the native call still
/// reads it, and the process aborts with "Expected false to be true … Scalar.h". Reproduced here within a few hundred
/// training steps while another thread allocates; a test trains under that load.
/// </summary>
/// <remarks>
/// <para>This is the one place the TorchSharp unrooted-scalar story is told; the code that works around it links here.
/// Three defences follow from it: (1) Loco's own code holds every scalar it passes to a native call until the call
/// returns (<c>using var s = x.ToScalar()</c>, as in <c>ModuleOptimizer.cs</c>, <c>RmsNorm</c>, the NTK code), which is
/// also why the inner optimizers are written here rather than taken from TorchSharp's <c>optim</c>; (2) this pause keeps
/// collections away from training steps; (3) two trainings never share a process: the LM sweep runs cells side by side
/// in child processes, and retries a child that still crashes (it was seen twice in about 140 cells before this pause
/// guarded training).</para>
/// <para><see cref="Ensure"/>, called before each training step and evaluation batch, keeps the process in a no-collection
/// region with a large allocation budget and renews the region (one full collection, on the calling thread, between
/// steps) when most of the budget is spent. Steps allocate little managed memory, so a collection happens once every
/// few thousand steps instead of at arbitrary points. If other work allocates past the budget the runtime ends the
/// region and collects as usual; the next <see cref="Ensure"/> starts a new one.</para>
/// </remarks>
public static class CollectionPause
{
    private static readonly Lock Gate = new();
    private static long _budget = 128L << 20;
    private static long _startedAt = -1;

    /// <summary>Whether the last <see cref="Ensure"/> left the process in a no-collection region.</summary>
    public static bool Active => GCSettings.LatencyMode == GCLatencyMode.NoGCRegion;

    /// <summary>Makes sure a no-collection region with room to spare is in force (see the remarks).</summary>
    public static void Ensure()
    {
        lock (Gate)
        {
            if (Active && _startedAt >= 0 && GC.GetTotalAllocatedBytes() - _startedAt < _budget / 2)
            {
                return;
            }

            if (Active)
            {
                try
                {
                    GC.EndNoGCRegion();
                }
                catch (InvalidOperationException)
                {
                    // It ended on its own meanwhile.
                }
            }

            while (true)
            {
                try
                {
                    _startedAt = GC.GetTotalAllocatedBytes();
                    if (!GC.TryStartNoGCRegion(_budget))
                    {
                        _startedAt = -1;
                    }

                    return;
                }
                catch (ArgumentOutOfRangeException) when (_budget > 1L << 20)
                {
                    _budget /= 2; // more than this runtime allows in one region
                }
                catch (InvalidOperationException)
                {
                    _startedAt = -1; // already in a region started elsewhere
                    return;
                }
            }
        }
    }
}
