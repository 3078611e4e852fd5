namespace MmsGateway.Mms.Rtsp;

/// <summary>What the next bytes on an RTSP TCP connection are (docs/protocol/rtsp.md#s9.3).</summary>
public enum RtspStreamItem
{
    /// <summary>No byte yet.</summary>
    NeedMoreData,

    /// <summary>A <c>$</c> frame: read it with <see cref="RtspInterleaved.TryRead"/>.</summary>
    InterleavedFrame,

    /// <summary>An RTSP message head (or the empty lines between messages): read it with <see cref="RtspHeadParser"/>.</summary>
    Message,
}
