using System.Buffers.Binary;

namespace MmsGateway.Asf;

/// <summary>
/// The first 50 bytes of the Data Object (docs/protocol/asf.md#s4.1): MMS sends them right after the Header Object, and a
/// file's packets follow them.
/// </summary>
public readonly record struct AsfDataObjectHeader(Guid FileId, ulong ObjectSize, ulong TotalDataPackets)
{
    public const int Size = AsfHeaderReader.DataObjectFixedSize;

    /// <summary>Reads the Data Object header; false when fewer than 50 bytes are available.</summary>
    public static bool TryRead(ReadOnlySpan<byte> bytes, long offset, out AsfDataObjectHeader header)
    {
        header = default;
        if (bytes.Length < Size) return false;
        if (new Guid(bytes[..16]) != AsfGuids.Data)
            throw new AsfFormatException("Data", offset, "expected the Data Object after the Header Object");
        var size = BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]);
        header = new AsfDataObjectHeader(new Guid(bytes.Slice(24, 16)), size, BinaryPrimitives.ReadUInt64LittleEndian(bytes[40..]));
        return true;
    }

    /// <summary>Writes the 50-byte Data Object header (Reserved = 0x0101).</summary>
    public static void Write(Span<byte> destination, Guid fileId, ulong objectSize, ulong totalPackets)
    {
        AsfGuids.Data.TryWriteBytes(destination);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], objectSize);
        fileId.TryWriteBytes(destination[24..]);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[40..], totalPackets);
        destination[48] = 0x01;
        destination[49] = 0x01;
    }
}
