using System.Buffers.Binary;

namespace MmsGateway.Mms.Rtsp;

/// <summary>
/// RTCP generic NACK (RFC 4585 6.2.1: PT 205, FMT 1): the lost sequence numbers a client reports on the rtx
/// channel (docs/protocol/rtsp.md#s7.1, docs/protocol/rtsp.md#s7.2). Each FCI entry holds a PID and a 16-bit
/// mask of the following 16 numbers.
/// </summary>
public static class RtcpGenericNack
{
    /// <summary>Most lost numbers one packet may list: 64 FCI entries of 17 each.</summary>
    public const int MaxLost = 17 * 64;

    private const int MaxEntries = 64;

    /// <summary>
    /// Writes the NACK for <paramref name="lostSequences"/> (in ascending order, modulo 2^16). Returns the length.
    /// </summary>
    public static int Write(Span<byte> destination, uint senderSsrc, uint mediaSsrc, ReadOnlySpan<ushort> lostSequences)
    {
        if (lostSequences.IsEmpty) throw new ArgumentException("A NACK names at least one lost packet.", nameof(lostSequences));
        int entries = 0;
        int at = 12;
        int i = 0;
        while (i < lostSequences.Length)
        {
            if (entries == MaxEntries) throw new ArgumentException($"More lost packets than {MaxEntries} FCI entries can hold.", nameof(lostSequences));
            ushort pid = lostSequences[i++];
            ushort mask = 0;
            while (i < lostSequences.Length)
            {
                int distance = (ushort)(lostSequences[i] - pid);
                if (distance is < 1 or > 16) break;
                mask |= (ushort)(1 << (distance - 1));
                i++;
            }

            BinaryPrimitives.WriteUInt16BigEndian(destination[at..], pid);
            BinaryPrimitives.WriteUInt16BigEndian(destination[(at + 2)..], mask);
            at += 4;
            entries++;
        }

        destination[0] = 0x81;
        destination[1] = (byte)RtcpPacketType.TransportFeedback;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)((at / 4) - 1));
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], senderSsrc);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], mediaSsrc);
        return at;
    }

    /// <summary>
    /// Reads one generic NACK packet; returns how many lost numbers were written to <paramref name="lost"/> (at most
    /// its length; size it <see cref="MaxLost"/> to get all). Throws for another packet type or a bad length.
    /// </summary>
    public static int Parse(ReadOnlySpan<byte> packet, out uint senderSsrc, out uint mediaSsrc, Span<ushort> lost)
    {
        if (packet.Length < 12) throw new MmsProtocolException("RTCP NACK shorter than 12 bytes.", 0);
        if (packet[0] >> 6 != 2 || (packet[0] & 0x1F) != 1 || packet[1] != (byte)RtcpPacketType.TransportFeedback)
        {
            throw new MmsProtocolException($"RTCP packet 0x{packet[0]:X2} 0x{packet[1]:X2} is not a generic NACK.", 0);
        }

        int length = 4 * (BinaryPrimitives.ReadUInt16BigEndian(packet[2..]) + 1);
        if (length > packet.Length || length < 16) throw new MmsProtocolException($"RTCP NACK length {length} does not fit {packet.Length} bytes.", 2);
        senderSsrc = BinaryPrimitives.ReadUInt32BigEndian(packet[4..]);
        mediaSsrc = BinaryPrimitives.ReadUInt32BigEndian(packet[8..]);
        int count = 0;
        for (int at = 12; at + 4 <= length && count < lost.Length; at += 4)
        {
            ushort pid = BinaryPrimitives.ReadUInt16BigEndian(packet[at..]);
            ushort mask = BinaryPrimitives.ReadUInt16BigEndian(packet[(at + 2)..]);
            lost[count++] = pid;
            for (int bit = 0; bit < 16 && count < lost.Length; bit++)
            {
                if ((mask & (1 << bit)) != 0) lost[count++] = (ushort)(pid + bit + 1);
            }
        }

        return count;
    }
}
