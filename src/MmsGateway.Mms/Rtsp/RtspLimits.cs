namespace MmsGateway.Mms.Rtsp;

/// <summary>
/// The bounds every RTSP codec enforces, so that a peer that lies in a length or never ends a head cannot make a
/// parser buffer or allocate without bound. The defaults fit every real exchange in docs/protocol/rtsp.md#s0.3
/// (a WMS DESCRIBE answer stays under live555's 20 000 bytes) with room for large ASF headers from real servers.
/// </summary>
public sealed class RtspLimits
{
    /// <summary>The defaults.</summary>
    public static RtspLimits Default { get; } = new();

    /// <summary>Largest message head (start line, header lines, empty line), leading empty lines included.</summary>
    public int MaxHeadBytes { get; init; } = 16 * 1024;

    /// <summary>Most header lines in one head.</summary>
    public int MaxHeaderCount { get; init; } = 100;

    /// <summary>Largest body a Content-Length may announce.</summary>
    public int MaxContentLength { get; init; } = 1024 * 1024;

    /// <summary>Largest SDP text the parser reads.</summary>
    public int MaxSdpBytes { get; init; } = 256 * 1024;

    /// <summary>Largest ASF header a decoded <c>a=pgmpu</c> line may hold (docs/protocol/rtsp.md#s3.2).</summary>
    public int MaxAsfHeaderBytes { get; init; } = 192 * 1024;

    /// <summary>Largest WWW-Authenticate / Authorization value.</summary>
    public int MaxAuthHeaderBytes { get; init; } = 4096;

    /// <summary>Most entries in a list-valued body or header (RTP-Info, SelectStream lines, transports).</summary>
    public int MaxListEntries { get; init; } = 64;
}
