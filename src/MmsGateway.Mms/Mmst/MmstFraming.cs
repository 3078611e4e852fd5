using System.Buffers;
using System.Buffers.Binary;

namespace MmsGateway.Mms.Mmst;

/// <summary>
/// Cuts the MMST control stream into command packets and data packets (docs/protocol/mmst.md#s1.1, MS-MMSP 3.1.5.2).
/// </summary>
/// <remarks>
/// Command packets and data packets follow each other with no outer framing; the only tell is the 0xB00BFACE
/// signature at bytes 4..7. A data packet whose preheader happens to read CE FA 0B B0 there (playIncarnation 0xCE,
/// AFFlags 0xFA, PacketSize 0xB00B) is indistinguishable from a command and is read as one — every client has this
/// ambiguity, which is why a server must never use playIncarnation 0xCE (docs/protocol/mmst.md#s1.1, docs/protocol/interop.md#s10.2).
/// </remarks>
public static class MmstFraming
{
    /// <summary>
    /// Upper bound for messageLength. The largest legitimate messages are a packet-pair ReportFunnelInfo (1056 bytes)
    /// and a 1490-byte Logging body; anything near the u32 range is a lie or not MMS at all.
    /// </summary>
    public const int MaxMessageLength = 64 * 1024;

    /// <summary>Smallest messageLength: the 16 bytes after it in the TcpMessageHeader plus chunkLen and MID.</summary>
    public const int MinMessageLength = 16 + MmstMessageHeader.CommonPartSize;

    private const int PeekLength = 12;

    /// <summary>
    /// Reads one PDU. Returns false, leaving the reader where it was, when the PDU is not complete yet; throws
    /// <see cref="MmsProtocolException"/> for a length that cannot be right.
    /// </summary>
    public static bool TryReadPdu(ref SequenceReader<byte> reader, out MmstPdu pdu)
    {
        pdu = default;
        Span<byte> head = stackalloc byte[MmstMessageHeader.Size];
        if (!reader.TryCopyTo(head[..MmsDataPacketHeader.Size]))
        {
            return false;
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(head[4..]) == MmstMessageHeader.Signature)
        {
            return TryReadCommand(ref reader, head, out pdu);
        }

        var data = MmsDataPacketHeader.Read(head);
        if (data.PacketSize < MmsDataPacketHeader.Size)
        {
            throw new MmsProtocolException(
                $"MMST data packet at stream offset {reader.Consumed}: PacketSize {data.PacketSize} (bytes 6..7) is " +
                $"smaller than its own {MmsDataPacketHeader.Size}-byte preheader.", reader.Consumed + 6);
        }

        if (reader.Remaining < data.PacketSize)
        {
            return false;
        }

        pdu = MmstPdu.Data(reader.UnreadSequence.Slice(0, data.PacketSize), data);
        reader.Advance(data.PacketSize);
        return true;
    }

    /// <summary>
    /// Reads one command packet from a client. Clients never send data packets, so bytes without the signature are
    /// not MMS (libmms, for one, sends an HTTP GET first on an <c>mms://</c> URL) and throw at once instead of waiting
    /// for a "data packet" size read from text (docs/protocol/servers.md#s3.1.13).
    /// </summary>
    public static bool TryReadCommand(ref SequenceReader<byte> reader, out MmstPdu pdu)
    {
        pdu = default;
        Span<byte> head = stackalloc byte[MmstMessageHeader.Size];
        if (!reader.TryCopyTo(head[..MmsDataPacketHeader.Size]))
        {
            return false;
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(head[4..]) != MmstMessageHeader.Signature)
        {
            throw new MmsProtocolException(
                $"MMST command packet at stream offset {reader.Consumed}: bytes 4..7 are not the 0xB00BFACE signature.",
                reader.Consumed + 4);
        }

        return TryReadCommand(ref reader, head, out pdu);
    }

    private static bool TryReadCommand(ref SequenceReader<byte> reader, scoped Span<byte> head, out MmstPdu pdu)
    {
        pdu = default;
        if (!reader.TryCopyTo(head[..PeekLength]))
        {
            return false;
        }

        // packet total = 8 + 4 + messageLength + 4 = 16 + messageLength (docs/protocol/mmst.md#s1.1).
        uint messageLength = BinaryPrimitives.ReadUInt32LittleEndian(head[8..]);
        if (messageLength is < MinMessageLength or > MaxMessageLength || messageLength % 8 != 0)
        {
            throw new MmsProtocolException(
                $"MMST command packet at stream offset {reader.Consumed}: messageLength {messageLength} (bytes 8..11) " +
                $"must be a multiple of 8 between {MinMessageLength} and {MaxMessageLength}.", reader.Consumed + 8);
        }

        int total = (int)messageLength + 16;
        if (reader.Remaining < total)
        {
            return false;
        }

        reader.TryCopyTo(head);
        var header = MmstMessageHeader.Read(head);

        // chunkLen is not needed to frame (messageLength does that, as in every client) but one that claims more
        // bytes than the packet holds would make a body parser read past the message.
        if ((long)header.ChunkLength * 8 > total - MmstMessageHeader.TcpHeaderSize)
        {
            throw new MmsProtocolException(
                $"MMST command packet at stream offset {reader.Consumed}: chunkLen {header.ChunkLength} (bytes 32..35) " +
                $"claims more than the {total - MmstMessageHeader.TcpHeaderSize} message bytes of the packet.",
                reader.Consumed + 32);
        }

        pdu = MmstPdu.Command(reader.UnreadSequence.Slice(0, total), header);
        reader.Advance(total);
        return true;
    }

    /// <summary>Writes a data packet: preheader (PacketSize = 8 + payload) and payload.</summary>
    public static void WriteDataPacket(IBufferWriter<byte> writer, uint locationId, byte playIncarnation, byte afFlags,
        ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var header = MmsDataPacketHeader.ForPayload(locationId, playIncarnation, afFlags, payload.Length);
        Span<byte> destination = writer.GetSpan(header.PacketSize);
        header.Write(destination);
        payload.CopyTo(destination[MmsDataPacketHeader.Size..]);
        writer.Advance(header.PacketSize);
    }
}
