namespace MmsGateway.Mms.Rtsp;

/// <summary>How ffmpeg reads an <c>X-Notice</c> code (docs/protocol/rtsp.md#s5.3).</summary>
public enum RtspNoticeKind
{
    Other,

    /// <summary>2101, 2104, 2306: the stream ended (ffmpeg goes idle).</summary>
    EndOfStream,

    /// <summary>4400–5499: an I/O error.</summary>
    IoError,

    /// <summary>2401 and 5500–5599: a permission error.</summary>
    PermissionDenied,
}
