namespace MmsGateway.Mms.Rtsp;

/// <summary>One <c>a=name[:value]</c> line of an SDP (RFC 4566 5.13).</summary>
public readonly record struct SdpAttribute(string Name, string? Value);
