using System.Buffers.Binary;

namespace MmsGateway.Mms.Rtsp;

/// <summary>
/// Walks an RTCP compound packet (RFC 3550 6.1): tells RTCP from RTP on a shared channel and finds a BYE, which
/// is what ends playback in ffmpeg and VLC (docs/protocol/rtsp.md#s5.4, docs/protocol/rtsp.md#s7.3).
/// </summary>
public static class RtcpCompound
{
    /// <summary>True when the second byte is an RTCP packet type (RFC 5761 4: 192..223 is never an RTP marker+PT pair in use here).</summary>
    public static bool IsRtcp(ReadOnlySpan<byte> packet) =>
        packet.Length >= 4 && packet[0] >> 6 == 2 && packet[1] is >= 192 and <= 223;

    /// <summary>True when any packet of the compound is a BYE. Throws when a length field runs past the data.</summary>
    public static bool ContainsBye(ReadOnlySpan<byte> compound)
    {
        bool bye = false;
        int at = 0;
        while (at < compound.Length)
        {
            if (compound.Length - at < 4) throw new MmsProtocolException("RTCP packet shorter than its 4-byte header.", at);
            if (compound[at] >> 6 != 2) throw new MmsProtocolException($"RTCP version {compound[at] >> 6}, not 2.", at);
            int length = 4 * (BinaryPrimitives.ReadUInt16BigEndian(compound[(at + 2)..]) + 1);
            if (length > compound.Length - at) throw new MmsProtocolException($"RTCP length {length} runs past the compound.", at + 2);
            if (compound[at + 1] == (byte)RtcpPacketType.Bye) bye = true;
            at += length;
        }

        return bye;
    }
}
