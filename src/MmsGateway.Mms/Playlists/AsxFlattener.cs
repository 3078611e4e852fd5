namespace MmsGateway.Mms.Playlists;

/// <summary>
/// Turns the nested ENTRY / ENTRYREF / REPEAT items of one <see cref="AsxPlaylist"/> into the play order
/// (docs/protocol/asx.md#s6.2):
/// <list type="bullet">
/// <item>Only the first REPEAT of a file (in document order) repeats; later and nested ones play their items once.</item>
/// <item>COUNT=n plays the items n+1 times (COUNT="0" plays once, the one reading consistent with docs/protocol/asx.md#s6.2's
/// "COUNT=0 ⇒ play once"), at most <c>maxRepeatExpansion</c> times.</item>
/// <item>A REPEAT without COUNT loops forever: its items are listed once, marked
/// <see cref="PlaylistEntry.RepeatsForever"/>, and nothing after it is listed since nothing after it ever plays.</item>
/// <item>An ENTRY without any usable REF is left out; an ENTRYREF becomes a placeholder entry
/// (<see cref="PlaylistEntry.EntryRef"/>) for <see cref="PlaylistResolver"/> to fetch.</item>
/// </list>
/// </summary>
public static class AsxFlattener
{
    /// <summary>Most entries one file may expand to, whatever the REPEAT counts and the expansion limit.</summary>
    public const int MaxFlattenedEntries = 100_000;

    /// <param name="playlist">The parsed file.</param>
    /// <param name="maxRepeatExpansion">Most plays a counted REPEAT is expanded to (at least 1).</param>
    /// <param name="includedByEntryRef">The file was pulled in by an ENTRYREF: ENTRYs with SKIPIFREF="YES" are left out.</param>
    public static IReadOnlyList<PlaylistEntry> Flatten(AsxPlaylist playlist, int maxRepeatExpansion, bool includedByEntryRef = false)
    {
        ArgumentNullException.ThrowIfNull(playlist);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRepeatExpansion, 1);
        var walk = new Walk(playlist, maxRepeatExpansion, includedByEntryRef);
        walk.Items(playlist.Items, repeatsForever: false);
        return walk.Output;
    }

    private sealed class Walk(AsxPlaylist playlist, int maxRepeatExpansion, bool includedByEntryRef)
    {
        private bool _firstRepeatSeen;

        public List<PlaylistEntry> Output { get; } = [];

        /// <summary>Returns true when an endless REPEAT was reached: the caller must stop listing.</summary>
        public bool Items(IReadOnlyList<AsxItem> items, bool repeatsForever)
        {
            foreach (AsxItem item in items)
            {
                switch (item)
                {
                    case AsxEntry entry when entry.Refs.Count > 0 && !(includedByEntryRef && entry.SkipIfRef):
                        Add(ToEntry(entry, repeatsForever));
                        break;
                    case AsxEntryRef entryRef:
                        Add(new PlaylistEntry
                        {
                            EntryRef = entryRef.Href,
                            RepeatsForever = repeatsForever,
                            Source = playlist.SourceUri,
                        });
                        break;
                    case AsxRepeat repeat when Repeat(repeat, repeatsForever):
                        return true;
                }
            }

            return false;
        }

        private bool Repeat(AsxRepeat repeat, bool repeatsForever)
        {
            bool counts = !_firstRepeatSeen;
            _firstRepeatSeen = true;
            if (!counts)
            {
                return Items(repeat.Items, repeatsForever);
            }

            if (repeat.Count is not { } count)
            {
                Items(repeat.Items, repeatsForever: true);
                return true;
            }

            long plays = Math.Min((long)count + 1, maxRepeatExpansion);
            for (long play = 0; play < plays; play++)
            {
                if (Items(repeat.Items, repeatsForever))
                {
                    return true;
                }
            }

            return false;
        }

        private void Add(PlaylistEntry entry)
        {
            if (Output.Count >= MaxFlattenedEntries)
            {
                throw new PlaylistFormatException(
                    $"ASX playlist {playlist.SourceUri} expands to more than {MaxFlattenedEntries} entries.");
            }

            Output.Add(entry);
        }

        private PlaylistEntry ToEntry(AsxEntry entry, bool repeatsForever) => new()
        {
            Candidates = [.. entry.Refs.Select(r => PlaylistCandidate.For(r.Href))],
            Title = entry.Title ?? playlist.Title,
            Author = entry.Author ?? playlist.Author,
            StartTime = entry.StartTime,
            Duration = entry.Duration,
            ClientSkip = entry.ClientSkip,
            RepeatsForever = repeatsForever,
            Source = playlist.SourceUri,
        };
    }
}
