namespace MmsGateway.Mms.Mmst;

/// <summary>
/// fileAttributes of ReportOpenFile (docs/protocol/mmst.md#s1.5.6). vlc recognises live content only when
/// <c>attributes &gt;&gt; 24 == 0x02</c> and libmms only by bytes 62/63, so a live server sends exactly
/// <see cref="Broadcast"/>, never <c>Broadcast | Live</c>.
/// </summary>
[Flags]
public enum MmstFileAttributes : uint
{
    None = 0,
    CanStride = 0x0080_0000,
    CanSeek = 0x0100_0000,
    Broadcast = 0x0200_0000,
    Live = 0x0400_0000,
    Playlist = 0x4000_0000,

    /// <summary>What a server sends for seekable on-demand content.</summary>
    OnDemand = CanSeek | CanStride,
}
