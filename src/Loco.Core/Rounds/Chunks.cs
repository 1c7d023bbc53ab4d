namespace Loco.Core.Rounds;

/// <summary>
/// Runs element-by-element work on long vectors in slices across cores. Slices are a multiple of 1024 elements and
/// the work is element by element, so the result is the same, bit for bit, as one call over the whole vector; short
/// vectors (under <see cref="ParallelThreshold"/> elements) are done in one call on the calling thread.
/// </summary>
public static class Chunks
{
    /// <summary>Vectors shorter than this are not split.</summary>
    public const int ParallelThreshold = 1 << 21;

    private const int SliceLength = 1 << 18;

    /// <summary>Calls <paramref name="body"/>(start, length) over slices covering [0, <paramref name="length"/>).</summary>
    public static void For(int length, Action<int, int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length < ParallelThreshold || Environment.ProcessorCount == 1)
        {
            body(0, length);
            return;
        }

        int slices = (length + SliceLength - 1) / SliceLength;
        Parallel.For(0, slices, i =>
        {
            int start = i * SliceLength;
            body(start, Math.Min(SliceLength, length - start));
        });
    }
}
