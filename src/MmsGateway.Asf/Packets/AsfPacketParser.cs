using System.Buffers.Binary;

namespace MmsGateway.Asf.Packets;

/// <summary>
/// Parses ASF data packets (docs/protocol/asf.md#s4.8) without allocating: the payload descriptors go into a span the caller
/// provides (a packet has at most 63 payloads, the 6-bit count of the Payload Flags byte). Malformed packets
/// end in <see cref="AsfFormatException"/>; nothing is read outside the packet.
/// </summary>
public static class AsfPacketParser
{
    /// <summary>The most payloads one packet can declare (6-bit count).</summary>
    public const int MaxPayloads = 63;

    /// <summary>
    /// Parses <paramref name="packet"/> (exactly <paramref name="packetSize"/> bytes, re-padded if it arrived short)
    /// and fills <paramref name="payloads"/> (at least <see cref="MaxPayloads"/> long).
    /// </summary>
    public static AsfPacket Parse(ReadOnlySpan<byte> packet, int packetSize, Span<AsfPayload> payloads, long packetOffset = 0)
    {
        var header = ParseHeader(packet, packetSize, packetOffset);
        var count = ParsePayloads(packet, header, payloads, packetOffset);
        return new AsfPacket
        {
            ErrorCorrectionLength = header.ErrorCorrectionLength,
            LengthTypeFlags = header.LengthTypeFlags,
            PropertyFlags = header.PropertyFlags,
            PacketLength = header.PacketLength,
            Sequence = header.Sequence,
            PaddingLength = header.PaddingLength,
            SendTime = header.SendTime,
            Duration = header.Duration,
            PayloadAreaOffset = header.PayloadAreaOffset,
            PacketLengthFieldOffset = header.PacketLengthFieldOffset,
            PaddingLengthFieldOffset = header.PaddingLengthFieldOffset,
            PayloadLengthType = header.HasMultiplePayloads ? packet[header.PayloadAreaOffset] >> 6 : 0,
            PayloadCount = count,
        };
    }

    /// <summary>
    /// Parses only the packet-level fields (EC data, length types, lengths, send time and duration). Works on a
    /// packet that arrived short (padding stripped by the server, docs/protocol/asf.md#s4.9) as long as the header itself is complete.
    /// </summary>
    public static AsfPacket ParseHeader(ReadOnlySpan<byte> packet, int packetSize, long packetOffset = 0)
    {
        var position = 0;
        if (packet.IsEmpty) throw Error(packetOffset, 0, "the packet is empty");

        var errorCorrectionLength = 0;
        if ((packet[0] & 0x80) != 0)
        {
            // Error correction present: bits 0-3 data length, bits 5-6 length type (must be 00) (docs/protocol/asf.md#s4.8).
            if ((packet[0] & 0x60) != 0) throw Error(packetOffset, 0, $"error correction length type in 0x{packet[0]:X2} is not 00");
            errorCorrectionLength = 1 + (packet[0] & 0x0F);
            position = errorCorrectionLength;
        }

        var lengthTypeFlags = Byte(packet, ref position, packetOffset, "Length Type Flags");
        var propertyFlags = Byte(packet, ref position, packetOffset, "Property Flags");

        var packetLengthFieldOffset = (lengthTypeFlags >> 5 & 3) == 0 ? -1 : position;
        var packetLength = (int)Math.Min(VarField(packet, ref position, lengthTypeFlags >> 5, packetOffset, "Packet Length"), int.MaxValue);
        var sequence = VarField(packet, ref position, lengthTypeFlags >> 1, packetOffset, "Sequence");
        var paddingLengthFieldOffset = (lengthTypeFlags >> 3 & 3) == 0 ? -1 : position;
        var padding = VarField(packet, ref position, lengthTypeFlags >> 3, packetOffset, "Padding Length");
        if (position + 6 > packet.Length) throw Error(packetOffset, position, "packet ends inside Send Time/Duration");
        var sendTime = BinaryPrimitives.ReadUInt32LittleEndian(packet[position..]);
        var duration = BinaryPrimitives.ReadUInt16LittleEndian(packet[(position + 4)..]);
        position += 6;

        if (packetLengthFieldOffset < 0) packetLength = packetSize;
        if (packetLength > packetSize || packetLength < position)
            throw Error(packetOffset, packetLengthFieldOffset, $"packet length {packetLength} is outside {position}..{packetSize}");
        if (padding > (uint)(packetLength - position))
            throw Error(packetOffset, paddingLengthFieldOffset, $"padding length {padding} exceeds the {packetLength - position} bytes after the header");

        return new AsfPacket
        {
            ErrorCorrectionLength = errorCorrectionLength,
            LengthTypeFlags = lengthTypeFlags,
            PropertyFlags = propertyFlags,
            PacketLength = packetLength,
            Sequence = sequence,
            PaddingLength = (int)padding,
            SendTime = sendTime,
            Duration = duration,
            PayloadAreaOffset = position,
            PacketLengthFieldOffset = packetLengthFieldOffset,
            PaddingLengthFieldOffset = paddingLengthFieldOffset,
        };
    }

