using System.Buffers.Binary;

namespace MmsGateway.Asf.Packets;

/// <summary>What <see cref="AsfPacketWriter.Filter"/> did with a packet.</summary>
public enum AsfPacketFilterResult
{
    /// <summary>Every payload is kept: send the original bytes.</summary>
    Unchanged,

    /// <summary>Some payloads were removed: the output holds a rebuilt, full-size packet.</summary>
    Rebuilt,

    /// <summary>No payload is kept: skip the packet (LocationIds may jump; clients accept that, docs/protocol/selection.md#s5.2).</summary>
    Empty,
}

/// <summary>
/// Writes ASF data packets: removes payloads of unselected streams (docs/protocol/selection.md#s5.2) and re-pads packets that
/// arrived short (docs/protocol/asf.md#s4.9). Output packets are always exactly the header's packet size, because every client
/// zero-fills and forgets the received length, which corrupts a short single-payload packet.
/// </summary>
public static class AsfPacketWriter
{
    /// <summary>
    /// Keeps the payloads of <paramref name="streams"/>; for streams also in <paramref name="keyFramesOnly"/> only
    /// key-frame payloads (thinning level 1, MS-MMSP 2.2.4.28.1). Audio payloads never carry the key bit
    /// (docs/protocol/asf.md#s4.8), so callers put only video streams in <paramref name="keyFramesOnly"/>.
    /// </summary>
    public static AsfPacketFilterResult Filter(
        ReadOnlySpan<byte> packet, int packetSize, AsfStreamSet streams, AsfStreamSet keyFramesOnly, Span<byte> output)
    {
        Span<AsfPayload> payloads = stackalloc AsfPayload[AsfPacketParser.MaxPayloads];
        var header = AsfPacketParser.Parse(packet, packetSize, payloads);
        Span<bool> keep = stackalloc bool[header.PayloadCount];
        for (var i = 0; i < header.PayloadCount; i++)
        {
            var p = payloads[i];
            keep[i] = streams.Contains(p.StreamNumber) && (p.IsKeyFrame || !keyFramesOnly.Contains(p.StreamNumber));
        }
        return Rebuild(packet, header, payloads[..header.PayloadCount], keep, packetSize, output);
    }

