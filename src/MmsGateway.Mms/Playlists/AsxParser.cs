using System.Globalization;

namespace MmsGateway.Mms.Playlists;

/// <summary>
/// Parses ASX 3.0 metafiles (.asx, .wax, .wvx) as real files are written (docs/protocol/asx.md#s6.2): names in any case,
/// attributes unquoted, single-quoted or with spaces around '=', close tags in another case than their open
/// tags, stray '&amp;', unknown elements, CRLF or LF. No XmlReader: real files are not well-formed XML. The
/// parser is lenient about details (a REF without a usable HREF is skipped with a warning) and throws
/// <see cref="PlaylistFormatException"/> only when there is no ASX element at all or a size cap is exceeded.
/// </summary>
public static class AsxParser
{
    /// <summary>Largest text accepted, in characters (the byte overload caps bytes at the same figure).</summary>
    public const int MaxTextLength = PlaylistText.MaxDocumentBytes;

    /// <param name="content">The metafile's bytes; the encoding is detected (BOM, UTF-8, else Latin-1).</param>
    /// <param name="baseUri">The metafile's absolute URL: relative HREFs resolve against it.</param>
    public static AsxPlaylist Parse(ReadOnlySpan<byte> content, Uri baseUri) =>
        Parse(PlaylistText.Decode(content, PlaylistText.MaxDocumentBytes, "ASX playlist"), baseUri);

    /// <param name="text">The metafile's text.</param>
    /// <param name="baseUri">The metafile's absolute URL: relative HREFs resolve against it.</param>
    public static AsxPlaylist Parse(string text, Uri baseUri)
    {
        PlaylistText.CheckLength(text, MaxTextLength, "ASX playlist");
        PlaylistText.CheckBaseUri(baseUri);
        AsxElement asx = FindAsx(AsxTreeBuilder.Build(text))
            ?? throw new PlaylistFormatException("Not an ASX playlist: no <ASX> element.");
        return new Reader(text, baseUri).ReadPlaylist(asx);
    }

    private static AsxElement? FindAsx(AsxElement element)
    {
        foreach (AsxElement child in element.Children)
        {
            if (child.Name == "ASX")
            {
                return child;
            }

            if (FindAsx(child) is { } nested)
            {
                return nested;
            }
        }

        return null;
    }

    /// <summary>Maps the element tree to the model, collecting warnings for what it skips.</summary>
    private sealed class Reader(string text, Uri baseUri)
    {
        private const int MaxWarnings = 100;

        private readonly List<string> _warnings = [];
        private LineMap? _lines;

        public AsxPlaylist ReadPlaylist(AsxElement asx) => new()
        {
            SourceUri = baseUri,
            Version = asx.Attribute("VERSION")?.Trim(),
            Title = TextOf(asx, "TITLE"),
            Author = TextOf(asx, "AUTHOR"),
            Copyright = TextOf(asx, "COPYRIGHT"),
            Abstract = TextOf(asx, "ABSTRACT"),
            Base = ReadBase(asx),
            Params = ReadParams(asx),
            Items = ReadItems(asx),
            Warnings = _warnings,
        };

        private static string? TextOf(AsxElement parent, string name) => parent.Child(name)?.Text;

        private static List<AsxParam> ReadParams(AsxElement parent) =>
            [.. parent.Children
                .Where(c => c.Name == "PARAM" && !string.IsNullOrWhiteSpace(c.Attribute("NAME")))
                .Select(c => new AsxParam(c.Attribute("NAME")!.Trim(), c.Attribute("VALUE")))];

        private static bool? YesNo(string? value) => value?.Trim().ToUpperInvariant() switch
        {
            "YES" or "TRUE" or "1" => true,
            "NO" or "FALSE" or "0" => false,
            _ => null,
        };

        private List<AsxItem> ReadItems(AsxElement parent)
        {
            var items = new List<AsxItem>();
            foreach (AsxElement child in parent.Children)
            {
                AsxItem? item = child.Name switch
                {
                    "ENTRY" => ReadEntry(child),
                    "ENTRYREF" => ReadEntryRef(child),
                    "REPEAT" => ReadRepeat(child),
                    _ => null, // metadata, EVENT, unknown elements
                };
                if (item is not null)
                {
                    items.Add(item);
                }
            }

            return items;
        }

