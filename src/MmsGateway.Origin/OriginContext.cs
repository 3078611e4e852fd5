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

    /// <summary>Multicast stations by live name, whose <c>.nsc</c> files the HTTP port serves.</summary>
    public Dictionary<string, MulticastSender> Stations { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The MMST port actually listened on, for unicast fall-back URLs (-1 when none).</summary>
    public int MmstPort { get; set; } = -1;

    public OriginFaults Faults
    {
        get => Volatile.Read(ref _faults);
        set => Volatile.Write(ref _faults, value);
    }

    /// <summary>Session ids (MMSH client-id, MMST nCubs): random and unique enough to not be guessed across sessions.</summary>
    public static uint NewSessionId() => (uint)Random.Shared.Next(1, int.MaxValue);
}