    /// <summary>Rebuilds <paramref name="packet"/> with only the payloads whose <paramref name="keep"/> flag is set.</summary>
    public static AsfPacketFilterResult Rebuild(
        ReadOnlySpan<byte> packet, in AsfPacket header, ReadOnlySpan<AsfPayload> payloads, ReadOnlySpan<bool> keep,
        int packetSize, Span<byte> output)
    {
        var kept = 0;
        foreach (var k in keep)
            if (k) kept++;
        if (kept == payloads.Length) return AsfPacketFilterResult.Unchanged;
        if (kept == 0) return AsfPacketFilterResult.Empty;

        // Only a multiple-payload packet can lose some payloads but not all. The survivors stay in
        // multiple-payload form (explicit payload lengths), Padding Length becomes a WORD, and the packet keeps
        // its full size (docs/protocol/selection.md#s5.2: the form verified with vlc and libmms).
        var o = output[..packetSize];
        var position = header.ErrorCorrectionLength;
        packet[..position].CopyTo(o);
        var lengthTypeFlags = (byte)((header.LengthTypeFlags & ~(3 << 3)) | (2 << 3) | 0x01);
        if (header.PacketLengthType != 0) lengthTypeFlags = (byte)((lengthTypeFlags & ~(3 << 5)) | (2 << 5));
        o[position++] = lengthTypeFlags;
        o[position++] = header.PropertyFlags;
        if (header.PacketLengthType != 0)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(o[position..], (ushort)packetSize);
            position += 2;
        }
        position += WriteVar(o[position..], header.SequenceType, header.Sequence);
        var paddingField = position;
        position += 2;
        BinaryPrimitives.WriteUInt32LittleEndian(o[position..], header.SendTime);
        BinaryPrimitives.WriteUInt16LittleEndian(o[(position + 4)..], header.Duration);
        position += 6;
        o[position++] = (byte)((header.PayloadLengthType << 6) | kept);
        for (var i = 0; i < payloads.Length; i++)
        {
            if (!keep[i]) continue;
            var source = packet[payloads[i].Start..payloads[i].End];
            if (position + source.Length > packetSize)
                throw new AsfFormatException("Data Packet", 0, "rebuilt packet does not fit the packet size");
            source.CopyTo(o[position..]);
            position += source.Length;
        }
        var padding = packetSize - position;
        BinaryPrimitives.WriteUInt16LittleEndian(o[paddingField..], (ushort)padding);
        o[position..].Clear();
        return AsfPacketFilterResult.Rebuilt;
    }

    /// <summary>
    /// Restores a packet that arrived shorter than <paramref name="packetSize"/> (a server stripped its padding,
    /// MS-MMSP 2.2.2 / MS-WMSP 2.2.3.3) to full size, so that it parses as it was sent (docs/protocol/asf.md#s4.9): the missing bytes are
    /// counted as padding, widening or inserting the Padding Length field when needed. Returns
    /// <paramref name="packetSize"/>, the bytes written to <paramref name="output"/>.
    /// </summary>
    public static int Repad(ReadOnlySpan<byte> received, int packetSize, Span<byte> output)
    {
        if (received.Length > packetSize)
            throw new AsfFormatException("Data Packet", 0, $"packet of {received.Length} bytes exceeds the packet size {packetSize}");
        var o = output[..packetSize];
        var missing = packetSize - received.Length;
        if (missing == 0)
        {
            received.CopyTo(o);
            return packetSize;
        }

        var header = AsfPacketParser.ParseHeader(received, packetSize);
        var paddingWidth = AsfPacketParser.FieldWidth(header.PaddingLengthType);

        if (header.PacketLengthType != 0 || header.HasMultiplePayloads)
        {
            // Payload extents are explicit: the zero fill is never read as data. Still make the lengths honest
            // when the fields allow it, so the packet reads as full size to any demuxer.
            received.CopyTo(o);
            o[received.Length..].Clear();
            var declaredLength = header.PacketLengthType != 0 ? header.PacketLength : received.Length;
            var extra = packetSize - declaredLength;
            if (header.PaddingLengthFieldOffset >= 0 && Fits(header.PaddingLength + extra, paddingWidth)
                && (header.PacketLengthType == 0 || Fits(packetSize, AsfPacketParser.FieldWidth(header.PacketLengthType))))
            {
                WriteVar(o[header.PaddingLengthFieldOffset..], header.PaddingLengthType, (uint)(header.PaddingLength + extra));
                if (header.PacketLengthType != 0)
                    WriteVar(o[header.PacketLengthFieldOffset..], header.PacketLengthType, (uint)packetSize);
            }
            return packetSize;
        }

        // Single payload without Packet Length: its data runs to packetSize - padding, so the missing bytes must
        // become padding or the zero fill turns into payload data (ffmpeg then drops the frame, docs/protocol/asf.md#s4.9).
        if (header.PaddingLengthFieldOffset >= 0 && Fits(header.PaddingLength + missing, paddingWidth))
        {
            received.CopyTo(o);
            o[received.Length..].Clear();
            WriteVar(o[header.PaddingLengthFieldOffset..], header.PaddingLengthType, (uint)(header.PaddingLength + missing));
            return packetSize;
        }

        // Widen (or insert) the Padding Length field; the growth comes out of the missing bytes.
        foreach (var (type, width) in (ReadOnlySpan<(int, int)>)[(1, 1), (2, 2), (3, 4)])
        {
            var growth = width - paddingWidth;
            if (growth <= 0 || growth > missing) continue;
            var newPadding = header.PaddingLength + missing - growth;
            if (!Fits(newPadding, width)) continue;

            var fieldAt = header.PaddingLengthFieldOffset >= 0 ? header.PaddingLengthFieldOffset : header.PayloadAreaOffset - 6;
            received[..fieldAt].CopyTo(o);
            o[header.ErrorCorrectionLength] = (byte)((header.LengthTypeFlags & ~(3 << 3)) | (type << 3));
            WriteVar(o[fieldAt..], type, (uint)newPadding);
            var rest = received[(fieldAt + paddingWidth)..];
            rest.CopyTo(o[(fieldAt + width)..]);
            o[(fieldAt + width + rest.Length)..].Clear();
            return packetSize;
        }
        throw new AsfFormatException("Data Packet", 0, $"cannot re-pad a single-payload packet missing {missing} byte(s)");
    }

    private static bool Fits(long value, int width) => width switch
    {
        0 => value == 0,
        1 => value <= byte.MaxValue,
        2 => value <= ushort.MaxValue,
        _ => value <= uint.MaxValue,
    };

    private static int WriteVar(Span<byte> destination, int lengthType, uint value)
    {
        switch (lengthType & 3)
        {
            case 0: return 0;
            case 1: destination[0] = (byte)value; return 1;
            case 2: BinaryPrimitives.WriteUInt16LittleEndian(destination, (ushort)value); return 2;
            default: BinaryPrimitives.WriteUInt32LittleEndian(destination, value); return 4;
        }
    }
}
