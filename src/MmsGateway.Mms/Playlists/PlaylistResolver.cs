using System.Text;

namespace MmsGateway.Mms.Playlists;

/// <summary>
/// Turns a URL into the ordered entries to play (docs/protocol/asx.md#s6): fetches it through the caller's delegate (all
/// I/O stays outside), sniffs what came back, and
/// <list type="bullet">
/// <item>a stream URL (mms://, mmst://, mmsu://, mmsh://, rtsp*://, http(s) with <c>?MSWMExt=</c>) is one entry,
/// without any fetch;</item>
/// <item>real ASF means the URL is itself the media: one entry;</item>
/// <item>an ASX is flattened (<see cref="AsxFlattener"/>) and its ENTRYREFs are fetched and resolved in place,
/// nested at most <see cref="PlaylistResolverOptions.MaxDepth"/> deep, skipping SKIPIFREF entries of included
/// files; a document that includes itself (directly or further down) is an error;</item>
/// <item>a <c>[Reference]</c> file or the one-line <c>ASF</c> redirector is one entry whose candidates are its
/// Refs, flagged to be tried as MMSH;</item>
/// <item>an NSC station file is one entry: the station (multicast), then its Unicast URL.</item>
/// </list>
/// REF URLs inside an entry are candidates for the connection layer and are not fetched here: fetching every
/// rollover alternative up front would open the streams themselves. Everything thrown, except cancellation, is a
/// <see cref="PlaylistResolutionException"/> naming the URL and its depth.
/// </summary>
public static class PlaylistResolver
{
    public static async Task<IReadOnlyList<PlaylistEntry>> ResolveAsync(
        Uri url,
        Func<Uri, CancellationToken, Task<PlaylistDocument>> fetch,
        PlaylistResolverOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(fetch);
        if (!url.IsAbsoluteUri)
        {
            throw new ArgumentException($"The URL must be absolute, not '{url}'.", nameof(url));
        }

        options ??= PlaylistResolverOptions.Default;
        options.Validate();
        var resolution = new Resolution(fetch, options, cancellationToken);
        await resolution.ResolveUrlAsync(url, 0, []).ConfigureAwait(false);
        return resolution.Result(url);
    }

