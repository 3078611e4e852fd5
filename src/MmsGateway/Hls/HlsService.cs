using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MmsGateway.Asf;
using MmsGateway.Observability;
using MmsGateway.Processes;
using MmsGateway.Streams;

namespace MmsGateway.Hls;

/// <summary>Why a stream has no HLS right now, with the HTTP status to answer.</summary>
public sealed class HlsUnavailableException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}

/// <summary>
/// HLS for the gateway's live streams (docs/design.md#hlsoutput): the variant ladder of each hub, and one
/// <see cref="HlsRendition"/> (one ffmpeg) per stream and variant, shared by every player of it, started by the
/// first request and stopped once nobody has requested anything of it for <see cref="HlsOptions.IdleTimeout"/>.
/// </summary>
public sealed partial class HlsService(
    StreamRegistry registry, IOptions<HlsOptions> options, IOptions<GatewayOptions> gateway, GatewayMetrics metrics, ILoggerFactory loggers,
    TimeProvider time) : IHostedService, IAsyncDisposable
{
    /// <summary>How long a multi-bitrate ladder waits for measured bitrates when the header declares none.</summary>
    private static readonly TimeSpan MeasureWait = TimeSpan.FromSeconds(1.5);

    private readonly ConcurrentDictionary<string, HlsRendition> _renditions = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, (int Version, IReadOnlyList<HlsVariant> Variants)> _ladders = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, byte> _reported = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (long NextMsn, long DiscontinuitySequence)> _ended = new(StringComparer.OrdinalIgnoreCase);
    private readonly SemaphoreSlim _starting = new(1, 1);
    private readonly ILogger _logger = loggers.CreateLogger("MmsGateway.Hls");
    private readonly CancellationTokenSource _stop = new();
    private Task _sweeper = Task.CompletedTask;
    private (long CheckedAt, bool Found) _ffmpegCheck;

    public HlsOptions Options => options.Value;

    /// <summary>The renditions running now (for status and tests).</summary>
    public IReadOnlyCollection<HlsRendition> Renditions => _renditions.Values.ToList();

    public HlsRendition? Find(string stream, string variant) => _renditions.GetValueOrDefault(Key(stream, variant));

    private static string Key(string stream, string variant) => stream + "/" + variant;

    /// <summary>The hub of a live stream, or the reason there is none.</summary>
    public StreamHub HubOf(string name)
    {
        if (!registry.Streams.TryGetValue(name, out var stream)) throw new HlsUnavailableException(404, $"no stream named '{name}'");
        if (stream.OnDemand || registry.Hub(name) is not { } hub)
            throw new HlsUnavailableException(404, $"stream '{name}' is on demand: HLS is offered for live streams; play /streams/{name}/live.asf");
        return hub;
    }

    /// <summary>
    /// The variants of a live stream. Connects the hub when it is idle (a short-lived viewer holds it while the
    /// ladder is made) and starts the first variant's rendition at once, since that is where players begin.
    /// </summary>
    public async Task<IReadOnlyList<HlsVariant>> LadderAsync(string name, CancellationToken ct)
    {
        var hub = HubOf(name);
        EnsureFfmpeg(name);
        if (hub.Current is { } current && _ladders.TryGetValue(name, out var cached) && cached.Version == current.Version)
        {
            if (cached.Variants.Count > 0) (await GetOrStartAsync(name, cached.Variants[0].Id, ct).ConfigureAwait(false))?.Touch();
            return cached.Variants;
        }
        HubViewer probe;
        try
        {
            probe = await hub.AttachAsync("hls", AsfStreamSet.None, ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new HlsUnavailableException(504, $"stream '{name}' is not reachable upstream: {hub.LastError ?? "no answer yet"}");
        }
        try
        {
            var stream = probe.Stream;
            if (stream.VideoStreams.Count > 1 && stream.VideoStreams.Numbers.Any(n => stream.BitrateOf(n) == 0))
            {
                // Headers written by ffmpeg declare no bitrates: measure the packets a moment so ABR gets an order.
                var until = time.GetTimestamp();
                while (time.GetElapsedTime(until) < MeasureWait && stream.VideoStreams.Numbers.Any(n => stream.BitrateOf(n) == 0))
                    await Task.Delay(100, ct).ConfigureAwait(false);
            }
            var variants = _ladders.AddOrUpdate(name, _ => (stream.Version, HlsVariant.Ladder(stream, Options)),
                (_, old) => old.Version == stream.Version ? old : (stream.Version, HlsVariant.Ladder(stream, Options))).Variants;
            if (variants.Count == 0) throw new HlsUnavailableException(503, $"stream '{name}' carries neither audio nor video that HLS can play");
            await GetOrStartAsync(name, variants[0].Id, ct).ConfigureAwait(false);
            return variants;
        }
        finally
        {
            hub.Detach(probe);
        }
    }

    /// <summary>The running rendition of a variant, started if needed; null when the stream has no such variant.</summary>
    public async Task<HlsRendition?> GetOrStartAsync(string name, string variantId, CancellationToken ct)
    {
        EnsureFfmpeg(name);
        var key = Key(name, variantId);
        if (_renditions.TryGetValue(key, out var running) && running.FatalError is null)
        {
            running.Touch();
            return running;
        }
        var hub = HubOf(name);
        IReadOnlyList<HlsVariant> variants;
        if (hub.Current is { } current && _ladders.TryGetValue(name, out var cached) && cached.Version == current.Version) variants = cached.Variants;
        else variants = await LadderAsync(name, ct).ConfigureAwait(false);
        var variant = variants.FirstOrDefault(v => string.Equals(v.Id, variantId, StringComparison.OrdinalIgnoreCase));
        if (variant is null) return null;

        await _starting.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_renditions.TryGetValue(key, out running))
            {
                if (running.FatalError is null)
                {
                    running.Touch();
                    return running;
                }
                _renditions.TryRemove(key, out _);
                await running.DisposeAsync().ConfigureAwait(false);
            }
            var rendition = new HlsRendition(hub, variant, Options, gateway.Value, metrics,
                loggers.CreateLogger($"MmsGateway.Hls.Rendition.{name}"), time, _ended.GetValueOrDefault(key));
            _renditions[key] = rendition;
            rendition.Start();
            return rendition;
        }
        finally
        {
            _starting.Release();
        }
    }

    /// <summary>
    /// Fails fast, with one clear sentence (logged once), when the configured ffmpeg does not exist: nothing is
    /// started and no hub is woken for a transcoder that cannot run.
    /// </summary>
    public void EnsureFfmpeg(string stream)
    {
        // Looked up again at most every few seconds, so installing ffmpeg later needs no restart.
        var (checkedAt, found) = _ffmpegCheck;
        if (checkedAt == 0 || time.GetElapsedTime(checkedAt) > TimeSpan.FromSeconds(5))
        {
            found = ChildProcess.Locate(Options.FfmpegPath) is not null;
            _ffmpegCheck = (time.GetTimestamp(), found);
        }
        if (found) return;
        var error = $"HLS needs ffmpeg, which was not found at '{Options.FfmpegPath}' (install ffmpeg or set Gateway:Hls:FfmpegPath)";
        if (_reported.TryAdd(error, 0)) LogFatal(_logger, stream, error);
        throw new HlsUnavailableException(503, error);
    }

    /// <summary>Logs a rendition's fatal error once per distinct message (a missing ffmpeg is said once, not per request).</summary>
    public void ReportFatal(HlsRendition rendition)
    {
        if (rendition.FatalError is { } error && _reported.TryAdd(error, 0)) LogFatal(_logger, rendition.StreamName, error);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _sweeper = Task.Run(() => SweepAsync(_stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Stops renditions nobody uses, and forgets ladders of hubs that went idle.</summary>
    private async Task SweepAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500), time);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await timer.WaitForNextTickAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            foreach (var (key, rendition) in _renditions)
            {
                if (rendition.Idle < Options.IdleTimeout && rendition.FatalError is null) continue;
                if (rendition.FatalError is not null && rendition.Idle < TimeSpan.FromSeconds(2)) continue;
                if (!_renditions.TryRemove(new KeyValuePair<string, HlsRendition>(key, rendition))) continue;
                if (rendition.FatalError is null) LogIdle(_logger, rendition.StreamName, rendition.Variant.Id);
                await rendition.DisposeAsync().ConfigureAwait(false);
                var last = rendition.Segmenter.Current;
                if (last.NextMsn > 0) _ended[key] = (last.NextMsn, last.DiscontinuitySequence + last.Segments.Count(s => s.Discontinuity));
            }
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync().ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        await _stop.CancelAsync().ConfigureAwait(false);
        await _sweeper.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var all = _renditions.Values.ToList();
        _renditions.Clear();
        await Task.WhenAll(all.Select(r => r.DisposeAsync().AsTask())).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Stream {Stream}: {Error}")]
    private static partial void LogFatal(ILogger logger, string stream, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream {Stream}: HLS rendition {Variant} idle, ffmpeg stopped")]
    private static partial void LogIdle(ILogger logger, string stream, string variant);
}

public static class HlsServiceExtensions
{
    /// <summary>Registers HLS: options (<c>Gateway:Hls</c>, validated at start) and the <see cref="HlsService"/>.</summary>
    public static IServiceCollection AddHls(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HlsOptions>().Bind(configuration.GetSection(HlsOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<HlsOptions>, HlsOptionsValidator>();
        services.AddSingleton<HlsService>();
        services.AddHostedService(sp => sp.GetRequiredService<HlsService>());
        return services;
    }
}
