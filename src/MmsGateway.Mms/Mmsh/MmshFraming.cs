using System.Buffers;
using System.Buffers.Binary;

namespace MmsGateway.Mms.Mmsh;

/// <summary>
/// The <c>$X</c> framing inside Describe and Play response bodies (docs/protocol/mmsh.md#s2.5, MS-WMSP 2.2.3): a 4-byte
/// header (frame byte 0x24, PacketID, u16 PacketLength = bytes that follow), then for <c>$H</c>/<c>$D</c>/<c>$M</c>
/// the 8-byte MMS data packet preheader and the payload.
/// </summary>
public static class MmshFraming
{
    public const int FramingHeaderSize = 4;

    /// <summary>Framing header + preheader in front of a <c>$H</c>/<c>$D</c>/<c>$M</c> payload.</summary>
    public const int DataPrefixSize = FramingHeaderSize + MmsDataPacketHeader.Size;

    /// <summary>Largest payload of one <c>$H</c>/<c>$D</c>: PacketLength is a u16 that counts the preheader.</summary>
    public const int MaxPayloadLength = MmsDataPacketHeader.MaxPayloadLength;

    private const byte FrameByte = 0x24; // '$'
    private const byte FollowsImmediatelyBit = 0x80;

    /// <summary>
    /// Reads the next chunk of a known type, skipping chunks of unknown types by their length (docs/protocol/mmsh.md#s2.9).
    /// Returns false, with the reader where it was, when the chunk is not complete yet; throws
    /// <see cref="MmsProtocolException"/> for a frame byte that is not '$' or a length too short for the type.
    /// </summary>
    public static bool TryReadChunk(ref SequenceReader<byte> reader, out MmshChunk chunk)
    {
        long start = reader.Consumed;
        Span<byte> head = stackalloc byte[DataPrefixSize];
        while (true)
        {
            if (!reader.TryCopyTo(head[..FramingHeaderSize]))
            {
                break;
            }

            byte frame = head[0];
            if ((frame & ~FollowsImmediatelyBit) != FrameByte)
            {
                // The B bit (0xA4) is accepted on read, as libmms does; it is never written.
                throw new MmsProtocolException(
                    $"MMSH framing at body offset {reader.Consumed}: frame byte 0x{frame:X2} is not '$' (0x24).",
                    reader.Consumed);
            }

            var type = (MmshChunkType)head[1];
            ushort packetLength = BinaryPrimitives.ReadUInt16LittleEndian(head[2..]);
            if (reader.Remaining < FramingHeaderSize + packetLength)
            {
                break;
            }

            if (!IsKnown(type))
            {
                reader.Advance(FramingHeaderSize + packetLength);
                continue;
            }

            chunk = ReadKnown(ref reader, head, frame, type, packetLength);
            reader.Advance(FramingHeaderSize + packetLength);
            return true;
        }

        reader.Rewind(reader.Consumed - start);
        chunk = default;
        return false;
    }

    private static MmshChunk ReadKnown(ref SequenceReader<byte> reader, scoped Span<byte> head, byte frame,
        MmshChunkType type, ushort packetLength)
    {
        ReadOnlySequence<byte> body = reader.UnreadSequence.Slice(FramingHeaderSize, packetLength);
        if (MmshChunk.HasPreheaderType(type))
        {
            if (packetLength < MmsDataPacketHeader.Size)
            {
                throw TooShort(reader.Consumed, type, packetLength, MmsDataPacketHeader.Size);
            }

            reader.TryCopyTo(head);
            var preheader = MmsDataPacketHeader.Read(head[FramingHeaderSize..]);
            return new MmshChunk(frame, type, packetLength, preheader, body.Slice(MmsDataPacketHeader.Size), 0);
        }

        uint reason = 0;
        if (type is MmshChunkType.EndOfStream or MmshChunkType.StreamChange)
        {
            if (packetLength < 4)
            {
                throw TooShort(reader.Consumed, type, packetLength, 4);
            }

            Span<byte> reasonBytes = stackalloc byte[4];
            body.Slice(0, 4).CopyTo(reasonBytes);
            reason = BinaryPrimitives.ReadUInt32LittleEndian(reasonBytes);
        }

        return new MmshChunk(frame, type, packetLength, default, body, reason);
    }

