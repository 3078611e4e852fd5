namespace MmsGateway.Mms.Rtsp;

/// <summary>One stream of an <c>RTP-Info</c> header: its URL, first sequence number and RTP time (RFC 2326 12.33; docs/protocol/rtsp.md#s2.4).</summary>
public readonly record struct RtpInfoEntry(string Url, ushort? Sequence, uint? RtpTime);
