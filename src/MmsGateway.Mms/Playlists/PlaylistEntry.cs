namespace MmsGateway.Mms.Playlists;

/// <summary>
/// One clip of a resolved playlist: the <see cref="Candidates"/> are its URL rollover list (ASX REFs, or the
/// RefN lines of a <c>[Reference]</c> file, in order). Open the first; when it cannot be opened (after protocol
/// rollover for an mms:// URL, docs/protocol/rollover.md#s8.3) try the next; once one plays, ignore the rest (docs/protocol/asx.md#s6.2).
/// </summary>
public sealed record PlaylistEntry
{
    /// <summary>The rollover alternatives, in the order to try them; empty only for an <see cref="EntryRef"/> placeholder.</summary>
    public IReadOnlyList<PlaylistCandidate> Candidates { get; init; } = [];

    /// <summary>The entry's TITLE, else the playlist's.</summary>
    public string? Title { get; init; }

    public string? Author { get; init; }

    public TimeSpan? StartTime { get; init; }

    public TimeSpan? Duration { get; init; }

    /// <summary>False when the user may not skip past this entry (ASX CLIENTSKIP="NO").</summary>
    public bool ClientSkip { get; init; } = true;

    /// <summary>
    /// Part of an endless REPEAT. Such entries always end the list (nothing after an endless loop ever plays):
    /// after the last entry, play again from the first entry marked so.
    /// </summary>
    public bool RepeatsForever { get; init; }

    /// <summary>
    /// Set only in the output of <see cref="AsxFlattener.Flatten"/>: this position holds an ENTRYREF that has not
    /// been fetched yet (<see cref="Candidates"/> is empty). <see cref="PlaylistResolver"/> output never has one.
    /// </summary>
    public Uri? EntryRef { get; init; }

    /// <summary>The document the entry came from (the top URL, or an ENTRYREF's), for messages and logs.</summary>
    public Uri? Source { get; init; }
}

/// <summary>One URL to try for an entry.</summary>
/// <param name="Url">As written in the playlist, made absolute; never rewritten.</param>
public sealed record PlaylistCandidate(Uri Url)
{
    /// <summary>
    /// Try this http:// URL as MMSH (a Windows Media server's publishing point) rather than as a plain download:
    /// set for the Refs of a <c>[Reference]</c> file and the one-line <c>ASF</c> redirector, which vlc and totem
    /// rewrite to mmsh:// (docs/protocol/asx.md#s6.3), and for any http URL carrying <c>?MSWMExt=</c>.
    /// </summary>
    public bool TryAsMmsh { get; init; }

    /// <summary>
    /// For an NSC station file: the parsed station (multicast group, port and the ASF headers). Join the multicast
    /// group first; the entry's next candidate is the station's Unicast URL (docs/protocol/nsc.md#s7.3, docs/protocol/rollover.md#s8.3).
    /// </summary>
    public NscFile? Station { get; init; }

    /// <summary>A candidate from an ASX REF: the MMSH hint only when the URL carries <c>?MSWMExt=</c>.</summary>
    public static PlaylistCandidate For(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return new PlaylistCandidate(url) { TryAsMmsh = url.Scheme == Uri.UriSchemeHttp && StreamUrls.HasMswmExt(url) };
    }
}
