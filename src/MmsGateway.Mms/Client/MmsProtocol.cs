namespace MmsGateway.Mms.Client;

/// <summary>
/// The MMS transports (docs/protocol/mmst.md#s1 MMST, docs/protocol/mmsu.md#s1.8 MMSU, docs/protocol/mmsh.md#s2 MMSH,
/// docs/protocol/rtsp.md#s2 MS-RTSP; rollover order docs/protocol/rollover.md#s8, docs/protocol/rtsp.md#s1).
/// </summary>
public enum MmsProtocol
{
    /// <summary>MMS over TCP: control and data on one TCP connection, port 1755 (MS-MMSP).</summary>
    Mmst,

    /// <summary>MMS over HTTP (MS-WMSP): Describe and Play requests, <c>$</c>-framed bodies, port 80.</summary>
    Mmsh,

    /// <summary>MMS with control over TCP and data over UDP with resend requests (MS-MMSP, docs/protocol/mmsu.md#s1.8).</summary>
    Mmsu,

    /// <summary>
    /// MSB multicast from an NSC station file (docs/protocol/nsc.md#s7): never tried by rollover, only for the station entry of
    /// a resolved <c>.nsc</c> playlist.
    /// </summary>
    Multicast,

    /// <summary>
    /// A plain ASF file read as it is: an HTTP download (a web server, not a Windows Media server) or a local file, as
    /// a playlist may name (docs/protocol/asx.md#s6.1). Never tried by rollover.
    /// </summary>
    Download,

    /// <summary>
    /// MS-RTSP with the RTP data interleaved on the RTSP TCP connection (<c>rtsp://</c>, <c>rtspt://</c>), port 554
    /// (docs/protocol/rtsp.md#s9).
    /// </summary>
    Rtspt,

    /// <summary>
    /// MS-RTSP with the RTP data over UDP (<c>rtspu://</c>): control over TCP, data, RTCP and retransmission requests on
    /// local UDP ports (docs/protocol/rtsp.md#s2.3, docs/protocol/rtsp.md#s7). Opt-in in the rollover order, like MMSU.
    /// </summary>
    Rtspu,
}
