namespace MmsGateway.Mms.Rtsp;

/// <summary>The lower transport of a transport-spec: <c>RTP/AVP</c> and <c>RTP/AVP/UDP</c> are UDP, <c>RTP/AVP/TCP</c> interleaved TCP (RFC 2326 12.39).</summary>
public enum RtspLowerTransport
{
    Udp,
    Tcp,
}
