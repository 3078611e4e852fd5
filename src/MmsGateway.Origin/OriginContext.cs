using Microsoft.Extensions.Logging;
using MmsGateway.Origin.Media;
using MmsGateway.Origin.Shaping;

namespace MmsGateway.Origin;

/// <summary>What every session of the origin shares: media, settings, the live-adjustable cap and faults.</summary>
internal sealed class OriginContext(OriginOptions options, OriginCatalog catalog, TimeProvider time, ILoggerFactory loggers)
{
    private OriginFaults _faults = options.Faults;

    public OriginOptions Options { get; } = options;
    public OriginCatalog Catalog { get; } = catalog;
    public TimeProvider Time { get; } = time;
    public ILoggerFactory Loggers { get; } = loggers;
    public ThroughputCap Cap { get; } = new(options.RateBps);

    public OriginFaults Faults
    {
        get => Volatile.Read(ref _faults);
        set => Volatile.Write(ref _faults, value);
    }

    /// <summary>Session ids (MMSH client-id, MMST nCubs): random and unique enough to not be guessed across sessions.</summary>
    public static uint NewSessionId() => (uint)Random.Shared.Next(1, int.MaxValue);
}
