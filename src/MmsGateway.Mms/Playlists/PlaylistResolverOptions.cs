namespace MmsGateway.Mms.Playlists;

/// <summary>Limits of <see cref="PlaylistResolver"/>: everything a hostile or broken playlist could make grow is capped.</summary>
public sealed record PlaylistResolverOptions
{
    /// <summary>
    /// How deep ENTRYREFs may nest: the document the caller names is depth 0, an ENTRYREF in it depth 1. WMP 9 and
    /// later follow 5 levels; WMP 7 / 7.1 / XP follow 1 (docs/protocol/asx.md#s6.2).
    /// </summary>
    public int MaxDepth { get; init; } = 5;

    /// <summary>Most entries in the result; more is an error rather than a silent cut.</summary>
    public int MaxEntries { get; init; } = 10_000;

    /// <summary>Most documents fetched for one resolution (repeated URLs are fetched once).</summary>
    public int MaxFetches { get; init; } = 100;

    /// <summary>
    /// Most ENTRYREFs expanded, counting again each time the same one is expanded (a list included ten times, a
    /// counted REPEAT around an ENTRYREF): bounds the work when lists include each other many times over.
    /// </summary>
    public int MaxEntryRefs { get; init; } = 1000;

    /// <summary>Most plays a counted REPEAT is expanded to (see <see cref="AsxFlattener"/>).</summary>
    public int MaxRepeatExpansion { get; init; } = 10;

    public static PlaylistResolverOptions Default { get; } = new();

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(MaxDepth, nameof(MaxDepth));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxEntries, 1, nameof(MaxEntries));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxFetches, 1, nameof(MaxFetches));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxEntryRefs, nameof(MaxEntryRefs));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRepeatExpansion, 1, nameof(MaxRepeatExpansion));
    }
}