    private static bool IsKnown(MmshChunkType type) => type is MmshChunkType.Header or MmshChunkType.Data
        or MmshChunkType.EndOfStream or MmshChunkType.StreamChange or MmshChunkType.Metadata
        or MmshChunkType.PacketPair or MmshChunkType.PipelineTest;

    private static MmsProtocolException TooShort(long offset, MmshChunkType type, int length, int needed) =>
        new($"MMSH ${(char)type} at body offset {offset}: PacketLength {length} (bytes 2..3) is shorter than the " +
            $"{needed} bytes the type requires.", offset + 2);

    /// <summary>
    /// Writes the 12-byte prefix of a <c>$H</c>/<c>$D</c>/<c>$M</c> (PacketLength = PacketSize = 8 + payload, B bit
    /// clear) so a caller can send the payload from its own buffer without copying it.
    /// </summary>
    public static void WriteDataPrefix(Span<byte> destination, MmshChunkType type, uint locationId, byte incarnation,
        byte afFlags, int payloadLength)
    {
        if (!MmshChunk.HasPreheaderType(type))
        {
            throw new ArgumentException($"${(char)type} carries no preheader.", nameof(type));
        }

        var preheader = MmsDataPacketHeader.ForPayload(locationId, incarnation, afFlags, payloadLength);
        destination[0] = FrameByte;
        destination[1] = (byte)type;
        // PacketLength (outer) must equal PacketSize (inner): ffmpeg reads one, vlc the other (docs/protocol/interop.md#s10.13).
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], preheader.PacketSize);
        preheader.Write(destination[FramingHeaderSize..]);
    }

    /// <summary>
    /// Writes the whole ASF header as one <c>$H</c> (LocationId 0, AFFlags 0x0C): ffmpeg cannot play a header split
    /// over several <c>$H</c> (docs/protocol/mmsh.md#s2.5), so a header above 65 527 bytes cannot be served to it at all.
    /// </summary>
    public static void WriteHeader(IBufferWriter<byte> writer, ReadOnlySpan<byte> asfHeader, byte incarnation = 0) =>
        WriteWithPrefix(writer, MmshChunkType.Header, 0, incarnation, MmsDataPacketFlags.HeaderPieceFinal, asfHeader);

    /// <summary>Writes one ASF data packet as a <c>$D</c>.</summary>
    public static void WriteData(IBufferWriter<byte> writer, uint locationId, byte incarnation, byte afFlags,
        ReadOnlySpan<byte> packet) =>
        WriteWithPrefix(writer, MmshChunkType.Data, locationId, incarnation, afFlags, packet);

    /// <summary><c>$E</c> with PacketLength 4; reason 0 ends the stream for every client.</summary>
    public static void WriteEndOfStream(IBufferWriter<byte> writer, uint reason = MmshReason.Finished) =>
        WriteReason(writer, MmshChunkType.EndOfStream, reason);

    /// <summary><c>$C</c> with PacketLength 4; a new header follows.</summary>
    public static void WriteStreamChange(IBufferWriter<byte> writer, uint reason = MmshReason.NextEntry) =>
        WriteReason(writer, MmshChunkType.StreamChange, reason);

    private static void WriteWithPrefix(IBufferWriter<byte> writer, MmshChunkType type, uint locationId,
        byte incarnation, byte afFlags, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(writer);
        int length = DataPrefixSize + payload.Length;
        Span<byte> destination = writer.GetSpan(length);
        WriteDataPrefix(destination, type, locationId, incarnation, afFlags, payload.Length);
        payload.CopyTo(destination[DataPrefixSize..]);
        writer.Advance(length);
    }

    private static void WriteReason(IBufferWriter<byte> writer, MmshChunkType type, uint reason)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Span<byte> destination = writer.GetSpan(8);
        destination[0] = FrameByte;
        destination[1] = (byte)type;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], 4);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], reason);
        writer.Advance(8);
    }
}
