using System.Buffers.Binary;

namespace MmsGateway.Mms;

/// <summary>
/// The 8-byte preheader in front of every MMS data packet: raw on the MMST control connection (docs/protocol/mmst.md#s1.3,
/// MS-MMSP 2.2.2) and after the 4-byte <c>$H</c>/<c>$D</c>/<c>$M</c> framing header over HTTP (docs/protocol/mmsh.md#s2.5,
/// MS-WMSP 2.2.3.1.2). One layout for both transports, so one server core can feed both (docs/protocol/servers.md#s3.3).
/// </summary>
/// <param name="LocationId">Header piece index, ASF data packet index, or 0xF0F0F000/1 for packet-pair.</param>
/// <param name="PlayIncarnation">Low 8 bits of the incarnation of the request that caused this data.</param>
/// <param name="AfFlags">Header-piece flags (<see cref="MmsDataPacketFlags"/>) or the 8-bit media counter.</param>
/// <param name="PacketSize">Total size of the data packet including these 8 bytes.</param>
public readonly record struct MmsDataPacketHeader(uint LocationId, byte PlayIncarnation, byte AfFlags, ushort PacketSize)
{
    public const int Size = 8;

    /// <summary>The largest payload one data packet can carry: PacketSize is a u16 that counts the preheader.</summary>
    public const int MaxPayloadLength = ushort.MaxValue - Size;

    public int PayloadLength => PacketSize - Size;

    /// <summary>Reads the preheader from the first 8 bytes; the caller guarantees they are present.</summary>
    public static MmsDataPacketHeader Read(ReadOnlySpan<byte> source) => new(
        BinaryPrimitives.ReadUInt32LittleEndian(source),
        source[4],
        source[5],
        BinaryPrimitives.ReadUInt16LittleEndian(source[6..]));

    public static bool TryRead(ReadOnlySpan<byte> source, out MmsDataPacketHeader header)
    {
        if (source.Length < Size)
        {
            header = default;
            return false;
        }

        header = Read(source);
        return true;
    }

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, LocationId);
        destination[4] = PlayIncarnation;
        destination[5] = AfFlags;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], PacketSize);
    }

    /// <summary>A preheader for a payload of the given length (PacketSize = 8 + length).</summary>
    public static MmsDataPacketHeader ForPayload(uint locationId, byte playIncarnation, byte afFlags, int payloadLength)
    {
        if ((uint)payloadLength > MaxPayloadLength)
        {
            throw new ArgumentOutOfRangeException(nameof(payloadLength), payloadLength,
                $"An MMS data packet carries at most {MaxPayloadLength} payload bytes.");
        }

        return new MmsDataPacketHeader(locationId, playIncarnation, afFlags, (ushort)(payloadLength + Size));
    }
}
