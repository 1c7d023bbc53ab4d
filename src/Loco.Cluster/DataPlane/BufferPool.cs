using System.Collections.Concurrent;

namespace Loco.Cluster.DataPlane;

/// <summary>
/// Byte arrays of exact lengths, reused: the chunks of a run come in a handful of sizes (4 MiB and each shard's last),
/// and a fresh 4 MiB array per chunk costs an allocation on the large-object heap, its zeroing and, soon, a full
/// collection. At most <see cref="Kept"/> arrays of each length are kept.
/// </summary>
public sealed class BufferPool
{
    private readonly ConcurrentDictionary<int, ConcurrentBag<byte[]>> _free = new();

    /// <summary>Arrays kept per length.</summary>
    public const int Kept = 16;

    /// <summary>An array of exactly <paramref name="length"/> bytes (contents undefined).</summary>
    public byte[] Rent(int length) =>
        _free.TryGetValue(length, out ConcurrentBag<byte[]>? bag) && bag.TryTake(out byte[]? array) ? array : GC.AllocateUninitializedArray<byte>(length);

    /// <summary>Gives an array back; the caller no longer uses it.</summary>
    public void Return(byte[] array)
    {
        ConcurrentBag<byte[]> bag = _free.GetOrAdd(array.Length, _ => []);
        if (bag.Count < Kept)
        {
            bag.Add(array);
        }
    }
}
