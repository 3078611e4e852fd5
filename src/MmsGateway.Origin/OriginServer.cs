using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MmsGateway.Origin.Media;
using MmsGateway.Origin.Mmsh;
using MmsGateway.Origin.Mmst;
using MmsGateway.Origin.Mmsu;
using MmsGateway.Origin.Rtsp;

namespace MmsGateway.Origin;

/// <summary>
/// The MMS origin server: on-demand files and live loops over MMST (TCP), MMSU (UDP data), MMSH (HTTP) and MS-RTSP, with
/// a throughput cap and fault injection that can be changed while it runs (admin routes on the HTTP port:
/// <c>/_admin/rate?bps=N</c>, <c>/_admin/faults?...</c>, <c>/_admin/status</c>).
/// </summary>
public sealed partial class OriginServer : IAsyncDisposable
{
    private readonly OriginContext _context;
    private readonly MmstServer? _mmst;
    private readonly MmshServer? _mmsh;
    private readonly MmsuChannel? _mmsu;
    private readonly RtspServer? _rtsp;
    private readonly ILogger _logger;

    private OriginServer(OriginContext context, MmstServer? mmst, MmshServer? mmsh, MmsuChannel? mmsu, RtspServer? rtsp)
    {
        _rtsp = rtsp;
        _context = context;
        _mmst = mmst;
        _mmsh = mmsh;
        _mmsu = mmsu;
        _logger = context.Loggers.CreateLogger<OriginServer>();
    }

    /// <summary>The MMST port (-1 when disabled or refused).</summary>
    public int MmstPort => _mmst?.Port ?? -1;

    /// <summary>The MMSH port (-1 when disabled or refused).</summary>
    public int HttpPort => _mmsh?.Port ?? -1;

    /// <summary>The MMSU resend-request port (-1 when disabled).</summary>
    public int UdpPort => _mmsu?.Port ?? -1;

    /// <summary>The MS-RTSP port (-1 when disabled or refused).</summary>
    public int RtspPort => _rtsp?.Port ?? -1;

    /// <summary>RTP packets sent again over UDP because a client's NACK on the rtx stream asked for them.</summary>
    public long RtspRetransmitted => _rtsp?.Retransmitted ?? 0;

    public OriginOptions Options => _context.Options;

    /// <summary>Per-session cap in bits per second (0 = none); takes effect at once in running sessions.</summary>
    public long RateBps
    {
        get => _context.Cap.BitsPerSecond;
        set => _context.Cap.BitsPerSecond = value;
    }

    public OriginFaults Faults
    {
        get => _context.Faults;
        set => _context.Faults = value;
    }

    /// <summary>MMSU datagrams dropped on purpose and datagrams sent again on request.</summary>
    public (long Dropped, long Resent) UdpCounters => (_mmsu?.Dropped ?? 0, _mmsu?.Resent ?? 0);

    /// <summary>
    /// RTSP's RTP datagrams over UDP dropped on purpose (<see cref="OriginOptions.UdpLossPercent"/>) and RTP packets
    /// sent again answering a NACK (docs/protocol/rtsp.md#s7.1), as <see cref="UdpCounters"/> are MMSU's.
    /// </summary>
    public (long Dropped, long Resent) RtspUdpCounters => (_rtsp?.Dropped ?? 0, _rtsp?.Retransmitted ?? 0);

    public static Task<OriginServer> StartAsync(OriginOptions options, ILoggerFactory? loggers = null, TimeProvider? time = null)
    {
        options.Validate();
        loggers ??= NullLoggerFactory.Instance;
        time ??= TimeProvider.System;
        var catalog = new OriginCatalog(options, time, loggers);
        var context = new OriginContext(options, catalog, time, loggers);
        var faults = options.Faults;

        MmsuChannel? mmsu = null;
        MmstServer? mmst = null;
        MmshServer? mmsh = null;
        RtspServer? rtsp = null;
        try
        {
            // The MMSU port takes the MMST port's number unless set (0: any free port for both).
            var udpPort = options.UdpPort ?? (options.MmstPort > 0 ? options.MmstPort : 0);
            if (options.MmstPort >= 0 && udpPort >= 0)
            {
                mmsu = OriginListenException.Open("MMSU (UDP)", options.Address, udpPort,
                    options.UdpPort is null ? "--mmst-port, which the MMSU port follows unless --udp-port is given" : "--udp-port",
                    () => new MmsuChannel(context, options.Address, udpPort));
            }
            if (options.MmstPort >= 0 && !faults.Refuses("mmst"))
            {
                mmst = OriginListenException.Start("MMST (TCP)", options.Address, options.MmstPort, "--mmst-port",
                    () => new MmstServer(context, mmsu, options.Address, options.MmstPort), server => server.Start());
            }
            context.MmstPort = mmst?.Port ?? -1;
            foreach (var (name, group) in options.Multicast)
            {
                var channel = catalog.FindLive(name) ?? throw new ArgumentException($"--multicast {name}: no --live {name} to send");
                context.Stations[name] = new MulticastSender(channel, group, options.Address, time, loggers.CreateLogger<MulticastSender>());
            }
            if (options.HttpPort >= 0 && !faults.Refuses("mmsh"))
            {
                mmsh = OriginListenException.Start("MMSH (HTTP)", options.Address, options.HttpPort, "--http-port",
                    () => new MmshServer(context, options.Address, options.HttpPort, (connection, ct) => PlainRoutes.TryHandleAsync(context, connection, ct)), server => server.Start());
            }
            if (options.RtspPort >= 0 && !faults.Refuses("rtsp"))
            {
                rtsp = OriginListenException.Start("RTSP (TCP)", options.Address, options.RtspPort, "--rtsp-port",
                    () => new RtspServer(context, options.Address, options.RtspPort), server => server.Start());
            }
        }
        catch
        {
            // Ports already taken, typically (OriginListenException): release what was opened before reporting.
            mmst?.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
            mmsh?.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
            foreach (var station in context.Stations.Values) station.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
            mmsu?.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
            catalog.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
            throw;
        }
        var server = new OriginServer(context, mmst, mmsh, mmsu, rtsp);
        LogStarted(server._logger, server.MmstPort, server.HttpPort, server.UdpPort, server.RtspPort, options.Root, string.Join(", ", options.Live.Keys));
        return Task.FromResult(server);
    }

    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (_mmst is not null) await _mmst.DisposeAsync().ConfigureAwait(false);
        if (_mmsh is not null) await _mmsh.DisposeAsync().ConfigureAwait(false);
        if (_rtsp is not null) await _rtsp.DisposeAsync().ConfigureAwait(false);
        if (_mmsu is not null) await _mmsu.DisposeAsync().ConfigureAwait(false);
        foreach (var station in _context.Stations.Values) await station.DisposeAsync().ConfigureAwait(false);
        await _context.Catalog.DisposeAsync().ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Origin listening: MMST {Mmst}, MMSH {Http}, MMSU {Udp}, RTSP {Rtsp}; root {Root}; live {Live}")]
    private static partial void LogStarted(ILogger logger, int mmst, int http, int udp, int rtsp, string root, string live);
}

