namespace MmsGateway.Mms.Rtsp;

/// <summary>Which start line a message head has. A server-to-client request (docs/protocol/rtsp.md#s5.1) is a <see cref="Request"/>.</summary>
public enum RtspMessageKind
{
    Request,
    Response,
}
