namespace MmsGateway.Mms.Client;

/// <summary>Why a connect or a session failed (the rollover attempt list reports one per attempt, docs/protocol/rollover.md#s8.3).</summary>
public enum MmsClientErrorKind
{
    /// <summary>The host name does not resolve, or no route to it.</summary>
    Unreachable,

    /// <summary>Nothing listens on the port (TCP RST).</summary>
    Refused,

    /// <summary>A connect, handshake step or read exceeded its deadline.</summary>
    TimedOut,

    /// <summary>The peer answered, but not in MMS (an HTTP server with a web page, a non-MMS TCP service).</summary>
    NotMmsServer,

    /// <summary>The HTTP answer is a metafile (<c>&lt;ASX</c>, <c>[Reference]</c>): <see cref="MmsClientException.Content"/> holds it.</summary>
    Playlist,

    /// <summary>MMST hr 0xC00D001A / 0x80070002 / 0x80070003, HTTP 404 / 410.</summary>
    NotFound,

    /// <summary>Credentials needed (MMST SecurityChallenge, HTTP 401) and none given, or the given ones refused.</summary>
    AuthenticationRequired,

    /// <summary>MMST hr 0x80070005, HTTP 403.</summary>
    AccessDenied,

    /// <summary>Another error HRESULT or HTTP status (see <see cref="MmsClientException.ServerHResult"/> / <see cref="MmsClientException.HttpStatusCode"/>).</summary>
    ServerError,

    /// <summary>A reply that breaks the wire format, or an unexpected message.</summary>
    MalformedReply,

    /// <summary>The connection closed or broke in the middle of a session.</summary>
    ConnectionLost,

    /// <summary>More redirects than <see cref="MmsClientOptions.MaxRedirects"/>.</summary>
    TooManyRedirects,

    /// <summary>Not possible with this URL, protocol or content (MMSU, https, seeking live content).</summary>
    NotSupported,
}

/// <summary>Where in the exchange a failure happened.</summary>
public enum MmsClientStep
{
    /// <summary>DNS and TCP connect.</summary>
    Connect,

    /// <summary>MMST LinkViewerToMacConnect / ReportConnectedEX (and FunnelInfo).</summary>
    Handshake,

    /// <summary>MMST ConnectFunnel / ReportConnectedFunnel.</summary>
    Funnel,

    /// <summary>MMST OpenFile / ReportOpenFile.</summary>
    OpenFile,

    /// <summary>MMST SecurityResponse after a SecurityChallenge; HTTP 401 retry with credentials.</summary>
    Authentication,

    /// <summary>MMST ReadBlock and the header pieces.</summary>
    Header,

    /// <summary>MMST StreamSwitch / ReportStreamSwitch.</summary>
    StreamSelection,

    /// <summary>MMST StartPlaying / ReportStartedPlaying; MMSH Play request up to its header.</summary>
    Play,

    /// <summary>MMSH Describe request and response.</summary>
    Describe,

    /// <summary>Following a redirect.</summary>
    Redirect,

    /// <summary>Reading the stream.</summary>
    Read,

    /// <summary>Fetching or resolving a playlist (ASX, <c>[Reference]</c>, NSC station file).</summary>
    Playlist,

    /// <summary>A seek.</summary>
    Seek,
}

/// <summary>
/// The one exception of the MMS client: a <see cref="Kind"/>, the <see cref="Step"/> that failed, the URL (never with
/// credentials) and a one-line message. <see cref="MmsConnector"/> attaches every rollover attempt.
/// </summary>
public sealed class MmsClientException : Exception
{
    public MmsClientException()
        : this(MmsClientErrorKind.ServerError, MmsClientStep.Connect, null, "MMS client error")
    {
    }

    public MmsClientException(string message)
        : this(MmsClientErrorKind.ServerError, MmsClientStep.Connect, null, message)
    {
    }

    public MmsClientException(string message, Exception innerException)
        : this(MmsClientErrorKind.ServerError, MmsClientStep.Connect, null, message, innerException)
    {
    }

