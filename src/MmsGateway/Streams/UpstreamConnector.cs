using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MmsGateway.Adaptation;
using MmsGateway.Mms.Client;
using MmsGateway.Observability;
using MmsGateway.Proxy;

namespace MmsGateway.Streams;

/// <summary>
/// Opens upstream sessions for a stream: turns its configuration into client options (rollover order, deadlines,
/// initial stream selection), resolves a YARP cluster to a healthy destination, and counts every attempt.
/// </summary>
public sealed partial class UpstreamConnector(
    IOptions<GatewayOptions> options, GatewayMetrics metrics, ClusterDestinationResolver clusters, ILogger<UpstreamConnector> logger)
{
    /// <summary>
    /// Connects to the stream's source. <paramref name="initialSelection"/> chooses the streams to play from the header
    /// (smart streaming's first step); without it, what fits the stream's <c>MaxBitrate</c>.
    /// </summary>
    public async Task<IMmsSession> ConnectAsync(string streamName, StreamOptions stream, TimeSpan? start, CancellationToken cancellationToken,
        Func<Asf.AsfHeader, IReadOnlyList<StreamSelection>>? initialSelection = null)
    {
        var global = options.Value;
        var url = new Uri(stream.Source);
        if (stream.Cluster is { } cluster) url = clusters.Resolve(cluster, url);
        var clientOptions = new MmsClientOptions
        {
            ConnectTimeout = global.ConnectTimeout,
            HandshakeTimeout = global.HandshakeTimeout,
            ReadTimeout = global.ReadTimeout,
            InitialSelection = initialSelection ?? (header => UpstreamSelection.Choose(header, stream.MaxBitrate)),
        };
        if (stream.Protocols is { Count: > 0 } order)
            clientOptions.RolloverOrder = order.Select(p => Enum.Parse<MmsProtocol>(p, ignoreCase: true)).ToList();

        MmsConnectResult result;
        try
        {
            result = await MmsConnector.ConnectAsync(url, clientOptions, logger, cancellationToken).ConfigureAwait(false);
        }
        catch (MmsClientException e)
        {
            metrics.UpstreamConnectFailed(streamName, Protocol(url), e.Kind.ToString().ToLowerInvariant());
            throw;
        }
        foreach (var attempt in result.Attempts.Where(a => a.Outcome != MmsConnectOutcome.Connected))
            metrics.UpstreamConnectFailed(streamName, attempt.Protocol.ToString().ToLowerInvariant(),
                attempt.ErrorKind?.ToString().ToLowerInvariant() ?? attempt.Outcome.ToString().ToLowerInvariant());
        var session = result.Session;
        if (start is { } position && position > TimeSpan.Zero && !session.IsBroadcast)
            await session.SeekAsync(position, cancellationToken).ConfigureAwait(false);
        LogConnected(logger, streamName, session.Protocol, LogRedaction.Url(session.Url));
        return session;
    }

    private static string Protocol(Uri url) => url.Scheme.ToLowerInvariant();

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream {Stream}: connected over {Protocol} to {Url}")]
    private static partial void LogConnected(ILogger logger, string stream, MmsProtocol protocol, string url);
}
