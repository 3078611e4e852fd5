namespace MmsGateway.Mms.Rtsp;

/// <summary>RTCP packet types (RFC 3550 12.1, RFC 4585 6.1) met on MS-RTSP sessions (docs/protocol/rtsp.md#s7).</summary>
public enum RtcpPacketType : byte
{
    SenderReport = 200,
    ReceiverReport = 201,
    SourceDescription = 202,
    Bye = 203,
    App = 204,
    TransportFeedback = 205,
}