    private static int ParsePayloads(ReadOnlySpan<byte> packet, in AsfPacket header, Span<AsfPayload> payloads, long packetOffset)
    {
        var end = header.PayloadEnd;
        if (packet.Length < end) throw Error(packetOffset, packet.Length, $"packet has {packet.Length} bytes but its payloads run to {end}");
        var position = header.PayloadAreaOffset;
        var flags = header.PropertyFlags;

        if (!header.HasMultiplePayloads)
        {
            payloads[0] = ReadPayload(packet, ref position, end, flags, payloadLengthType: -1, packetOffset);
            return 1;
        }

        var payloadFlags = Byte(packet, ref position, packetOffset, "Payload Flags");
        var count = payloadFlags & 0x3F;
        var lengthType = payloadFlags >> 6;
        if (lengthType == 0) throw Error(packetOffset, position - 1, "multiple payloads without a payload length type");
        if (count == 0) throw Error(packetOffset, position - 1, "multiple payloads flag with a payload count of 0");
        for (var i = 0; i < count; i++)
            payloads[i] = ReadPayload(packet, ref position, end, flags, lengthType, packetOffset);
        return count;
    }

    private static AsfPayload ReadPayload(
        ReadOnlySpan<byte> packet, ref int position, int end, byte propertyFlags, int payloadLengthType, long packetOffset)
    {
        var start = position;
        var streamByte = Byte(packet, ref position, packetOffset, "Stream Number");
        var mediaObjectNumber = VarField(packet, ref position, propertyFlags >> 4, packetOffset, "Media Object Number");
        var offsetIntoObject = VarField(packet, ref position, propertyFlags >> 2, packetOffset, "Offset Into Media Object");
        var replicatedLength = VarField(packet, ref position, propertyFlags, packetOffset, "Replicated Data Length");
        // The payload header itself may already run past the payload area (a lying count or length type).
        if (position > end) throw Error(packetOffset, position, $"payload header runs past the payload area ending at {end}");
        if (replicatedLength > (uint)(end - position))
            throw Error(packetOffset, position, $"replicated data length {replicatedLength} overruns the packet");
        var replicatedOffset = position;
        uint objectSize = 0, presentationTime = 0;
        byte timeDelta = 0;
        var compressed = replicatedLength == 1;
        if (replicatedLength >= 8)
        {
            objectSize = BinaryPrimitives.ReadUInt32LittleEndian(packet[position..]);
            presentationTime = BinaryPrimitives.ReadUInt32LittleEndian(packet[(position + 4)..]);
        }
        else if (compressed)
        {
            // Compressed payload: the offset field carries the presentation time, the byte is the delta (docs/protocol/asf.md#s4.8).
            presentationTime = offsetIntoObject;
            timeDelta = packet[position];
        }
        position += (int)replicatedLength;

        int dataLength;
        if (payloadLengthType < 0)
        {
            dataLength = end - position;
        }
        else
        {
            var declared = VarField(packet, ref position, payloadLengthType, packetOffset, "Payload Length");
            if (position > end || declared > (uint)(end - position))
                throw Error(packetOffset, position, $"payload length {declared} overruns the packet ({end - position} bytes left)");
            dataLength = (int)declared;
        }
        if (dataLength < 0) throw Error(packetOffset, position, "payload header overruns the packet");

        var dataOffset = position;
        position += dataLength;
        return new AsfPayload
        {
            StreamNumber = streamByte & 0x7F,
            IsKeyFrame = (streamByte & 0x80) != 0,
            MediaObjectNumber = mediaObjectNumber,
            OffsetIntoMediaObject = compressed ? 0 : offsetIntoObject,
            ReplicatedDataOffset = replicatedOffset,
            ReplicatedDataLength = (int)replicatedLength,
            MediaObjectSize = objectSize,
            PresentationTime = presentationTime,
            IsCompressed = compressed,
            PresentationTimeDelta = timeDelta,
            DataOffset = dataOffset,
            DataLength = dataLength,
            Start = start,
            End = position,
        };
    }

    /// <summary>Reads a field whose width is given by a 2-bit length type: 00 absent, 01 byte, 10 word, 11 dword.</summary>
    private static uint VarField(ReadOnlySpan<byte> packet, ref int position, int lengthType, long packetOffset, string field)
    {
        var width = (lengthType & 3) switch { 0 => 0, 1 => 1, 2 => 2, _ => 4 };
        if (position + width > packet.Length) throw Error(packetOffset, position, $"packet ends inside {field}");
        uint value = width switch
        {
            0 => 0,
            1 => packet[position],
            2 => BinaryPrimitives.ReadUInt16LittleEndian(packet[position..]),
            _ => BinaryPrimitives.ReadUInt32LittleEndian(packet[position..]),
        };
        position += width;
        return value;
    }

    private static byte Byte(ReadOnlySpan<byte> packet, ref int position, long packetOffset, string field)
    {
        if (position >= packet.Length) throw Error(packetOffset, position, $"packet ends before {field}");
        return packet[position++];
    }

    internal static int FieldWidth(int lengthType) => (lengthType & 3) switch { 0 => 0, 1 => 1, 2 => 2, _ => 4 };

    private static AsfFormatException Error(long packetOffset, int position, string problem) =>
        new("Data Packet", packetOffset + Math.Max(position, 0), problem);
}
