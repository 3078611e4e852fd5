namespace MmsGateway.Mms.Rtsp;

/// <summary>One media description of a WMS SDP (<c>m=</c> and the lines after it; docs/protocol/rtsp.md#s3.4).</summary>
public sealed class SdpMedia
{
    /// <summary><c>audio</c>, <c>video</c>, <c>application</c>, …</summary>
    public required string MediaType { get; init; }

    public int Port { get; init; }

    /// <summary>Transport protocol of the <c>m=</c> line, e.g. <c>RTP/AVP</c>.</summary>
    public required string Protocol { get; init; }

    /// <summary>The format list of the <c>m=</c> line (payload types for RTP).</summary>
    public required IReadOnlyList<string> Formats { get; init; }

    /// <summary>Payload type named by <c>a=rtpmap</c>.</summary>
    public int? PayloadType { get; init; }

    /// <summary>Encoding of <c>a=rtpmap</c>: <c>x-asf-pf</c> or <c>x-wms-rtx</c>.</summary>
    public string? EncodingName { get; init; }

    public int? ClockRate { get; init; }

    /// <summary><c>a=control</c> as written (relative or absolute; docs/protocol/rtsp.md#s3.6).</summary>
    public string? Control { get; init; }

    /// <summary><c>a=stream</c>: the ASF stream number, or 65536+ for a retransmission stream.</summary>
    public int? StreamNumber { get; init; }

    /// <summary><c>b=AS</c> in kbit/s.</summary>
    public int? BandwidthKbps { get; init; }

    public required IReadOnlyList<SdpAttribute> Attributes { get; init; }

    public bool IsAsf => string.Equals(EncodingName, "x-asf-pf", StringComparison.OrdinalIgnoreCase);

    /// <summary>The rtx description (docs/protocol/rtsp.md#s0.2, docs/protocol/rtsp.md#s7.1).</summary>
    public bool IsRetransmission =>
        string.Equals(EncodingName, "x-wms-rtx", StringComparison.OrdinalIgnoreCase) || StreamNumber >= 65536;
}
