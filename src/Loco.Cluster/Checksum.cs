using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Loco.Cluster;

/// <summary>The checksum of every chunk and blob the cluster moves or stores: XxHash3 (64 bits) of the bytes.</summary>
public static class Checksum
{
    /// <summary>The checksum of <paramref name="bytes"/>.</summary>
    public static ulong Of(ReadOnlySpan<byte> bytes) => XxHash3.HashToUInt64(bytes);

    /// <summary>The checksum of <paramref name="values"/>' bytes.</summary>
    public static ulong Of(ReadOnlySpan<float> values) => Of(MemoryMarshal.AsBytes(values));
}
