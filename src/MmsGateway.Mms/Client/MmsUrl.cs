using System.Text;

namespace MmsGateway.Mms.Client;

/// <summary>URL rules of the client: which protocols a scheme means (docs/protocol/rollover.md#s8.3) and where each one connects.</summary>
internal static class MmsUrl
{
    /// <summary>The URL without user-info, for messages, logs and <see cref="IMmsSession.Url"/>.</summary>
    public static Uri Redact(Uri url)
    {
        if (!url.IsAbsoluteUri || string.IsNullOrEmpty(url.UserInfo)) return url;
        var builder = new UriBuilder(url) { UserName = string.Empty, Password = string.Empty };
        return builder.Uri;
    }

    /// <summary>
    /// <c>mms://</c> rolls over in <see cref="MmsClientOptions.RolloverOrder"/>; <c>mmst://</c>, <c>mmsu://</c>,
    /// <c>mmsh://</c> pin one protocol; <c>http://</c> is MMSH (docs/protocol/rollover.md#s8.1 to docs/protocol/rollover.md#s8.3);
    /// <c>rtsp://</c> and <c>rtspt://</c> are MS-RTSP over TCP, <c>rtspu://</c> over UDP (docs/protocol/rtsp.md#s1). Null for other schemes.
    /// </summary>
    public static IReadOnlyList<MmsProtocol>? ProtocolsFor(Uri url, MmsClientOptions options) =>
        url.Scheme.ToLowerInvariant() switch
        {
            "mms" => options.RolloverOrder,
            "mmst" => [MmsProtocol.Mmst],
            "mmsu" => [MmsProtocol.Mmsu],
            "mmsh" or "http" => [MmsProtocol.Mmsh],
            "rtsp" or "rtspt" => [MmsProtocol.Rtspt],
            "rtspu" => [MmsProtocol.Rtspu],
            _ => null,
        };

    /// <summary>
    /// Host and port for one protocol: an explicit URL port is used by every protocol (as libmms does for
    /// <c>mms://host:port</c>); otherwise MMST/MMSU use <see cref="MmsClientOptions.DefaultMmstPort"/> (1755) and MMSH
    /// <see cref="MmsClientOptions.DefaultMmshPort"/> (80) (docs/protocol/conventions.md#s0 "Ports"), RTSP
    /// <see cref="MmsClientOptions.DefaultRtspPort"/> (554, docs/protocol/rtsp.md#s1.2).
    /// </summary>
    public static (string Host, int Port) Endpoint(Uri url, MmsProtocol protocol, MmsClientOptions options)
    {
        bool explicitPort = url.Port > 0 && !url.IsDefaultPort;
        int port = explicitPort ? url.Port
            : protocol switch
            {
                MmsProtocol.Mmsh => options.DefaultMmshPort,
                MmsProtocol.Rtspt or MmsProtocol.Rtspu => options.DefaultRtspPort,
                _ => options.DefaultMmstPort,
            };
        return (url.DnsSafeHost, port);
    }

    /// <summary>True for the MS-RTSP transports.</summary>
    public static bool IsRtsp(MmsProtocol protocol) => protocol is MmsProtocol.Rtspt or MmsProtocol.Rtspu;

    /// <summary>
    /// The RTSP URL of an attempt: <c>rtsp://host:port/path?query</c> with the URL's own host name and the port
    /// connected to, whatever the scheme was (<c>mms://</c> rolls over to RTSP with the same path, docs/protocol/rtsp.md#s1.1);
    /// user-info is left out (credentials go in Authorization, docs/protocol/rtsp.md#s8).
    /// </summary>
    public static string RtspUrl(Uri url, int port)
    {
        string host = url.HostNameType == UriHostNameType.IPv6 ? "[" + url.DnsSafeHost + "]" : url.DnsSafeHost;
        string target = url.PathAndQuery;
        if (string.IsNullOrEmpty(target)) target = "/";
        return $"rtsp://{host}:{port}{target}";
    }

    /// <summary>
    /// A redirect target: an absolute URL, or a reference relative to <paramref name="current"/> (the test origin sends
    /// <c>/other.wmv</c>; on Unix a bare path would otherwise parse as an absolute <c>file://</c> URI). Null when unusable.
    /// </summary>
    public static Uri? Resolve(Uri current, string? location)
    {
        if (string.IsNullOrWhiteSpace(location)) return null;
        location = location.Trim();
        if (location.Contains("://", StringComparison.Ordinal))
        {
            return Uri.TryCreate(location, UriKind.Absolute, out Uri? absolute) ? absolute : null;
        }

        return Uri.TryCreate(location, UriKind.Relative, out Uri? relative)
            && Uri.TryCreate(current, relative, out Uri? resolved)
            ? resolved
            : null;
    }

    public static string Format(string host, int port) => host.Contains(':', StringComparison.Ordinal)
        ? $"[{host}]:{port}"
        : $"{host}:{port}";

    /// <summary>HTTP Basic credentials (base64 of <c>user:password</c>) from the URL's user-info, or null.</summary>
    public static string? BasicCredentials(Uri url)
    {
        if (string.IsNullOrEmpty(url.UserInfo)) return null;
        string[] parts = url.UserInfo.Split(':', 2);
        string user = Uri.UnescapeDataString(parts[0]);
        string password = parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : string.Empty;
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password));
    }

    /// <summary>
    /// The MMST OpenFile fileName: the path without its leading '/', query kept, not percent-encoded
    /// (docs/protocol/mmst.md#s1.5.5).
    /// </summary>
    public static string MmstFileName(Uri url)
    {
        string path = Uri.UnescapeDataString(url.AbsolutePath) + Uri.UnescapeDataString(url.Query);
        return path.StartsWith('/') ? path[1..] : path;
    }

    /// <summary>The MMSH request target (the same path as the <c>mms://</c> URL, docs/protocol/mmsh.md#s2.1, docs/protocol/rollover.md#s8.3).</summary>
    public static string HttpTarget(Uri url)
    {
        string target = url.PathAndQuery;
        return string.IsNullOrEmpty(target) ? "/" : target;
    }
}
