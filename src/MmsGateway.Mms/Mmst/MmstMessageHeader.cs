using System.Buffers.Binary;

namespace MmsGateway.Mms.Mmst;

/// <summary>
/// The 32-byte TcpMessageHeader plus the 8-byte message common part (chunkLen, MID) that start every MMST command
/// packet (docs/protocol/mmst.md#s1.2, MS-MMSP 2.2.3 and 2.2.4). Values are as read; receivers ignore seq, timeSent and the
/// seal, like every open client.
/// </summary>
/// <param name="MessageLength">TcpMessageHeader messageLength: total packet length − 16.</param>
/// <param name="ChunkCount">messageLength / 8 when written by anyone known.</param>
/// <param name="Sequence">Per-direction packet counter.</param>
/// <param name="ChunkLength">chunkLen: message size in 8-byte units including padding.</param>
/// <param name="MessageId">The MID, direction included.</param>
public readonly record struct MmstMessageHeader(
    uint MessageLength, uint ChunkCount, ushort Sequence, uint ChunkLength, MmstMessageId MessageId)
{
    /// <summary>Size of the TcpMessageHeader alone.</summary>
    public const int TcpHeaderSize = 32;

    /// <summary>chunkLen and MID, the part every MMS message shares.</summary>
    public const int CommonPartSize = 8;

    /// <summary>Bytes before the message body: TcpMessageHeader + common part.</summary>
    public const int Size = TcpHeaderSize + CommonPartSize;

    /// <summary>sessionId at bytes 4..7: the signature that tells command packets from data packets (docs/protocol/mmst.md#s1.1).</summary>
    public const uint Signature = 0xB00B_FACE;

    /// <summary>ASCII "MMS " at bytes 12..15.</summary>
    public const uint Seal = 0x2053_4D4D;

    public int PacketLength => (int)MessageLength + 16;

    /// <summary>Message size (common part + body) padded to a multiple of 8 as MS-MMSP 2.2.4 requires.</summary>
    public static int PaddedMessageSize(int bodyLength) => (CommonPartSize + bodyLength + 7) & ~7;

    /// <summary>Total command packet length for a body of the given unpadded length.</summary>
    public static int PacketLengthFor(int bodyLength) => TcpHeaderSize + PaddedMessageSize(bodyLength);

    /// <summary>Reads the first 40 bytes of a command packet; the caller guarantees they are present.</summary>
    public static MmstMessageHeader Read(ReadOnlySpan<byte> packet) => new(
        BinaryPrimitives.ReadUInt32LittleEndian(packet[8..]),
        BinaryPrimitives.ReadUInt32LittleEndian(packet[16..]),
        BinaryPrimitives.ReadUInt16LittleEndian(packet[20..]),
        BinaryPrimitives.ReadUInt32LittleEndian(packet[32..]),
        (MmstMessageId)BinaryPrimitives.ReadUInt32LittleEndian(packet[36..]));

    /// <summary>
    /// Writes the 40 header bytes of a command packet that is exactly <paramref name="packet"/>.Length long, with the
    /// length identities of docs/protocol/mmst.md#s1.2: <c>messageLength = total − 16</c>, <c>chunkCount = messageLength / 8</c>,
    /// <c>chunkLen = (total − 32) / 8</c>. The body and padding are the caller's; timeSent is 0 as everyone sends it.
    /// </summary>
    public static void Write(Span<byte> packet, MmstMessageId id, int seq)
    {
        int total = packet.Length;
        if (total < Size || total % 8 != 0)
        {
            throw new ArgumentException($"A command packet is a multiple of 8 bytes and at least {Size}; got {total}.",
                nameof(packet));
        }

        int messageLength = total - 16;
        packet[..4].Clear();
        packet[0] = 0x01; // rep; version, versionMinor, padding are 0 (the u32 1 clients write)
        BinaryPrimitives.WriteUInt32LittleEndian(packet[4..], Signature);
        BinaryPrimitives.WriteUInt32LittleEndian(packet[8..], (uint)messageLength);
        BinaryPrimitives.WriteUInt32LittleEndian(packet[12..], Seal);
        BinaryPrimitives.WriteUInt32LittleEndian(packet[16..], (uint)(messageLength / 8));
        // seq is a u16 followed by an MBZ u16 (MS-MMSP 2.2.3); it wraps, receivers ignore it.
        BinaryPrimitives.WriteUInt16LittleEndian(packet[20..], unchecked((ushort)seq));
        BinaryPrimitives.WriteUInt16LittleEndian(packet[22..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(packet[24..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(packet[32..], (uint)((total - TcpHeaderSize) / 8));
        BinaryPrimitives.WriteUInt32LittleEndian(packet[36..], (uint)id);
    }
}
