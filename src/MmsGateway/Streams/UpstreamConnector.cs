using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MmsGateway.Adaptation;
using MmsGateway.Mms.Client;
using MmsGateway.Observability;
using MmsGateway.Mms.Playlists;
using MmsGateway.Proxy;

namespace MmsGateway.Streams;

/// <summary>
/// Opens upstream sessions for a stream: turns its configuration into client options (rollover order, deadlines,
/// initial stream selection, playlist limits), resolves a YARP cluster to a healthy destination, and counts every
/// attempt. Every session holds a permit of <see cref="UpstreamSessionLimit"/> until disposed. Ad-hoc URLs
/// (<c>/play</c>), and configured streams when <c>Gateway:Security:CheckConfiguredStreams</c> is on, are held to
/// the <see cref="UpstreamAddressPolicy"/> on every hop.
/// </summary>
public sealed partial class UpstreamConnector(
    IOptions<GatewayOptions> options, UpstreamRules rules, UpstreamSessionLimit sessions, GatewayMetrics metrics,
    ClusterDestinationResolver clusters, ILogger<UpstreamConnector> logger)
{
    private readonly UpstreamAddressPolicy _adHocPolicy = new(options.Value.AllowedHosts, rules.AllowedNetworks);
    private readonly UpstreamAddressPolicy _configuredPolicy = new(null, rules.AllowedNetworks);

    /// <summary>
    /// An ad-hoc upstream (<c>GET /play?url=</c>): its host must be on <c>Gateway:AllowedHosts</c>, and every host
    /// and address it leads to is checked. Throws <see cref="MmsClientException"/> (with
    /// <see cref="MmsEndpointRefusedException"/> inside when the policy refused).
    /// </summary>
    public Task<IMmsSession> ConnectAdHocAsync(string name, Uri url, CancellationToken cancellationToken) =>
        ConnectAsync(name, new StreamOptions { Source = url.AbsoluteUri }, null, _adHocPolicy, null, cancellationToken);

    /// <summary>
    /// Connects to a configured stream's source. <paramref name="initialSelection"/> chooses the streams to play from
    /// the header (smart streaming's first step); without it, what fits the stream's <c>MaxBitrate</c>.
    /// </summary>
    public Task<IMmsSession> ConnectAsync(string streamName, StreamOptions stream, TimeSpan? start, CancellationToken cancellationToken,
        Func<Asf.AsfHeader, IReadOnlyList<StreamSelection>>? initialSelection = null) =>
        ConnectAsync(streamName, stream, start, rules.CheckConfiguredStreams ? _configuredPolicy : null, initialSelection, cancellationToken);

    private async Task<IMmsSession> ConnectAsync(string streamName, StreamOptions stream, TimeSpan? start, IMmsEndpointPolicy? policy,
        Func<Asf.AsfHeader, IReadOnlyList<StreamSelection>>? initialSelection, CancellationToken cancellationToken)
    {
        var global = options.Value;
        var url = new Uri(stream.Source);
        if (stream.Cluster is { } cluster) url = clusters.Resolve(cluster, url);
        var clientOptions = new MmsClientOptions
        {
            ConnectTimeout = global.ConnectTimeout,
            HandshakeTimeout = global.HandshakeTimeout,
            ReadTimeout = global.ReadTimeout,
            ReceiveBatchWindow = global.UpstreamReceiveBatch,
            InitialSelection = initialSelection ?? (header => UpstreamSelection.Choose(header, stream.MaxBitrate)),
            EndpointPolicy = policy,
            MaxPlaylistSize = rules.MaxPlaylistBytes,
            PlaylistLimits = PlaylistResolverOptions.Default with { MaxDepth = rules.MaxPlaylistDepth, MaxEntries = rules.MaxPlaylistEntries },
        };
        if (stream.Protocols is { Count: > 0 } order)
            clientOptions.RolloverOrder = order.Select(p => Enum.Parse<MmsProtocol>(p, ignoreCase: true)).ToList();

        var lease = sessions.Acquire();
        MmsConnectResult result;
        try
        {
            result = await MmsConnector.ConnectAsync(url, clientOptions, logger, cancellationToken).ConfigureAwait(false);
        }
        catch (MmsClientException e)
        {
            lease.Dispose();
            metrics.UpstreamConnectFailed(streamName, Protocol(url), e.Kind.ToString().ToLowerInvariant());
            throw;
        }
        catch
        {
            lease.Dispose();
            throw;
        }
        foreach (var attempt in result.Attempts.Where(a => a.Outcome != MmsConnectOutcome.Connected))
            metrics.UpstreamConnectFailed(streamName, attempt.Protocol.ToString().ToLowerInvariant(),
                attempt.ErrorKind?.ToString().ToLowerInvariant() ?? attempt.Outcome.ToString().ToLowerInvariant());
        var session = UpstreamSessionLimit.Hold(result.Session, lease);
        if (start is { } position && position > TimeSpan.Zero && !session.IsBroadcast)
        {
            try
            {
                await session.SeekAsync(position, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await session.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
        LogConnected(logger, streamName, session.Protocol, LogRedaction.Url(session.Url));
        return session;
    }

    private static string Protocol(Uri url) => url.Scheme.ToLowerInvariant();

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream {Stream}: connected over {Protocol} to {Url}")]
    private static partial void LogConnected(ILogger logger, string stream, MmsProtocol protocol, string url);
}
