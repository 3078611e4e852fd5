using System.Text;
using System.Text.Unicode;

namespace MmsGateway.Mms.Playlists;

/// <summary>
/// Turns metafile bytes into text and HREF strings into absolute URIs, the same way for every parser here.
/// Metafiles come in whatever the authoring tool wrote: UTF-8 with or without BOM, UTF-16 with a BOM (WMP saves
/// Unicode ASX that way), or an 8-bit code page; bytes that are not valid UTF-8 are read as Latin-1 so that
/// nothing fails on a stray accented title.
/// </summary>
internal static class PlaylistText
{
    /// <summary>Largest metafile accepted (ASX, [Reference], one-line redirector): 1 MiB.</summary>
    public const int MaxDocumentBytes = 1 << 20;

    public static string Decode(ReadOnlySpan<byte> bytes, int maxBytes, string what)
    {
        if (bytes.Length > maxBytes)
        {
            throw new PlaylistFormatException($"{what} is {bytes.Length} bytes, more than the {maxBytes} accepted.");
        }

        return DecodePrefix(bytes);
    }

    /// <summary>Decodes without a size check (callers pass a bounded prefix or have checked the size).</summary>
    public static string DecodePrefix(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            return Encoding.UTF8.GetString(bytes[3..]);
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            return Encoding.Unicode.GetString(bytes[2..]);
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            return Encoding.BigEndianUnicode.GetString(bytes[2..]);
        }

        // UTF-16 without a BOM: every metafile starts with an ASCII character ('<', '[', 'A', white space).
        if (bytes.Length >= 2 && bytes[0] != 0 && bytes[1] == 0)
        {
            return Encoding.Unicode.GetString(bytes);
        }

        if (bytes.Length >= 2 && bytes[0] == 0 && bytes[1] != 0)
        {
            return Encoding.BigEndianUnicode.GetString(bytes);
        }

        return Utf8.IsValid(bytes) ? Encoding.UTF8.GetString(bytes) : Encoding.Latin1.GetString(bytes);
    }

    public static void CheckLength(string text, int maxChars, string what)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > maxChars)
        {
            throw new PlaylistFormatException($"{what} is {text.Length} characters, more than the {maxChars} accepted.");
        }
    }

    /// <summary>
    /// Resolves an HREF against the document's URL (docs/protocol/asx.md#s6.2: relative HREFs resolve against the metafile
    /// URL or the ENTRYREF HREF). Returns null for an empty or unusable HREF. An HREF counts as absolute only when
    /// it starts with a scheme: .NET on Linux would otherwise read "/path" as file:///path.
    /// </summary>
    public static Uri? ResolveHref(string? href, Uri baseUri)
    {
        if (href is null)
        {
            return null;
        }

        href = href.Trim();
        if (href.Length == 0)
        {
            return null;
        }

        if (HasScheme(href))
        {
            return Uri.TryCreate(href, UriKind.Absolute, out Uri? absolute) ? absolute : null;
        }

        return Uri.TryCreate(href, UriKind.Relative, out Uri? relative)
            && Uri.TryCreate(baseUri, relative, out Uri? resolved)
                ? resolved
                : null;
    }

    public static void CheckBaseUri(Uri baseUri)
    {
        ArgumentNullException.ThrowIfNull(baseUri);
        if (!baseUri.IsAbsoluteUri)
        {
            throw new ArgumentException($"The base URI must be absolute, not '{baseUri}'.", nameof(baseUri));
        }
    }

    /// <summary>1-based line of a character offset, for a one-off message (counts from the start).</summary>
    public static int LineOf(string text, int offset)
    {
        offset = Math.Clamp(offset, 0, text.Length);
        return text.AsSpan(0, offset).Count('\n') + 1;
    }

    /// <summary>Shortens a value quoted in a message, so that messages stay small whatever the input.</summary>
    public static string Excerpt(string value, int maxLength = 80) =>
        value.Length <= maxLength ? value : string.Concat(value.AsSpan(0, maxLength), "...");

    /// <summary>Splits on LF, CRLF or a lone CR.</summary>
    public static IEnumerable<(int Number, string Line)> Lines(string text)
    {
        int number = 1;
        int start = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c != '\n' && c != '\r')
            {
                continue;
            }

            yield return (number++, text[start..i]);
            if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                i++;
            }

            start = i + 1;
        }

        if (start < text.Length)
        {
            yield return (number, text[start..]);
        }
    }

    /// <summary>Drops a leading byte-order mark and white space.</summary>
    public static ReadOnlySpan<char> TrimStartOfDocument(ReadOnlySpan<char> text) => text.TrimStart('\uFEFF').TrimStart();

    private static bool HasScheme(string href)
    {
        if (!char.IsAsciiLetter(href[0]))
        {
            return false;
        }

        for (int i = 1; i < href.Length; i++)
        {
            char c = href[i];
            if (c == ':')
            {
                return true;
            }

            if (!char.IsAsciiLetterOrDigit(c) && c != '+' && c != '-' && c != '.')
            {
                return false;
            }
        }

        return false;
    }
}