        private AsxEntry ReadEntry(AsxElement entry)
        {
            var refs = new List<AsxRef>();
            foreach (AsxElement child in entry.Children.Where(c => c.Name == "REF"))
            {
                Uri? href = ResolveHref(child, "REF");
                if (href is not null)
                {
                    refs.Add(new AsxRef(href)
                    {
                        StartTime = ReadTime(child, "STARTTIME"),
                        Duration = ReadTime(child, "DURATION"),
                    });
                }
            }

            if (refs.Count == 0)
            {
                Warn(entry, "ENTRY has no REF with a usable HREF; it cannot play");
            }

            return new AsxEntry
            {
                Title = TextOf(entry, "TITLE"),
                Author = TextOf(entry, "AUTHOR"),
                Copyright = TextOf(entry, "COPYRIGHT"),
                Abstract = TextOf(entry, "ABSTRACT"),
                Base = ReadBase(entry),
                Params = ReadParams(entry),
                Refs = refs,
                StartTime = ReadTime(entry, "STARTTIME"),
                Duration = ReadTime(entry, "DURATION"),
                ClientSkip = YesNo(entry.Attribute("CLIENTSKIP")) ?? true,
                SkipIfRef = YesNo(entry.Attribute("SKIPIFREF")) ?? false,
            };
        }

        private AsxEntryRef? ReadEntryRef(AsxElement entryRef)
        {
            Uri? href = ResolveHref(entryRef, "ENTRYREF");
            return href is null ? null : new AsxEntryRef(href);
        }

        private AsxRepeat ReadRepeat(AsxElement repeat)
        {
            string? countText = repeat.Attribute("COUNT")?.Trim();
            int? count = null;
            if (countText is not null)
            {
                if (int.TryParse(countText, NumberStyles.None, CultureInfo.InvariantCulture, out int parsed))
                {
                    count = parsed;
                }
                else if (countText.Length == 0 || countText.AsSpan().ContainsAnyExceptInRange('0', '9'))
                {
                    // A typo should not make a playlist loop forever: play the items once.
                    count = 0;
                    Warn(repeat, $"REPEAT COUNT=\"{PlaylistText.Excerpt(countText)}\" is not a count; playing once");
                }

                // Digits too many for an int: "forever" in practice, so it stays null.
            }

            return new AsxRepeat { Count = count, Items = ReadItems(repeat) };
        }

        private Uri? ResolveHref(AsxElement element, string what)
        {
            string? href = element.Attribute("HREF");
            Uri? resolved = PlaylistText.ResolveHref(href, baseUri);
            if (resolved is null)
            {
                Warn(element, href is null ? $"{what} without HREF skipped" : $"{what} HREF=\"{PlaylistText.Excerpt(href)}\" is not a URL; skipped");
            }

            return resolved;
        }

        private Uri? ReadBase(AsxElement parent)
        {
            string? href = parent.Child("BASE")?.Attribute("HREF")?.Trim();
            if (string.IsNullOrEmpty(href))
            {
                return null;
            }

            return PlaylistText.ResolveHref(href.EndsWith('/') ? href : href + "/", baseUri);
        }

        private TimeSpan? ReadTime(AsxElement parent, string name)
        {
            AsxElement? element = parent.Child(name);
            string? value = element?.Attribute("VALUE");
            if (element is null || value is null)
            {
                return null;
            }

            if (AsxTime.TryParse(value, out TimeSpan time))
            {
                return time;
            }

            Warn(element, $"{name} VALUE=\"{PlaylistText.Excerpt(value)}\" is not [[hh:]mm:]ss[.fract]; ignored");
            return null;
        }

        private void Warn(AsxElement element, string message)
        {
            if (_warnings.Count < MaxWarnings)
            {
                _lines ??= new LineMap(text);
                _warnings.Add($"line {_lines.LineOf(element.Offset)}: {message}");
            }
            else if (_warnings.Count == MaxWarnings)
            {
                _warnings.Add("further warnings left out");
            }
        }
    }
}
