namespace MmsGateway.Mms.Rtsp;

/// <summary>A parsed WMS SDP: session lines, the decoded ASF header of <c>a=pgmpu</c> and the media descriptions (docs/protocol/rtsp.md#s3).</summary>
public sealed class SdpSession
{
    public string? Origin { get; init; }
    public string? SessionName { get; init; }
    public string? Connection { get; init; }

    /// <summary>Session <c>b=AS</c> in kbit/s.</summary>
    public int? BandwidthKbps { get; init; }

    /// <summary><c>a=maxps</c>: the largest ASF packet size (docs/protocol/rtsp.md#s3.3).</summary>
    public int? MaxPacketSize { get; init; }

    /// <summary>Session <c>a=control</c> as written.</summary>
    public string? Control { get; init; }

    /// <summary><c>a=range</c> in npt, or null (absent or another unit). No end = live (docs/protocol/rtsp.md#s3.3).</summary>
    public RtspNptRange? Range { get; init; }

    /// <summary>The decoded <c>a=pgmpu</c> ASF header (Header Object + Data Object start, docs/protocol/rtsp.md#s3.2), or null.</summary>
    public ReadOnlyMemory<byte>? AsfHeader { get; init; }

    public required IReadOnlyList<SdpAttribute> Attributes { get; init; }
    public required IReadOnlyList<SdpMedia> Media { get; init; }

    /// <summary>
    /// The aggregate control URL: the session <c>a=control</c> when it is an absolute URL other than <c>*</c>, else
    /// <paramref name="baseUrl"/> (Content-Base or the DESCRIBE URL) (docs/protocol/rtsp.md#s3.6).
    /// </summary>
    public string AggregateControl(string baseUrl) => IsAbsolute(Control) ? Control! : baseUrl;

    /// <summary>The URL to SETUP <paramref name="media"/> with (docs/protocol/rtsp.md#s3.6).</summary>
    public string ResolveControl(SdpMedia media, string baseUrl)
    {
        ArgumentNullException.ThrowIfNull(media);
        string aggregate = AggregateControl(baseUrl);
        string? control = media.Control;
        if (string.IsNullOrEmpty(control) || control == "*") return aggregate;
        if (IsAbsolute(control)) return control;
        return aggregate.EndsWith('/') ? aggregate + control : aggregate + "/" + control;
    }

    private static bool IsAbsolute(string? url) =>
        url is not null && url != "*" && (url.StartsWith("rtsp://", StringComparison.OrdinalIgnoreCase)
            || url.StartsWith("rtspu://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("rtsps://", StringComparison.OrdinalIgnoreCase));
}
