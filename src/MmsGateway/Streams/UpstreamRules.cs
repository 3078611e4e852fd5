using System.Net;

namespace MmsGateway.Streams;

/// <summary>
/// What <c>Gateway:Security</c> asks of every upstream session the <see cref="UpstreamConnector"/> opens (README
/// "Security"): the networks an upstream may be in although private, whether configured streams are held to the
/// address rules, and how far playlists may lead. Filled from the security options where the host is wired, so the
/// connector (and with it every hub) does not depend on the Security feature that in turn reads the streams.
/// </summary>
public sealed record UpstreamRules(
    IReadOnlyList<IPNetwork> AllowedNetworks,
    bool CheckConfiguredStreams,
    int MaxPlaylistDepth,
    int MaxPlaylistBytes,
    int MaxPlaylistEntries);
