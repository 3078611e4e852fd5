using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace MmsGateway.Mms.Playlists;

/// <summary>
/// Parses the <c>[Reference]</c> redirector that Windows Media Services sends to non-player HTTP clients, and the
/// older one-line <c>ASF http://...</c> form (docs/protocol/asx.md#s6.3). Leniencies: CRLF, LF or CR line ends, spaces
/// around '=', the key in any letter case, unknown keys and other sections ignored, comment lines (';' or '#')
/// ignored. Refs are ordered by their number, not by line order; when a number repeats, the first line wins.
/// A line whose URL cannot be used is skipped.
/// </summary>
public static class ReferenceFileParser
{
    public const int MaxTextLength = PlaylistText.MaxDocumentBytes;

    /// <summary>Most Refs kept; real files have two.</summary>
    public const int MaxRefs = 1000;

    private static readonly SearchValues<char> SchemeCharacters =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");

    public static ReferenceFile Parse(ReadOnlySpan<byte> content, Uri baseUri) =>
        Parse(PlaylistText.Decode(content, PlaylistText.MaxDocumentBytes, "[Reference] file"), baseUri);

    /// <param name="text">The file's text; its first non-blank line must be <c>[Reference]</c>.</param>
    /// <param name="baseUri">The file's URL, against which a relative URL would resolve.</param>
    public static ReferenceFile Parse(string text, Uri baseUri)
    {
        PlaylistText.CheckLength(text, MaxTextLength, "[Reference] file");
        PlaylistText.CheckBaseUri(baseUri);
        var refs = new SortedDictionary<int, ReferenceEntry>();
        bool sawHeader = false;
        bool inReferenceSection = false;
        foreach ((_, string rawLine) in PlaylistText.Lines(text))
        {
            string line = (sawHeader ? rawLine.AsSpan() : PlaylistText.TrimStartOfDocument(rawLine)).Trim().ToString();
            if (line.Length == 0 || line[0] is ';' or '#')
            {
                continue;
            }

            if (line[0] == '[')
            {
                if (!sawHeader && !line.Equals("[Reference]", StringComparison.OrdinalIgnoreCase))
                {
                    break;
                }

                inReferenceSection = line.Equals("[Reference]", StringComparison.OrdinalIgnoreCase);
                sawHeader = true;
                continue;
            }

            if (!sawHeader)
            {
                break;
            }

            if (inReferenceSection && refs.Count < MaxRefs && TryParseRefLine(line, baseUri, out ReferenceEntry? entry))
            {
                refs.TryAdd(entry.Number, entry);
            }
        }

        if (!sawHeader)
        {
            throw new PlaylistFormatException("Not a [Reference] file: the first line is not [Reference].");
        }

        return new ReferenceFile([.. refs.Values]);
    }

    /// <summary>
    /// Parses the one-line redirector: <c>ASF &lt;url&gt;</c>. Further <c>ASF</c> lines, if any, are rollover
    /// alternatives in line order; other lines are ignored.
    /// </summary>
    public static ReferenceFile ParseAsfRedirector(string text, Uri baseUri)
    {
        PlaylistText.CheckLength(text, MaxTextLength, "ASF redirector");
        PlaylistText.CheckBaseUri(baseUri);
        var refs = new List<ReferenceEntry>();
        foreach ((_, string rawLine) in PlaylistText.Lines(text))
        {
            ReadOnlySpan<char> line = PlaylistText.TrimStartOfDocument(rawLine).TrimEnd();
            if (refs.Count < MaxRefs && IsAsfRedirectorLine(line)
                && PlaylistText.ResolveHref(line[3..].Trim().ToString(), baseUri) is { } url)
            {
                refs.Add(new ReferenceEntry(0, url));
            }
        }

        if (refs.Count == 0)
        {
            throw new PlaylistFormatException("Not an ASF redirector: no line of the form 'ASF <url>'.");
        }

        return new ReferenceFile(refs);
    }

    public static ReferenceFile ParseAsfRedirector(ReadOnlySpan<byte> content, Uri baseUri) =>
        ParseAsfRedirector(PlaylistText.Decode(content, PlaylistText.MaxDocumentBytes, "ASF redirector"), baseUri);

    /// <summary><c>ASF</c>, white space, then something with a scheme ("ASF http://host/x").</summary>
    internal static bool IsAsfRedirectorLine(ReadOnlySpan<char> line)
    {
        if (line.Length < 5 || !line.StartsWith("ASF", StringComparison.OrdinalIgnoreCase) || (line[3] != ' ' && line[3] != '\t'))
        {
            return false;
        }

        ReadOnlySpan<char> url = line[4..].TrimStart();
        int colon = url.IndexOf("://", StringComparison.Ordinal);
        return colon > 0 && !url[..colon].ContainsAnyExcept(SchemeCharacters);
    }

    private static bool TryParseRefLine(string line, Uri baseUri, [NotNullWhen(true)] out ReferenceEntry? entry)
    {
        entry = null;
        int equals = line.IndexOf('=', StringComparison.Ordinal);
        if (equals < 0)
        {
            return false;
        }

        ReadOnlySpan<char> key = line.AsSpan(0, equals).Trim();
        if (key.Length < 4 || !key.StartsWith("Ref", StringComparison.OrdinalIgnoreCase)
            || key[3..].ContainsAnyExceptInRange('0', '9')
            || !int.TryParse(key[3..], NumberStyles.None, CultureInfo.InvariantCulture, out int number))
        {
            return false; // unknown key (or a number too large to be real)
        }

        Uri? url = PlaylistText.ResolveHref(line[(equals + 1)..], baseUri);
        if (url is null)
        {
            return false;
        }

        entry = new ReferenceEntry(number, url);
        return true;
    }
}
