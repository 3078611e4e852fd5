namespace MmsGateway.Mms.Playlists;

/// <summary>Which URLs are streams to connect to, as opposed to documents to fetch and sniff (docs/protocol/asx.md#s6, docs/protocol/rollover.md#s8).</summary>
public static class StreamUrls
{
    /// <summary>Schemes that always name a stream: the MMS family and RTSP (which we may not speak, but never fetch).</summary>
    private static readonly string[] StreamSchemes = ["mms", "mmst", "mmsu", "mmsh", "rtsp", "rtspt", "rtspu"];

    /// <summary>
    /// True for a URL that is a stream without fetching it: an mms://, mmst://, mmsu://, mmsh:// or rtsp* URL, or
    /// an http(s) URL with <c>?MSWMExt=</c>, which tells the client to stream it whatever its extension (docs/protocol/asx.md#s6.3).
    /// </summary>
    public static bool IsStream(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.IsAbsoluteUri && (StreamSchemes.Contains(url.Scheme) || HasMswmExt(url));
    }

    /// <summary>An http(s) URL whose query has an <c>MSWMExt</c> parameter (any value, any letter case).</summary>
    public static bool HasMswmExt(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            return false;
        }

        foreach (string parameter in url.Query.TrimStart('?').Split('&'))
        {
            if (parameter.StartsWith("MSWMExt=", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
