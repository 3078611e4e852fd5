using System.Buffers.Binary;
using MmsGateway.Asf;
using MmsGateway.Asf.Packets;

namespace MmsGateway.Origin.Rtsp;

/// <summary>
/// Rewrites an ASF data packet for RTP without its padding and with an explicit Packet Length field (WORD) holding
/// its new length, as MS-RTSP 2.2.1.4 has servers send them (docs/protocol/rtsp.md#s4.5, docs/protocol/asf.md#s4.9). Measured against ffmpeg:
/// its ASF-over-RTP reader skips a packet's padding lazily, at the start of the next RTP packet's buffer, so every
/// full-size packet with padding shifted the next one by the padding length ("ff asf bad header"); a stripped packet
/// without a length field is no better, since ffmpeg then takes the header's packet size as its length. With the
/// field, ffmpeg, VLC (which pads the block back to the packet size) and GStreamer (which re-pads and fixes the padding
/// field) all read the packet whole. Packets without padding are sent as they are. The codecs in Mms/Rtsp packetize
/// what they are given; this shaping is the origin's.
/// </summary>
internal static class AsfPacketUnpadder
{
    /// <summary>
    /// Writes the unpadded form of <paramref name="packet"/> into <paramref name="output"/> and returns its length,
    /// or returns 0 when the packet has no padding to remove (send it unchanged). Never throws on a malformed
    /// packet: it is sent unchanged too.
    /// </summary>
    public static int Unpad(ReadOnlySpan<byte> packet, int packetSize, Span<byte> output)
    {
        AsfPacket header;
        try
        {
            header = AsfPacketParser.ParseHeader(packet, packetSize);
        }
        catch (AsfFormatException)
        {
            return 0;
        }
        if (header.PaddingLength <= 0) return 0;
        var payloadEnd = header.PayloadEnd;
        if (payloadEnd <= header.PayloadAreaOffset || payloadEnd > packet.Length) return 0;

        // Error correction data first (docs/protocol/asf.md#s4.8: a first byte with bit 7 set announces it), then the flags.
        var flagsAt = (packet[0] & 0x80) != 0 ? 1 + (packet[0] & 0x0F) : 0;
        var sequenceSize = FieldSize(header.SequenceType);
        var sequenceAt = flagsAt + 2 + FieldSize(header.PacketLengthType);
        var timesAt = sequenceAt + sequenceSize + FieldSize(header.PaddingLengthType);
        var payloads = packet[header.PayloadAreaOffset..payloadEnd];
        var length = flagsAt + 2 + 2 + sequenceSize + 6 + payloads.Length;
        if (length > output.Length || length > ushort.MaxValue) return 0;

        packet[..flagsAt].CopyTo(output);
        // Packet length type WORD (bits 5-6 = 10), padding length type none (bits 3-4 = 00); the rest kept.
        output[flagsAt] = (byte)((header.LengthTypeFlags & ~0x78) | 0x40);
        output[flagsAt + 1] = header.PropertyFlags;
        BinaryPrimitives.WriteUInt16LittleEndian(output[(flagsAt + 2)..], (ushort)length);
        packet.Slice(sequenceAt, sequenceSize).CopyTo(output[(flagsAt + 4)..]);
        packet.Slice(timesAt, 6).CopyTo(output[(flagsAt + 4 + sequenceSize)..]);
        payloads.CopyTo(output[(flagsAt + 10 + sequenceSize)..]);
        return length;
    }

    private static int FieldSize(int type) => type switch { 0 => 0, 1 => 1, 2 => 2, _ => 4 };
}