    public MmsClientException(MmsClientErrorKind kind, MmsClientStep step, Uri? url, string detail,
        Exception? innerException = null)
        : base(Format(kind, step, url, detail), innerException)
    {
        Kind = kind;
        Step = step;
        Url = url is null ? null : MmsUrl.Redact(url);
        Detail = detail;
    }

    public MmsClientErrorKind Kind { get; }

    public MmsClientStep Step { get; }

    /// <summary>The URL being connected, without user-info.</summary>
    public Uri? Url { get; }

    /// <summary>The message without the URL and step prefix.</summary>
    public string Detail { get; }

    /// <summary>The error HRESULT of an MMST reply (docs/protocol/mmst.md#s1.7), if that is the cause.</summary>
    public uint? ServerHResult { get; init; }

    /// <summary>The HTTP status of an MMSH response, if that is the cause.</summary>
    public int? HttpStatusCode { get; init; }

    /// <summary>For <see cref="MmsClientErrorKind.Playlist"/>: the body (at most 64 KiB) and its Content-Type.</summary>
    public ReadOnlyMemory<byte> Content { get; init; }

    public string? ContentType { get; init; }

    /// <summary>
    /// An MMSU attempt failed because UDP data cannot reach this client (funnel refused, no datagram arrived): the
    /// connector then tries MMST on the same server (docs/protocol/mmsu.md#s1.8.3, MS-MMSP 3.1.5.5).
    /// </summary>
    internal bool MmsuFallback { get; init; }

    /// <summary>
    /// An RTSPU attempt failed because no RTP datagram arrived (or the server refused UDP): the connector then tries
    /// RTSP over TCP on the same server (docs/protocol/rtsp.md#s2.7).
    /// </summary>
    internal bool RtspuFallback { get; init; }

    /// <summary>The RTSP status of a response, if that is the cause.</summary>
    public int? RtspStatusCode { get; init; }

    /// <summary>An HTTP server answered with a plain ASF file: the connector downloads it instead (docs/protocol/asx.md#s6.1).</summary>
    internal bool PlainAsf { get; init; }

    /// <summary>Every attempt <see cref="MmsConnector.ConnectAsync"/> made, when it was the thrower.</summary>
    public IReadOnlyList<MmsConnectAttempt> Attempts { get; init; } = [];

    private static string Format(MmsClientErrorKind kind, MmsClientStep step, Uri? url, string detail)
    {
        string where = url is null ? string.Empty : MmsUrl.Redact(url) + ": ";
        return $"{where}{StepText(step)}: {KindText(kind)}: {detail}".ReplaceLineEndings(" ");
    }

    /// <summary>The step as words (<c>open file</c>, <c>handshake</c>), as in <see cref="Exception.Message"/>.</summary>
    public static string StepText(MmsClientStep step) => step switch
    {
        MmsClientStep.OpenFile => "open file",
        MmsClientStep.StreamSelection => "stream selection",
        _ => step.ToString().ToLowerInvariant(),
    };

    /// <summary>The cause as words (<c>connection refused</c>, <c>timed out</c>), as in <see cref="Exception.Message"/>.</summary>
    public static string KindText(MmsClientErrorKind kind) => kind switch
    {
        MmsClientErrorKind.Unreachable => "unreachable",
        MmsClientErrorKind.Refused => "connection refused",
        MmsClientErrorKind.TimedOut => "timed out",
        MmsClientErrorKind.NotMmsServer => "not an MMS server",
        MmsClientErrorKind.Playlist => "the answer is a playlist",
        MmsClientErrorKind.NotFound => "not found",
        MmsClientErrorKind.AuthenticationRequired => "authentication required",
        MmsClientErrorKind.AccessDenied => "access denied",
        MmsClientErrorKind.ServerError => "server error",
        MmsClientErrorKind.MalformedReply => "malformed reply",
        MmsClientErrorKind.ConnectionLost => "connection lost",
        MmsClientErrorKind.TooManyRedirects => "too many redirects",
        MmsClientErrorKind.NotSupported => "not supported",
        _ => kind.ToString(),
    };
}