/// <summary>
/// Plain-HTTP routes on the MMSH port: multicast station files (<c>/NAME.nsc</c>) and the admin routes tests use
/// to change the cap or faults mid-stream.
/// </summary>
internal static class PlainRoutes
{
    public static async Task<bool> TryHandleAsync(OriginContext context, MmshConnection connection, CancellationToken ct)
    {
        var request = connection.Request;
        if (request.Path.EndsWith(".nsc", StringComparison.OrdinalIgnoreCase)
            && context.Stations.TryGetValue(request.Path.TrimStart('/')[..^4], out var station))
        {
            var host = (request.Headers["Host"] ?? "127.0.0.1").Split(':')[0];
            var unicast = string.Create(CultureInfo.InvariantCulture, $"mms://{host}:{context.MmstPort}/{request.Path.TrimStart('/')[..^4]}");
            // [MS-MSB] fixes no MIME type for station files (docs/protocol/interop.md#s11.17); this is what WMS used.
            await connection.WriteResponseAsync(200, "OK", "application/x-netshow-channel", station.StationFile(unicast), ct).ConfigureAwait(false);
            return true;
        }
        if (!request.Path.StartsWith("/_admin/", StringComparison.Ordinal)) return false;
        var query = ParseQuery(request.Query);
        switch (request.Path)
        {
            case "/_admin/rate" when query.TryGetValue("bps", out var bps) && long.TryParse(bps, CultureInfo.InvariantCulture, out var value) && value >= 0:
                context.Cap.BitsPerSecond = value;
                await connection.WriteStatusAsync(200, "OK", $"rate {value} bps", ct).ConfigureAwait(false);
                return true;
            case "/_admin/faults":
                context.Faults = new OriginFaults
                {
                    DisconnectAfter = Seconds(query, "disconnect-after"),
                    StallAfter = Seconds(query, "stall-after"),
                    GarbageAfter = Seconds(query, "garbage-after"),
                    ResetDuringHandshake = query.GetValueOrDefault("reset-handshake") is "1" or "true",
                    Refuse = query.TryGetValue("refuse", out var refuse)
                        ? refuse.Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.OrdinalIgnoreCase)
                        : new HashSet<string>(StringComparer.OrdinalIgnoreCase),
                };
                await connection.WriteStatusAsync(200, "OK", "faults set", ct).ConfigureAwait(false);
                return true;
            case "/_admin/status":
                var status = string.Create(CultureInfo.InvariantCulture,
                    $"{{\"rateBps\":{context.Cap.BitsPerSecond},\"live\":[{string.Join(",", context.Catalog.LiveChannels.Select(c => $"{{\"name\":\"{c.Name}\",\"published\":{c.Published}}}"))}]}}");
                await connection.WriteResponseAsync(200, "OK", "application/json", status, ct).ConfigureAwait(false);
                return true;
            default:
                await connection.WriteStatusAsync(400, "Bad Request", "use /_admin/rate?bps=N, /_admin/faults?..., /_admin/status", ct).ConfigureAwait(false);
                return true;
        }
    }

    private static TimeSpan? Seconds(Dictionary<string, string> query, string key) =>
        query.TryGetValue(key, out var text) && double.TryParse(text, CultureInfo.InvariantCulture, out var s) && s >= 0
            ? TimeSpan.FromSeconds(s)
            : null;

    private static Dictionary<string, string> ParseQuery(string? query)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (string.IsNullOrEmpty(query)) return result;
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0) result[Uri.UnescapeDataString(pair)] = "";
            else result[Uri.UnescapeDataString(pair[..eq])] = Uri.UnescapeDataString(pair[(eq + 1)..]);
        }
        return result;
    }
}
