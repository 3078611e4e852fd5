using System.Net;
using Microsoft.Extensions.Options;

namespace MmsGateway.Security;

/// <summary>
/// <c>Gateway:Security</c>: who may reach which upstream, viewer URL signing, the administrative API key, and the
/// limits that keep one client or one stream from taking the whole gateway (README "Security").
/// </summary>
public sealed class SecurityOptions
{
    public const string Section = "Gateway:Security";

    /// <summary>
    /// Networks (CIDR, e.g. <c>10.20.0.0/16</c>, or one address) an upstream may be in although the address policy
    /// forbids them otherwise (loopback, private, link-local, CGNAT, ULA, multicast...).
    /// </summary>
    public List<string> AllowedNetworks { get; set; } = [];

    /// <summary>
    /// Configured streams are trusted (the operator wrote them). True: they, and everything their playlists and
    /// redirects reach, are held to the same address rules as <c>/play</c> (the host list still applies only to
    /// <c>/play</c>).
    /// </summary>
    public bool CheckConfiguredStreams { get; set; }

    /// <summary>
    /// Keys of signed viewer URLs (<c>?exp=&amp;sig=</c>). Empty: viewer URLs are open. The first signs (CLI
    /// <c>sign</c>), every one verifies, so a new key can be put first and the old one removed after the longest TTL.
    /// </summary>
    public List<string> ViewerKeys { get; set; } = [];

    /// <summary>
    /// API key of the administrative endpoints (<c>/admin/*</c>, <c>/metrics</c>, <c>/streams</c>, <c>/</c>), sent as
    /// <c>X-Api-Key</c> or <c>Authorization: Bearer</c>. Null: those stay open.
    /// </summary>
    public string? AdminApiKey { get; set; }

    /// <summary>Viewers of one stream at once (<c>live.asf</c>, MS-WMSP, <c>/play</c>); more get HTTP 503.</summary>
    public int MaxViewersPerStream { get; set; } = 1000;

    /// <summary>Upstream sessions at once, all streams together; a new one beyond gets HTTP 503.</summary>
    public int MaxUpstreamSessions { get; set; } = 64;

    /// <summary>
    /// Requests in progress from one client address (an open stream counts until it ends); more get HTTP 429. Generous
    /// by default: offices and carrier-grade NAT put many real viewers behind one address; it stops one address from
    /// taking all of <see cref="MaxConcurrentConnections"/>.
    /// </summary>
    public int MaxConcurrentRequestsPerClient { get; set; } = 256;

    /// <summary>
    /// Reverse proxies (CIDR or address, e.g. the ingress) whose <c>X-Forwarded-For</c> is believed, so the limits per
    /// client address see the viewer, not the proxy. Empty: the connection's address is the client's.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>Kestrel: open connections in total (null: unlimited).</summary>
    public long? MaxConcurrentConnections { get; set; } = 10_000;

    /// <summary>Kestrel: all request header bytes (HTTP 431 beyond).</summary>
    public int MaxRequestHeadersTotalSize { get; set; } = 32 * 1024;

    /// <summary>Kestrel: the request line (HTTP 414 beyond).</summary>
    public int MaxRequestLineSize { get; set; } = 8 * 1024;

    /// <summary>Kestrel: a request body (HTTP 413 beyond); the gateway itself only takes small MS-WMSP posts.</summary>
    public long MaxRequestBodySize { get; set; } = 1024 * 1024;

    /// <summary>How deep ASX ENTRYREFs may nest (docs/protocol/asx.md#s6.2; WMP 9 follows 5).</summary>
    public int MaxPlaylistDepth { get; set; } = 5;

    /// <summary>Largest playlist document fetched (ASX, <c>[Reference]</c>, NSC).</summary>
    public int MaxPlaylistBytes { get; set; } = 256 * 1024;

    /// <summary>Most entries a resolved playlist may have.</summary>
    public int MaxPlaylistEntries { get; set; } = 1000;