    /// <summary>The state of one <see cref="ResolveAsync"/> call.</summary>
    private sealed class Resolution(
        Func<Uri, CancellationToken, Task<PlaylistDocument>> fetch,
        PlaylistResolverOptions options,
        CancellationToken cancellationToken)
    {
        private readonly List<PlaylistEntry> _entries = [];
        private readonly Dictionary<string, PlaylistDocument> _fetched = new(StringComparer.Ordinal);
        private readonly Dictionary<(string Url, bool Included), IReadOnlyList<PlaylistEntry>> _items = [];
        private int _entryRefsExpanded;

        /// <summary>Index of the first entry of the endless REPEAT that ends the list, once one is reached.</summary>
        private int? _loopStart;

        public IReadOnlyList<PlaylistEntry> Result(Uri url)
        {
            if (_entries.Count == 0)
            {
                throw Error(url, 0, "the playlist has no playable entry");
            }

            if (_loopStart is not { } loopStart)
            {
                return _entries;
            }

            return [.. _entries.Select((e, i) => i >= loopStart ? e with { RepeatsForever = true } : e)];
        }

        /// <summary>Adds the entries of <paramref name="url"/>; true when an endless REPEAT was reached (stop listing).</summary>
        /// <param name="url">What to resolve.</param>
        /// <param name="depth">0 for the caller's URL, +1 per ENTRYREF.</param>
        /// <param name="chain">The documents being resolved around this one, outermost first (for loop detection).</param>
        public async Task<bool> ResolveUrlAsync(Uri url, int depth, IReadOnlyList<Uri> chain)
        {
            if (StreamUrls.IsStream(url))
            {
                Add(new PlaylistEntry { Candidates = [PlaylistCandidate.For(url)], Source = url }, url, depth);
                return false;
            }

            CheckNotInChain(url, depth, chain);
            if (depth > options.MaxDepth)
            {
                throw Error(url, depth, $"ENTRYREFs nest deeper than {options.MaxDepth} levels");
            }

            if (depth > 0 && ++_entryRefsExpanded > options.MaxEntryRefs)
            {
                throw Error(url, depth, $"more than {options.MaxEntryRefs} ENTRYREFs to expand");
            }

            PlaylistDocument document = await FetchAsync(url, depth).ConfigureAwait(false);
            if (document.Url != url)
            {
                CheckNotInChain(document.Url, depth, chain);
            }

            IReadOnlyList<PlaylistEntry> items = ItemsOf(url, document, depth);
            IReadOnlyList<Uri> inner = [.. chain, url, document.Url];
            int? endlessGroupStart = null;
            foreach (PlaylistEntry item in items)
            {
                if (item.RepeatsForever)
                {
                    endlessGroupStart ??= _entries.Count;
                }

                if (item.EntryRef is { } href)
                {
                    if (await ResolveUrlAsync(href, depth + 1, inner).ConfigureAwait(false))
                    {
                        return true;
                    }
                }
                else
                {
                    Add(item.RepeatsForever ? item with { RepeatsForever = false } : item, url, depth);
                }
            }

            // AsxFlattener lists an endless REPEAT last, so this document loops from that group on, forever.
            if (endlessGroupStart is { } start)
            {
                _loopStart = start;
                return true;
            }

            return false;
        }

        /// <summary>
        /// The document's items: its entries, with placeholders for its ENTRYREFs. Worked out once per document
        /// (and per "included or not", which decides SKIPIFREF), since lists may include the same one many times.
        /// </summary>
        private IReadOnlyList<PlaylistEntry> ItemsOf(Uri url, PlaylistDocument document, int depth)
        {
            (string, bool) key = (url.AbsoluteUri, depth > 0);
            if (_items.TryGetValue(key, out IReadOnlyList<PlaylistEntry>? cached))
            {
                return cached;
            }

            IReadOnlyList<PlaylistEntry> items = PlaylistSniffer.Sniff(document.Content.Span, document.ContentType, document.Url.AbsoluteUri) switch
            {
                PlaylistKind.Asf => [new PlaylistEntry { Candidates = [PlaylistCandidate.For(url)], Source = url }],
                PlaylistKind.Asx => Parse(url, depth, () => AsxFlattener.Flatten(
                    AsxParser.Parse(document.Content.Span, document.Url), options.MaxRepeatExpansion, includedByEntryRef: depth > 0)),
                PlaylistKind.Reference => [ReferenceEntry(
                    Parse(url, depth, () => ReferenceFileParser.Parse(document.Content.Span, document.Url)), document, depth)],
                PlaylistKind.AsfRedirector => [ReferenceEntry(
                    Parse(url, depth, () => ReferenceFileParser.ParseAsfRedirector(document.Content.Span, document.Url)), document, depth)],
                PlaylistKind.Nsc => [StationEntry(Parse(url, depth, () => NscFile.Parse(document.Content.Span)), document)],
                _ => throw Error(url, depth, $"neither a playlist nor ASF media ({Describe(document)})"),
            };
            _items[key] = items;
            return items;
        }

        private static PlaylistEntry ReferenceEntry(ReferenceFile file, PlaylistDocument document, int depth)
        {
            if (file.Refs.Count == 0)
            {
                throw Error(document.Url, depth, "the [Reference] file has no RefN line with a URL");
            }

            return new PlaylistEntry
            {
                Candidates = [.. file.Refs.Select(r => new PlaylistCandidate(r.Url) { TryAsMmsh = r.TryAsMmsh })],
                Source = document.Url,
            };
        }

        /// <summary>Multicast first, the station's Unicast URL after the open timer (docs/protocol/rollover.md#s8.3).</summary>
        private static PlaylistEntry StationEntry(NscFile station, PlaylistDocument document)
        {
            var candidates = new List<PlaylistCandidate> { new(document.Url) { Station = station } };
            if (PlaylistText.ResolveHref(station.UnicastUrl, document.Url) is { } unicast)
            {
                candidates.Add(PlaylistCandidate.For(unicast));
            }

            return new PlaylistEntry { Candidates = candidates, Title = string.IsNullOrEmpty(station.Name) ? null : station.Name, Source = document.Url };
        }

        private void Add(PlaylistEntry entry, Uri url, int depth)
        {
            if (_entries.Count >= options.MaxEntries)
            {
                throw Error(url, depth, $"the playlist has more than {options.MaxEntries} entries");
            }

            _entries.Add(entry);
        }

        private async Task<PlaylistDocument> FetchAsync(Uri url, int depth)
        {
            if (_fetched.TryGetValue(url.AbsoluteUri, out PlaylistDocument? cached))
            {
                return cached;
            }

            if (_fetched.Count >= options.MaxFetches)
            {
                throw Error(url, depth, $"more than {options.MaxFetches} playlist documents to fetch");
            }

            PlaylistDocument? document;
            try
            {
                document = await fetch(url, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e) when (e is not PlaylistResolutionException)
            {
                throw Error(url, depth, $"fetching it failed: {e.Message}", e);
            }

            if (document?.Url is not { IsAbsoluteUri: true })
            {
                throw Error(url, depth, "the fetcher returned no document or a relative URL");
            }

            _fetched[url.AbsoluteUri] = document;
            return document;
        }

        private static T Parse<T>(Uri url, int depth, Func<T> parse)
        {
            try
            {
                return parse();
            }
            catch (PlaylistFormatException e)
            {
                throw Error(url, depth, e.Message, e);
            }
        }

        private static void CheckNotInChain(Uri url, int depth, IReadOnlyList<Uri> chain)
        {
            if (chain.Any(u => u.AbsoluteUri == url.AbsoluteUri))
            {
                string path = string.Join(" -> ", chain.Select(u => u.AbsoluteUri).Distinct().Append(url.AbsoluteUri));
                throw Error(url, depth, $"ENTRYREF loop: the playlist includes itself ({path})");
            }
        }

        private static string Describe(PlaylistDocument document)
        {
            ReadOnlySpan<byte> start = document.Content.Span[..Math.Min(document.Content.Length, 16)];
            var text = new StringBuilder();
            text.Append("Content-Type ").Append(document.ContentType ?? "none").Append(", ");
            text.Append(document.Content.Length).Append(" bytes");
            if (!start.IsEmpty)
            {
                text.Append(" starting ").Append(Convert.ToHexString(start));
            }

            return text.ToString();
        }

        private static PlaylistResolutionException Error(Uri url, int depth, string message, Exception? inner = null) =>
            new($"Playlist {url.AbsoluteUri} (depth {depth}): {message}", url, depth, inner);
    }
}
