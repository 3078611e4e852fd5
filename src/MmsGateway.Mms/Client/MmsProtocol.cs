namespace MmsGateway.Mms.Client;

/// <summary>The MMS transports (docs/protocol/mmst.md#s1 MMST, docs/protocol/mmsu.md#s1.8 MMSU, docs/protocol/mmsh.md#s2 MMSH; rollover order docs/protocol/rollover.md#s8).</summary>
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
}