    /// <summary><see cref="AllowedNetworks"/> parsed (valid after validation).</summary>
    public IReadOnlyList<IPNetwork> ParsedAllowedNetworks() =>
        AllowedNetworks.Select(n => TryParseNetwork(n, out var network) ? network : throw new FormatException(n)).ToList();

    /// <summary>What the upstream connector applies to every session (valid after validation).</summary>
    public Streams.UpstreamRules UpstreamRules() =>
        new(ParsedAllowedNetworks(), CheckConfiguredStreams, MaxPlaylistDepth, MaxPlaylistBytes, MaxPlaylistEntries);

    /// <summary>A CIDR or a single address (as /32 or /128).</summary>
    public static bool TryParseNetwork(string text, out IPNetwork network)
    {
        text = text.Trim();
        if (IPNetwork.TryParse(text, out network)) return true;
        if (IPAddress.TryParse(text, out var address))
        {
            network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }
        return false;
    }
}

/// <summary>Validates <see cref="SecurityOptions"/> at start; each failure names its key.</summary>
public sealed class SecurityOptionsValidator : IValidateOptions<SecurityOptions>
{
    /// <summary>Shortest key accepted: 32 characters (HMAC-SHA256 keys shorter than the hash weaken it).</summary>
    public const int MinKeyLength = 32;

    public ValidateOptionsResult Validate(string? name, SecurityOptions options)
    {
        var failures = new List<string>();
        const string key = "Gateway:Security";
        foreach (var network in options.AllowedNetworks)
            if (!SecurityOptions.TryParseNetwork(network, out _)) failures.Add($"{key}:AllowedNetworks: '{network}' is not a CIDR (e.g. 10.0.0.0/8) or an address");
        foreach (var proxy in options.TrustedProxies)
            if (!SecurityOptions.TryParseNetwork(proxy, out _)) failures.Add($"{key}:TrustedProxies: '{proxy}' is not a CIDR or an address");
        for (var i = 0; i < options.ViewerKeys.Count; i++)
            if (options.ViewerKeys[i] is not { Length: >= MinKeyLength })
                failures.Add($"{key}:ViewerKeys:{i} must be at least {MinKeyLength} characters");
        if (!string.IsNullOrEmpty(options.AdminApiKey) && options.AdminApiKey.Length < MinKeyLength)
            failures.Add($"{key}:AdminApiKey must be at least {MinKeyLength} characters");
        AtLeast(failures, $"{key}:MaxViewersPerStream", options.MaxViewersPerStream, 1);
        AtLeast(failures, $"{key}:MaxUpstreamSessions", options.MaxUpstreamSessions, 1);
        AtLeast(failures, $"{key}:MaxConcurrentRequestsPerClient", options.MaxConcurrentRequestsPerClient, 1);
        if (options.MaxConcurrentConnections is < 1) failures.Add($"{key}:MaxConcurrentConnections must be at least 1 (or absent)");
        AtLeast(failures, $"{key}:MaxRequestHeadersTotalSize", options.MaxRequestHeadersTotalSize, 1024);
        AtLeast(failures, $"{key}:MaxRequestLineSize", options.MaxRequestLineSize, 256);
        if (options.MaxRequestBodySize < 0) failures.Add($"{key}:MaxRequestBodySize must not be negative");
        if (options.MaxPlaylistDepth is < 0 or > 20) failures.Add($"{key}:MaxPlaylistDepth must be between 0 and 20");
        AtLeast(failures, $"{key}:MaxPlaylistBytes", options.MaxPlaylistBytes, 4096);
        AtLeast(failures, $"{key}:MaxPlaylistEntries", options.MaxPlaylistEntries, 1);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void AtLeast(List<string> failures, string key, long value, long minimum)
    {
        if (value < minimum) failures.Add($"{key} must be at least {minimum}");
    }
}
