using System.Globalization;

namespace MmsGateway.Mms.Mmst;

/// <summary>
/// The Connect subscriberName <c>NSPlayer/&lt;version&gt;; {client-GUID}[; Host: host[:port]]</c>
/// (docs/protocol/mmst.md#s1.5.1, MS-MMSP 2.2.4.17). The GUID is kept as an opaque string: vlc sends a non-registry form
/// (<c>{0xbabac001-0x11d9-…}</c>), and ffmpeg, libmms and mplayer share one fixed GUID (docs/protocol/interop.md#s10.24).
/// </summary>
public sealed record MmstSubscriberName(string Product, Version? Version, string? ClientGuid, string? Host)
{
    /// <summary>Never throws: whatever a client sends, the parts that are recognisable are picked out.</summary>
    public static MmstSubscriberName Parse(string subscriberName)
    {
        ArgumentNullException.ThrowIfNull(subscriberName);
        string? guid = null;
        string? host = null;
        string[] parts = subscriberName.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        string productToken = parts.Length > 0 ? parts[0] : string.Empty;
        foreach (string part in parts.AsSpan(Math.Min(1, parts.Length)))
        {
            if (part.StartsWith('{') && guid is null)
            {
                guid = part;
            }
            else if (part.StartsWith("Host:", StringComparison.OrdinalIgnoreCase) && host is null)
            {
                host = part["Host:".Length..].Trim();
            }
        }

        ProductToken.Split(productToken, out string product, out Version? version);
        return new MmstSubscriberName(product, version, guid, host);
    }

    /// <summary>The text a client sends, e.g. <c>NSPlayer/7.0.0.1956; {GUID}; Host: 127.0.0.1</c>.</summary>
    public string Format()
    {
        string text = Version is null
            ? Product
            : string.Create(CultureInfo.InvariantCulture, $"{Product}/{Version}");
        if (ClientGuid is not null)
        {
            text += "; " + ClientGuid;
        }

        if (Host is not null)
        {
            text += "; Host: " + Host;
        }

        return text;
    }
}

/// <summary><c>Name/1.2.3.4</c> product tokens of subscriberName (MMST) and User-Agent (MMSH, docs/protocol/mmsh.md#s2.3).</summary>
internal static class ProductToken
{
    public static void Split(string token, out string name, out Version? version)
    {
        int end = token.AsSpan().IndexOfAny(' ', ';', '(');
        string first = end < 0 ? token : token[..end];
        int slash = first.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            name = first;
            version = null;
            return;
        }

        name = first[..slash];
        version = ParseVersion(first.AsSpan(slash + 1));
    }

    /// <summary>major.minor[.build[.revision]]; a one-part version reads as major.0; junk gives null.</summary>
    public static Version? ParseVersion(ReadOnlySpan<char> text)
    {
        Span<int> parts = stackalloc int[4];
        int count = 0;
        foreach (Range range in text.Split('.'))
        {
            if (count == parts.Length
                || !int.TryParse(text[range], NumberStyles.None, CultureInfo.InvariantCulture, out parts[count]))
            {
                return null;
            }

            count++;
        }

        return count switch
        {
            1 => new Version(parts[0], 0),
            2 => new Version(parts[0], parts[1]),
            3 => new Version(parts[0], parts[1], parts[2]),
            4 => new Version(parts[0], parts[1], parts[2], parts[3]),
            _ => null,
        };
    }
}
