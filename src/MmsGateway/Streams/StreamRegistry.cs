using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MmsGateway.Observability;

namespace MmsGateway.Streams;

/// <summary>
/// The configured streams: one <see cref="StreamHub"/> per live stream, created at start (always-on hubs connect at
/// once, the others on their first viewer); on-demand streams have no hub, each viewer gets its own session. Every
/// hub's ring carries the <see cref="RingSlotPrefix"/> the host was wired with.
/// </summary>
public sealed class StreamRegistry(
    IOptions<GatewayOptions> options, UpstreamConnector connector, RingSlotPrefix slotPrefix, GatewayMetrics metrics, ILoggerFactory loggers,
    TimeProvider time)
    : IHostedService, IAsyncDisposable
{
    private readonly Dictionary<string, StreamHub> _hubs = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyDictionary<string, StreamOptions> Streams => options.Value.Streams;

    public UpstreamConnector Connector => connector;

    public StreamHub? Hub(string name) => _hubs.GetValueOrDefault(name);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var (name, stream) in options.Value.Streams)
        {
            if (stream.OnDemand) continue;
            var hub = new StreamHub(name, stream, connector, slotPrefix, options.Value, metrics, loggers.CreateLogger($"MmsGateway.Streams.StreamHub.{name}"), time);
            _hubs[name] = hub;
            hub.Start();
        }
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync().ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        foreach (var hub in _hubs.Values) await hub.DisposeAsync().ConfigureAwait(false);
        _hubs.Clear();
    }
}
