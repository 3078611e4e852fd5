using System.Net;
using System.Net.Sockets;
using MmsGateway.Mms.Client;

namespace MmsGateway.Streams;

/// <summary>
/// Which upstreams the gateway may open on someone else's behalf (server-side request forgery). A URL must
/// use a streaming scheme (no <c>file://</c>) and, for <c>/play</c>, name a host on <c>Gateway:AllowedHosts</c>
/// (<c>*.example.com</c> matches subdomains, <c>*</c> any host); every address its host resolves to must be a public
/// unicast address unless it is in <c>Gateway:Security:AllowedNetworks</c> or is itself written as an address on the
/// host list (listing <c>10.0.0.5</c> is as explicit as allowing <c>10.0.0.5/32</c>; a listed name is not, since
/// what it resolves to is not under the operator's control). The MMS client asks this for every hop
/// (playlist entries, redirects, NSC stations) and connects to the address it checked.
/// </summary>
public sealed class UpstreamAddressPolicy : IMmsEndpointPolicy
{
    private static readonly string[] Schemes = ["mms", "mmst", "mmsu", "mmsh", "http", "https", "rtsp", "rtspt", "rtspu"];

    /// <summary>Special-purpose IPv4 ranges (RFC 6890 and the cloud metadata address), most specific first.</summary>
    private static readonly (IPNetwork Network, string What)[] V4Blocked =
    [
        (IPNetwork.Parse("169.254.169.254/32"), "the cloud metadata address"),
        (IPNetwork.Parse("168.63.129.16/32"), "the Azure platform address"),
        (IPNetwork.Parse("0.0.0.0/8"), "an unspecified ('this network') address"),
        (IPNetwork.Parse("127.0.0.0/8"), "a loopback address"),
        (IPNetwork.Parse("10.0.0.0/8"), "a private (RFC 1918) address"),
        (IPNetwork.Parse("172.16.0.0/12"), "a private (RFC 1918) address"),
        (IPNetwork.Parse("192.168.0.0/16"), "a private (RFC 1918) address"),
        (IPNetwork.Parse("100.64.0.0/10"), "a carrier-grade NAT (RFC 6598) address"),
        (IPNetwork.Parse("169.254.0.0/16"), "a link-local address"),
        (IPNetwork.Parse("192.0.0.0/24"), "an IETF protocol assignment address"),
        (IPNetwork.Parse("192.0.2.0/24"), "a documentation address"),
        (IPNetwork.Parse("198.51.100.0/24"), "a documentation address"),
        (IPNetwork.Parse("203.0.113.0/24"), "a documentation address"),
        (IPNetwork.Parse("198.18.0.0/15"), "a benchmarking address"),
        (IPNetwork.Parse("224.0.0.0/4"), "a multicast address"),
        (IPNetwork.Parse("240.0.0.0/4"), "a reserved address"),
    ];

    private static readonly (IPNetwork Network, string What)[] V6Blocked =
    [
        (IPNetwork.Parse("fd00:ec2::254/128"), "the cloud metadata address"),
        (IPNetwork.Parse("::1/128"), "a loopback address"),
        (IPNetwork.Parse("::/128"), "an unspecified address"),
        (IPNetwork.Parse("fe80::/10"), "a link-local address"),
        (IPNetwork.Parse("fec0::/10"), "a site-local address"),
        (IPNetwork.Parse("fc00::/7"), "a unique local (private) address"),
        (IPNetwork.Parse("ff00::/8"), "a multicast address"),
        (IPNetwork.Parse("2001:db8::/32"), "a documentation address"),
        (IPNetwork.Parse("100::/64"), "a discard-only address"),
        (IPNetwork.Parse("::/96"), "an IPv4-compatible address"),
    ];

    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");

    private readonly IReadOnlyList<string>? _allowedHosts;
    private readonly IReadOnlyList<IPNetwork> _allowedNetworks;
    private readonly HashSet<IPAddress> _listedAddresses;

    /// <param name="allowedHosts">Host names (or <c>*.suffix</c>, <c>*</c>) a URL may name; null: any host.</param>
    /// <param name="allowedNetworks">Networks allowed although special-purpose.</param>
    public UpstreamAddressPolicy(IReadOnlyList<string>? allowedHosts, IReadOnlyList<IPNetwork> allowedNetworks)
    {
        _allowedHosts = allowedHosts;
        _allowedNetworks = allowedNetworks;
        _listedAddresses = (allowedHosts ?? []).Select(h => IPAddress.TryParse(h.Trim().Trim('[', ']'), out var a) ? a : null)
            .OfType<IPAddress>().Select(a => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a).ToHashSet();
    }

    public string? CheckUrl(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri || !Schemes.Contains(url.Scheme, StringComparer.OrdinalIgnoreCase))
            return $"the scheme '{(url.IsAbsoluteUri ? url.Scheme : "relative")}' may not be opened";
        var host = url.IdnHost.Trim('[', ']');
        if (host.Length == 0) return "the URL has no host";
        if (_allowedHosts is not null && !IsAllowedHost(host, _allowedHosts))
            return $"host '{host}' is not in Gateway:AllowedHosts";
        return IPAddress.TryParse(host, out var literal) ? CheckAddress(url, literal) : null;
    }

    public string? CheckAddress(Uri url, IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (_listedAddresses.Contains(address)) return null;
        foreach (var network in _allowedNetworks)
            if (network.BaseAddress.AddressFamily == address.AddressFamily && network.Contains(address)) return null;
        return Classify(address) is { } what ? $"{address} is {what} (allow it with Gateway:Security:AllowedNetworks)" : null;
    }

    /// <summary>What special-purpose range <paramref name="address"/> is in, or null for a public unicast address.</summary>
    public static string? Classify(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            if (address.Equals(IPAddress.Broadcast)) return "the broadcast address";
            foreach (var (network, what) in V4Blocked)
                if (network.Contains(address)) return what;
            return null;
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return "not an IP address";
        foreach (var (network, what) in V6Blocked)
            if (network.Contains(address)) return what;
        // Translated and tunnelled IPv4 (NAT64, 6to4) reach the IPv4 address inside: judge that one.
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        if (Nat64.Contains(address)) return Inner(new IPAddress(bytes[12..]), "NAT64");
        if (SixToFour.Contains(address)) return Inner(new IPAddress(bytes[2..6]), "6to4");
        return null;
    }

    private static string? Inner(IPAddress v4, string via) => Classify(v4) is { } what ? $"{what} ({via} of {v4})" : null;

    public static bool IsAllowedHost(string host, IReadOnlyList<string> allowed)
    {
        foreach (var pattern in allowed)
        {
            var p = pattern.Trim().TrimEnd('.');
            if (p == "*") return true;
            if (p.StartsWith("*.", StringComparison.Ordinal))
            {
                if (host.EndsWith(p[1..], StringComparison.OrdinalIgnoreCase) && host.Length > p.Length - 1) return true;
            }
            else if (string.Equals(host.TrimEnd('.'), p.Trim('[', ']'), StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }
}
