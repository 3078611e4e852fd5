using System.Buffers.Binary;

namespace MmsGateway.Mms.Rtsp;

/// <summary>Writes an RTCP receiver report (RFC 3550 6.4.2; docs/protocol/rtsp.md#s7.3).</summary>
public static class RtcpReceiverReport
{
    /// <summary>Writes the report with up to 31 blocks; returns its length (8 + 24 per block).</summary>
    public static int Write(Span<byte> destination, uint senderSsrc, ReadOnlySpan<RtcpReportBlock> blocks)
    {
        if (blocks.Length > 31) throw new ArgumentOutOfRangeException(nameof(blocks), "An RTCP report holds at most 31 blocks.");
        int length = 8 + (RtcpReportBlock.Size * blocks.Length);
        destination[0] = (byte)(0x80 | blocks.Length);
        destination[1] = (byte)RtcpPacketType.ReceiverReport;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)((length / 4) - 1));
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], senderSsrc);
        int at = 8;
        foreach (var block in blocks)
        {
            var d = destination[at..];
            BinaryPrimitives.WriteUInt32BigEndian(d, block.Ssrc);
            // Cumulative loss is a signed 24-bit field, clamped as RFC 3550 A.3 does.
            int lost = Math.Clamp(block.CumulativeLost, -0x800000, 0x7FFFFF);
            BinaryPrimitives.WriteUInt32BigEndian(d[4..], ((uint)block.FractionLost << 24) | ((uint)lost & 0xFFFFFF));
            BinaryPrimitives.WriteUInt32BigEndian(d[8..], block.HighestSequence);
            BinaryPrimitives.WriteUInt32BigEndian(d[12..], block.Jitter);
            BinaryPrimitives.WriteUInt32BigEndian(d[16..], block.LastSenderReport);
            BinaryPrimitives.WriteUInt32BigEndian(d[20..], block.DelaySinceLastSenderReport);
            at += RtcpReportBlock.Size;
        }

        return length;
    }
}
