namespace MmsGateway.Mms.Rtsp;

/// <summary>One 24-byte reception report block (RFC 3550 6.4.1; docs/protocol/rtsp.md#s7.3).</summary>
public readonly record struct RtcpReportBlock(
    uint Ssrc,
    byte FractionLost,
    int CumulativeLost,
    uint HighestSequence,
    uint Jitter,
    uint LastSenderReport,
    uint DelaySinceLastSenderReport)
{
    public const int Size = 24;
}
