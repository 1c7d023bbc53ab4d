using System.Buffers.Binary;

namespace Loco.Cluster.DataPlane;

/// <summary>What a data-plane request asks for.</summary>
public enum DataKind : byte
{
    /// <summary>A chunk of a worker's pseudo-gradient, to a shard.</summary>
    Upload = 1,

    /// <summary>A chunk of the committed global weights, from a shard.</summary>
    Download = 2,
}

/// <summary>
/// The header of a data-plane request (little-endian, <see cref="Size"/> bytes): magic "LOCO", version, kind, shard,
/// chunk, worker, round, incarnation, payload length and checksum. An upload's payload follows it.
/// </summary>
public readonly record struct DataFrame(DataKind Kind, int Shard, int Chunk, int Worker, long Round, Guid Incarnation, int Length, ulong Checksum)
{
    /// <summary>Header bytes.</summary>
    public const int Size = 56;

    private const uint Magic = 0x4F434F4C; // "LOCO"
    private const byte Version = 1;

    /// <summary>Writes the header into <paramref name="destination"/>.</summary>
    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Magic);
        destination[4] = Version;
        destination[5] = (byte)Kind;
        destination[6] = 0;
        destination[7] = 0;
        BinaryPrimitives.WriteInt32LittleEndian(destination[8..], Shard);
        BinaryPrimitives.WriteInt32LittleEndian(destination[12..], Chunk);
        BinaryPrimitives.WriteInt32LittleEndian(destination[16..], Worker);
        BinaryPrimitives.WriteInt64LittleEndian(destination[20..], Round);
        Incarnation.TryWriteBytes(destination[28..44]);
        BinaryPrimitives.WriteInt32LittleEndian(destination[44..], Length);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[48..], Checksum);
    }

    /// <summary>Reads a header; an <see cref="InvalidDataException"/> for bytes that are not one.</summary>
    public static DataFrame Read(ReadOnlySpan<byte> source)
    {
        if (BinaryPrimitives.ReadUInt32LittleEndian(source) != Magic || source[4] != Version || source[5] is not ((byte)DataKind.Upload or (byte)DataKind.Download))
        {
            throw new InvalidDataException("not a Loco data-plane request (bad magic, version or kind).");
        }

        return new DataFrame((DataKind)source[5], BinaryPrimitives.ReadInt32LittleEndian(source[8..]), BinaryPrimitives.ReadInt32LittleEndian(source[12..]),
            BinaryPrimitives.ReadInt32LittleEndian(source[16..]), BinaryPrimitives.ReadInt64LittleEndian(source[20..]), new Guid(source[28..44]),
            BinaryPrimitives.ReadInt32LittleEndian(source[44..]), BinaryPrimitives.ReadUInt64LittleEndian(source[48..]));
    }
}
