using MmsGateway.Asf;

namespace MmsGateway.Mms.Playlists;

/// <summary>
/// Decides what a resource is from its first bytes, the way players do (docs/protocol/asx.md#s6.1). The content decides
/// whenever it carries a signature: .asf and .asx share the MIME type video/x-ms-asf, and real ASF files saved
/// as .asx exist. The Content-Type and the URL's extension are only used when no signature is found (a text
/// playlist with a long comment before <c>&lt;ASX</c>, an empty body, MMSH framing).
/// </summary>
public static class PlaylistSniffer
{
    /// <summary>How many leading bytes the sniffer looks at; passing more is harmless.</summary>
    public const int PrefixLength = 1024;

    private static readonly string[] AsxExtensions = [".asx", ".wax", ".wvx", ".wmx"];
    private static readonly string[] MediaExtensions = [".asf", ".wma", ".wmv", ".wm"];

    // video/x-ms-asf is deliberately in neither list: it is sent for .asf and .asx alike.
    private static readonly string[] AsxMimeTypes = ["audio/x-ms-wax", "video/x-ms-wvx", "video/x-ms-wmx", "video/x-ms-asx"];

    private static readonly string[] MediaMimeTypes =
    [
        "audio/x-ms-wma", "video/x-ms-wmv", "video/x-ms-wm", "application/vnd.ms-asf",
        "application/x-mms-framed", "application/vnd.ms.wms-hdr.asfv1", // MMSH answers (docs/protocol/mmsh.md#s2.3)
    ];

    /// <param name="content">The first bytes of the resource (at least <see cref="PrefixLength"/> when there are).</param>
    /// <param name="contentType">The HTTP Content-Type, parameters allowed; null when unknown.</param>
    /// <param name="urlOrPath">The URL or file path, for its extension; the query is ignored.</param>
    public static PlaylistKind Sniff(ReadOnlySpan<byte> content, string? contentType = null, string? urlOrPath = null)
    {
        if (content.Length >= 16 && new Guid(content[..16]) == AsfGuids.Header)
        {
            return PlaylistKind.Asf;
        }

        string text = PlaylistText.DecodePrefix(content[..Math.Min(content.Length, PrefixLength)]);
        PlaylistKind byContent = SniffText(text);
        if (byContent != PlaylistKind.Unknown)
        {
            return byContent;
        }

        return SniffHints(text, contentType, urlOrPath);
    }

    /// <summary>The extension of a URL's path or a file path, lower case with its dot ("" when there is none).</summary>
    public static string ExtensionOf(string urlOrPath)
    {
        ArgumentNullException.ThrowIfNull(urlOrPath);
        string path = urlOrPath;
        if (urlOrPath.Contains("://", StringComparison.Ordinal))
        {
            path = Uri.TryCreate(urlOrPath, UriKind.Absolute, out Uri? uri) ? uri.AbsolutePath : "";
        }

        int slash = path.LastIndexOfAny(['/', '\\']);
        int dot = path.LastIndexOf('.');
        return dot > slash ? path[dot..].ToLowerInvariant() : "";
    }

    private static PlaylistKind SniffText(string text)
    {
        ReadOnlySpan<char> start = SkipXmlPrologue(PlaylistText.TrimStartOfDocument(text));
        if (IsAsxStartTag(start))
        {
            return PlaylistKind.Asx;
        }

        if (start.StartsWith("[Reference]", StringComparison.OrdinalIgnoreCase))
        {
            return PlaylistKind.Reference;
        }

        if (start.StartsWith("[Address]", StringComparison.OrdinalIgnoreCase))
        {
            return PlaylistKind.Nsc;
        }

        if (ReferenceFileParser.IsAsfRedirectorLine(start))
        {
            return PlaylistKind.AsfRedirector;
        }

        return PlaylistKind.Unknown;
    }

    private static PlaylistKind SniffHints(string text, string? contentType, string? urlOrPath)
    {
        string mime = MimeTypeOf(contentType);
        string extension = urlOrPath is null ? "" : ExtensionOf(urlOrPath);

        // Said to be ASX but no <ASX at the start: let the parser look further (totem accepts <ASX anywhere in
        // the first chunk, docs/protocol/asx.md#s6.1) and fail with a clear message if there is none.
        if (AsxMimeTypes.Contains(mime) || AsxExtensions.Contains(extension))
        {
            return PlaylistKind.Asx;
        }

        if (extension == ".nsc")
        {
            return PlaylistKind.Nsc;
        }

        if (MediaMimeTypes.Contains(mime) || MediaExtensions.Contains(extension))
        {
            return PlaylistKind.Asf;
        }

        // The ambiguous type: ASX only if "<asx" is there to be found.
        if (mime == "video/x-ms-asf" && text.Contains("<asx", StringComparison.OrdinalIgnoreCase))
        {
            return PlaylistKind.Asx;
        }

        return PlaylistKind.Unknown;
    }

    private static string MimeTypeOf(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return "";
        }

        int semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        return (semicolon >= 0 ? contentType[..semicolon] : contentType).Trim().ToLowerInvariant();
    }

    /// <summary><c>&lt;ASX</c> followed by white space, '&gt;' or '/', in any letter case.</summary>
    private static bool IsAsxStartTag(ReadOnlySpan<char> text) =>
        text.StartsWith("<asx", StringComparison.OrdinalIgnoreCase)
        && (text.Length == 4 || char.IsWhiteSpace(text[4]) || text[4] is '>' or '/');

    /// <summary>Skips an XML declaration and comments in front of the root element (some generators write them).</summary>
    private static ReadOnlySpan<char> SkipXmlPrologue(ReadOnlySpan<char> text)
    {
        while (true)
        {
            int end;
            if (text.StartsWith("<?", StringComparison.Ordinal))
            {
                end = text.IndexOf("?>", StringComparison.Ordinal);
                end = end < 0 ? -1 : end + 2;
            }
            else if (text.StartsWith("<!--", StringComparison.Ordinal))
            {
                end = text.IndexOf("-->", StringComparison.Ordinal);
                end = end < 0 ? -1 : end + 3;
            }
            else
            {
                return text;
            }

            if (end < 0)
            {
                return [];
            }

            text = text[end..].TrimStart();
        }
    }
}
