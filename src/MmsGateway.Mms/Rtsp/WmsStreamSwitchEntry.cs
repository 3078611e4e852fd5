namespace MmsGateway.Mms.Rtsp;

/// <summary>
/// One SelectStream entry (MS-RTSP 2.2.7.10; docs/protocol/rtsp.md#s6.2): the stream given up (<see cref="NoStream"/>
/// for none), the stream taken, the thinning level (0 all, 1 key frames only, 2 nothing) and the streams' URIs.
/// </summary>
public readonly record struct WmsStreamSwitchEntry(uint OldStream, uint NewStream, int ThinLevel, string? OldStreamUri, string? NewStreamUri)
{
    /// <summary>OldStream of a SETUP that only asks for key frames (MS-RTSP 2.2.7.10.1).</summary>
    public const uint NoStream = uint.MaxValue;

    /// <summary>Same stream on both sides: turns thinning of that stream on or off (MS-RTSP 2.2.7.10.3).</summary>
    public bool IsThinningChange => OldStream == NewStream;
}
