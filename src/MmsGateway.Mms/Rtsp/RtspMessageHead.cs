namespace MmsGateway.Mms.Rtsp;

/// <summary>
/// One parsed RTSP message head: a request (client or server request, same grammar, docs/protocol/rtsp.md#s2,
/// docs/protocol/rtsp.md#s5.1) or a response. The fields most code needs are read once at parse time.
/// </summary>
public sealed class RtspMessageHead
{
    public required RtspMessageKind Kind { get; init; }

    public bool IsRequest => Kind == RtspMessageKind.Request;

    /// <summary>Request method (case as sent); empty for a response.</summary>
    public string Method { get; init; } = string.Empty;

    /// <summary>Request URI as written on the request line; empty for a response.</summary>
    public string Uri { get; init; } = string.Empty;

    /// <summary>Protocol version, e.g. <c>RTSP/1.0</c>.</summary>
    public required string Version { get; init; }

    /// <summary>Status code of a response; 0 for a request.</summary>
    public int StatusCode { get; init; }

    /// <summary>Reason phrase of a response (may be empty); empty for a request.</summary>
    public string ReasonPhrase { get; init; } = string.Empty;

    public required RtspHeaders Headers { get; init; }

    /// <summary><c>CSeq</c>, or null when absent.</summary>
    public int? CSeq { get; init; }

    /// <summary><c>Content-Length</c>; 0 when absent (RTSP has no chunked bodies).</summary>
    public int ContentLength { get; init; }

    /// <summary><c>Session</c> id and timeout, or null when absent.</summary>
    public RtspSessionHeader? Session { get; init; }

    public string? ContentType => Headers["Content-Type"];
}
