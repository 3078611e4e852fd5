namespace MmsGateway.Mms.Playlists;

/// <summary>
/// An ASX 3.0 metafile as written (docs/protocol/asx.md#s6.2), before ENTRYREFs are fetched: the ASX-level metadata and
/// the ordered <see cref="Items"/> (ENTRY, ENTRYREF and REPEAT elements in document order). HREFs are already
/// absolute, resolved against <see cref="SourceUri"/>. EVENT elements are not kept: their entries only play when
/// a script event fires, never in the sequence.
/// </summary>
public sealed record AsxPlaylist
{
    /// <summary>The metafile's own URL (or the ENTRYREF HREF that pulled it in): the base of relative HREFs.</summary>
    public required Uri SourceUri { get; init; }

    /// <summary>The VERSION attribute as written ("3.0", "3"); not enforced, since players do not enforce it either.</summary>
    public string? Version { get; init; }

    public string? Title { get; init; }

    public string? Author { get; init; }

    public string? Copyright { get; init; }

    public string? Abstract { get; init; }

    /// <summary>
    /// BASE HREF with a '/' appended when missing. It prefixes URL-flip script commands only and does not
    /// resolve REF HREFs (docs/protocol/asx.md#s6.2), so nothing here uses it.
    /// </summary>
    public Uri? Base { get; init; }

    public IReadOnlyList<AsxParam> Params { get; init; } = [];

    public IReadOnlyList<AsxItem> Items { get; init; } = [];

    /// <summary>What the lenient parser skipped (a REF without a usable HREF, a bad STARTTIME), with line numbers.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>A PARAM element: a name/value pair for the player or the page (HTMLView, ...).</summary>
public sealed record AsxParam(string Name, string? Value);

/// <summary>One element of the play sequence: <see cref="AsxEntry"/>, <see cref="AsxEntryRef"/> or <see cref="AsxRepeat"/>.</summary>
public abstract record AsxItem;

/// <summary>
/// One clip. <see cref="Refs"/> is the URL rollover list (docs/protocol/asx.md#s6.2): open the first; only when it cannot be opened try
/// the next; once one plays, the others are ignored even if it later breaks.
/// </summary>
public sealed record AsxEntry : AsxItem
{
    public string? Title { get; init; }

    public string? Author { get; init; }

    public string? Copyright { get; init; }

    public string? Abstract { get; init; }

    /// <summary>Entry-level BASE (overrides the ASX-level one for URL flips); '/' appended.</summary>
    public Uri? Base { get; init; }

    public IReadOnlyList<AsxParam> Params { get; init; } = [];

    public IReadOnlyList<AsxRef> Refs { get; init; } = [];

    /// <summary>STARTTIME VALUE: where to start playing the clip.</summary>
    public TimeSpan? StartTime { get; init; }

    /// <summary>DURATION VALUE: how long to play it.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>CLIENTSKIP: false means the user may not skip past this entry (default true).</summary>
    public bool ClientSkip { get; init; } = true;

    /// <summary>SKIPIFREF="YES": skip this entry when the file is pulled in by an ENTRYREF.</summary>
    public bool SkipIfRef { get; init; }
}

/// <summary>A REF: one rollover alternative, with the STARTTIME/DURATION children REF may carry (still images).</summary>
public sealed record AsxRef(Uri Href)
{
    public TimeSpan? StartTime { get; init; }

    public TimeSpan? Duration { get; init; }
}

/// <summary>An ENTRYREF: the ENTRY elements of another metafile go here (its ASX-level data is ignored).</summary>
public sealed record AsxEntryRef(Uri Href) : AsxItem;

/// <summary>
/// A REPEAT: its items play <see cref="Count"/> more times after the first, or forever when
/// <see cref="Count"/> is null. Only the first REPEAT of a file repeats (docs/protocol/asx.md#s6.2); <see cref="AsxFlattener"/> applies that.
/// </summary>
public sealed record AsxRepeat : AsxItem
{
    /// <summary>
    /// COUNT: null when absent (repeat forever) or too large for an int; 0 means play once. A COUNT that is not a
    /// number reads as 0 with a warning: a typo should not make a playlist loop forever.
    /// </summary>
    public int? Count { get; init; }

    public IReadOnlyList<AsxItem> Items { get; init; } = [];
}
