namespace MmsGateway.Mms.Mmsh;

/// <summary>
/// Tokens of the response Pragma <c>features="…"</c> (docs/protocol/mmsh.md#s2.4). Always send one: vlc assumes broadcast and
/// libmms assumes seekable without it (docs/protocol/mmsh.md#s2.6).
/// </summary>
public static class MmshFeatures
{
    public const string Seekable = "seekable";
    public const string Stridable = "stridable";
    public const string Broadcast = "broadcast";
    public const string Live = "live";
    public const string Playlist = "playlist";
    public const string Last = "last";
    public const string SkipForward = "skipforward";
    public const string SkipBackward = "skipbackward";

    /// <summary>What an on-demand server sends.</summary>
    public static IReadOnlyList<string> OnDemand { get; } = [Seekable, Stridable];

    /// <summary>What a live server sends (vlc and libmms look for the substring "broadcast").</summary>
    public static IReadOnlyList<string> LiveBroadcast { get; } = [Broadcast];
}
