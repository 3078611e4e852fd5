using System.Buffers.Binary;
using MmsGateway.Mms.Rtsp;

namespace MmsGateway.Origin.Rtsp;

/// <summary>
/// The RTCP compound a sender ends a stream with: an empty sender report (RFC 3550 6.4.1; live555 accepts a compound
/// only when it starts with SR or RR) followed by BYE (RFC 3550 6.6), which ends playback in ffmpeg and VLC
/// (docs/protocol/rtsp.md#s5.4, docs/protocol/rtsp.md#s7.3). The codecs read BYE but write only RR and NACK, so the
/// origin writes this compound itself.
/// </summary>
internal static class RtcpGoodbye
{
    public const int Size = 28 + 8;

    /// <summary>Writes SR (no report blocks) + BYE for <paramref name="ssrc"/>; returns <see cref="Size"/>.</summary>
    public static int Write(Span<byte> destination, uint ssrc, uint rtpTimestamp, uint packetCount, uint octetCount, DateTimeOffset now)
    {
        var sr = destination[..28];
        sr[0] = 0x80; // V=2, P=0, RC=0
        sr[1] = (byte)RtcpPacketType.SenderReport;
        BinaryPrimitives.WriteUInt16BigEndian(sr[2..], 6); // 7 words - 1
        BinaryPrimitives.WriteUInt32BigEndian(sr[4..], ssrc);
        // NTP time: seconds since 1900 and a 32-bit fraction.
        var ntp = now.UtcDateTime - new DateTime(1900, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var seconds = (ulong)ntp.TotalSeconds;
        var fraction = (ulong)((ntp.TotalSeconds - seconds) * 4294967296.0);
        BinaryPrimitives.WriteUInt32BigEndian(sr[8..], (uint)seconds);
        BinaryPrimitives.WriteUInt32BigEndian(sr[12..], (uint)fraction);
        BinaryPrimitives.WriteUInt32BigEndian(sr[16..], rtpTimestamp);
        BinaryPrimitives.WriteUInt32BigEndian(sr[20..], packetCount);
        BinaryPrimitives.WriteUInt32BigEndian(sr[24..], octetCount);

        var bye = destination[28..Size];
        bye[0] = 0x81; // V=2, SC=1
        bye[1] = (byte)RtcpPacketType.Bye;
        BinaryPrimitives.WriteUInt16BigEndian(bye[2..], 1);
        BinaryPrimitives.WriteUInt32BigEndian(bye[4..], ssrc);
        return Size;
    }
}
