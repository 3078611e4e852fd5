using System.Net;
using MmsGateway.Asf.Selection;

namespace MmsGateway.Origin.Rtsp;

/// <summary>
/// One stream a client SETUP (docs/protocol/rtsp.md#s2.3): the URL it used (RTP-Info and stream-switch requests name
/// it), the ASF stream number (0 for the rtx stream), and where its RTCP goes: an interleaved channel over TCP, an
/// endpoint over UDP. Setting a stream up selects it (MS-RTSP 2.2.7.10.1), at the thinning level its SETUP asked for.
/// </summary>
internal sealed record RtspSetupStream(string Url, int StreamNumber, bool IsRetransmission)
{
    public byte RtcpChannel { get; init; }

    public IPEndPoint? RtcpTarget { get; init; }

    public ThinningLevel Level { get; set; } = ThinningLevel.Full;
}
