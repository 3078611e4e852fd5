using System.Buffers.Binary;

namespace MmsGateway.Asf.Packets;

/// <summary>
/// Shifts every time stamp of a data packet by a fixed amount, in place: the send time and each payload's
/// presentation time (in the replicated data, or in the offset field of a compressed payload, docs/protocol/asf.md#s4.8). A looping
/// live source uses it so that each pass continues the timeline of the previous one, as real broadcasts do.
/// </summary>
public static class AsfPacketRetimer
{
    /// <summary>Adds <paramref name="deltaMs"/> (may be negative) to every time in <paramref name="packet"/>.</summary>
    public static void Shift(Span<byte> packet, int packetSize, long deltaMs)
    {
        if (deltaMs == 0) return;
        Span<AsfPayload> payloads = stackalloc AsfPayload[AsfPacketParser.MaxPayloads];
        var header = AsfPacketParser.Parse(packet, packetSize, payloads);
        var sendTimeAt = header.PayloadAreaOffset - 6;
        BinaryPrimitives.WriteUInt32LittleEndian(packet[sendTimeAt..], Add(header.SendTime, deltaMs));

        var objectNumberWidth = AsfPacketParser.FieldWidth(header.MediaObjectNumberLengthType);
        var offsetWidth = AsfPacketParser.FieldWidth(header.OffsetIntoMediaObjectLengthType);
        foreach (var p in payloads[..header.PayloadCount])
        {
            if (p.ReplicatedDataLength >= 8)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(packet[(p.ReplicatedDataOffset + 4)..], Add(p.PresentationTime, deltaMs));
            }
            else if (p.IsCompressed && offsetWidth == 4)
            {
                // The compressed payload's presentation time sits in the Offset Into Media Object field.
                var at = p.Start + 1 + objectNumberWidth;
                BinaryPrimitives.WriteUInt32LittleEndian(packet[at..], Add(p.PresentationTime, deltaMs));
            }
        }
    }

    private static uint Add(uint time, long delta) => (uint)Math.Clamp(time + delta, 0, uint.MaxValue);
}
