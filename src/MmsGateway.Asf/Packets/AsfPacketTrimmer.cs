using System.Buffers.Binary;

namespace MmsGateway.Asf.Packets;

/// <summary>
/// Strips a packet's trailing padding for the wire (MS-MMSP 2.2.2, MS-WMSP 2.2.3.3: a server may send a data packet
/// shorter than the packet size and the client pads it back). After stream selection most of a multi-bitrate packet
/// is padding; sending it would cost the link the very bandwidth the selection was meant to save.
/// </summary>
public static class AsfPacketTrimmer
{
    /// <summary>
    /// Sets the Padding Length field to 0 and returns the length to send: the packet without its padding. Only packets
    /// whose payload extents are explicit (multiple payloads, no Packet Length field) are trimmed, so a client that fills
    /// the missing bytes with zeros (ffmpeg, VLC, libmms, our <see cref="AsfPacketWriter.Repad"/>) never reads them as
    /// data; any other packet is sent whole. Never throws on a malformed packet: it is sent as it is.
    /// </summary>
    public static int Trim(Span<byte> packet, int packetSize)
    {
        AsfPacket header;
        try
        {
            header = AsfPacketParser.ParseHeader(packet, packetSize);
        }
        catch (AsfFormatException)
        {
            return packet.Length;
        }
        if (!header.HasMultiplePayloads || header.PacketLengthType != 0 || header.PaddingLengthFieldOffset < 0
            || header.PaddingLength <= 0 || header.PaddingLength > packet.Length - header.PayloadAreaOffset)
        {
            return packet.Length;
        }
        var field = packet[header.PaddingLengthFieldOffset..];
        switch (header.PaddingLengthType)
        {
            case 1: field[0] = 0; break;
            case 2: BinaryPrimitives.WriteUInt16LittleEndian(field, 0); break;
            default: BinaryPrimitives.WriteUInt32LittleEndian(field, 0); break;
        }
        return packet.Length - header.PaddingLength;
    }
}
