using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace MmsGateway.Proxy;

/// <summary>
/// Picks the upstream server of a stream from a YARP cluster: YARP's active and passive health checks decide which
/// destinations are available, and the first available one by destination id (name them "1-primary",
/// "2-standby" ... so a standby is used only when the primary is unhealthy) replaces the host and port of the stream's source URL, keeping its scheme and
/// path.
/// </summary>
public sealed class ClusterDestinationResolver(IProxyStateLookup proxyState)
{
    public Uri Resolve(string clusterId, Uri source)
    {
        if (!proxyState.TryGetCluster(clusterId, out var cluster))
            throw new InvalidOperationException($"YARP cluster '{clusterId}' is not configured (ReverseProxy:Clusters:{clusterId})");
        var destinations = cluster.DestinationsState?.AvailableDestinations ?? [];
        if (destinations.Count == 0) destinations = cluster.DestinationsState?.AllDestinations ?? [];
        var destination = destinations
            .OrderBy(d => d.DestinationId, StringComparer.Ordinal)
            .FirstOrDefault() ?? throw new InvalidOperationException($"YARP cluster '{clusterId}' has no destination");
        var address = new Uri(destination.Model.Config.Address);
        return new UriBuilder(source) { Host = address.Host, Port = address.IsDefaultPort ? source.Port : address.Port }.Uri;
    }
}
