using System.Globalization;
using System.IO.Pipelines;
using Microsoft.Extensions.Logging;
using MmsGateway.Asf;
using MmsGateway.Hls.Fmp4;
using MmsGateway.Observability;
using MmsGateway.Outputs;
using MmsGateway.Processes;
using MmsGateway.Streams;

namespace MmsGateway.Hls;

/// <summary>
/// One running rendition of a live stream: a hub viewer (output <c>hls</c>) whose ASF — header, then packets —
/// goes through a pipe into ffmpeg's standard input; ffmpeg's fragmented MP4 comes back on its standard output and
/// is cut into segments in memory. A supervisor restarts ffmpeg with capped exponential backoff when it dies
/// (the new run's segments follow an <c>EXT-X-DISCONTINUITY</c>); an upstream reconnect of the hub also marks a
/// discontinuity. When smart streaming switches the hub to another video stream, the run ends and the next one reads
/// the video stream that arrives now (closest in bitrate to the variant's own), also after a discontinuity: the
/// variant keeps its place in the browser's ladder while its picture comes from what the link can carry.
/// Disposal kills ffmpeg and waits for it.
/// </summary>
public sealed partial class HlsRendition : IAsyncDisposable
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan HealthyRun = TimeSpan.FromSeconds(30);

    /// <summary>ffmpeg is fed in short gathers whatever the viewers' interval: every millisecond here is HLS latency.</summary>
    private static readonly TimeSpan FeedFlushInterval = TimeSpan.FromMilliseconds(40);

    private readonly StreamHub _hub;
    private readonly HlsOptions _options;
    private readonly GatewayOptions _gateway;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private Task _supervisor = Task.CompletedTask;
    private long _lastAccess;
    private int _waiting;
    private volatile ChildProcess? _process;
    private volatile bool _sourceSwitched;

    public HlsRendition(StreamHub hub, HlsVariant variant, HlsOptions options, GatewayOptions gateway, GatewayMetrics metrics, ILogger logger, TimeProvider time,
        (long NextMsn, long DiscontinuitySequence) continueFrom = default)
    {
        _hub = hub;
        Variant = variant;
        _options = options;
        _gateway = gateway;
        _metrics = metrics;
        _logger = logger;
        _time = time;
        _lastAccess = time.GetTimestamp();
        Epoch = time.GetUtcNow().ToUnixTimeMilliseconds().ToString("x", CultureInfo.InvariantCulture);
        Segmenter = new HlsSegmenter(new HlsSegmenterSettings(options.SegmentDuration.TotalSeconds, options.PartDuration.TotalSeconds, options.WindowSegments),
            continueFrom.NextMsn, continueFrom.DiscontinuitySequence);
    }

    public string StreamName => _hub.Name;
    public HlsVariant Variant { get; }

    /// <summary>Part of every segment URI, so URIs of an earlier rendition of the same variant never name other bytes.</summary>
    public string Epoch { get; }

    public HlsSegmenter Segmenter { get; }

    /// <summary>Set when ffmpeg cannot be started at all: retrying would not help until the configuration changes.</summary>
    public string? FatalError { get; private set; }

    /// <summary>The <c>CODECS</c> of what ffmpeg actually produces, once its init segment has been read.</summary>
    public string? ActualCodecs { get; private set; }

    /// <summary>ffmpeg runs started so far (1 + restarts).</summary>
    public int Runs { get; private set; }

    /// <summary>The process id of the running ffmpeg, if one runs.</summary>
    public int? ProcessId => _process is { HasExited: false } p ? p.Id : null;

    /// <summary>Time since the last request, zero while a request is waiting on the rendition (<see cref="Use"/>).</summary>
    public TimeSpan Idle => Volatile.Read(ref _waiting) > 0 ? TimeSpan.Zero : _time.GetElapsedTime(Interlocked.Read(ref _lastAccess));

    public void Touch() => Interlocked.Exchange(ref _lastAccess, _time.GetTimestamp());

    /// <summary>
    /// Marks the rendition in use while a request waits on it (a cold start's first playlist, a blocking playlist or part
    /// request): the idle sweep must not stop a rendition under a viewer waiting for its first segment, which on a busy
    /// machine can take longer than a short <c>IdleTimeout</c>.
    /// </summary>
    public WaitingRequest Use()
    {
        Interlocked.Increment(ref _waiting);
        return new WaitingRequest(this);
    }

    /// <summary>Ends a <see cref="Use"/>: the request counts as the last access.</summary>
    public readonly struct WaitingRequest(HlsRendition rendition) : IDisposable
    {
        public void Dispose()
        {
            rendition.Touch();
            Interlocked.Decrement(ref rendition._waiting);
        }
    }

    public void Start() => _supervisor = Task.Run(() => SuperviseAsync(_stop.Token));

    private async Task SuperviseAsync(CancellationToken ct)
    {
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            var started = _time.GetTimestamp();
            string problem;
            try
            {
                problem = await RunOnceAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (ChildProcessStartException e) when (ChildProcess.Locate(e.FileName) is null)
            {
                FatalError = $"HLS needs ffmpeg, which could not be started: {e.Message} (set Gateway:Hls:FfmpegPath)";
                Segmenter.Fail(FatalError);
                return;
            }
            catch (ChildProcessStartException e)
            {
                // ffmpeg is there but did not start this time (out of file descriptors or processes, under a
                // thousand connections): a failure like a crash, retried with backoff, not an answer for good.
                problem = e.Message;
            }
            catch (TimeoutException)
            {
                problem = $"the stream is not reachable upstream: {_hub.LastError ?? "no answer yet"}";
            }
            catch (Exception e) when (e is IOException or Mp4FormatException or InvalidOperationException or OperationCanceledException)
            {
                problem = e.Message;
            }
            Segmenter.EndOfStream(problem);
            if (ct.IsCancellationRequested) break;
            if (_sourceSwitched)
            {
                // Not a failure: the upstream moved to another video stream; follow it at once.
                _sourceSwitched = false;
                LogFollow(_logger, StreamName, Variant.Id, problem);
                continue;
            }
            failures = _time.GetElapsedTime(started) > HealthyRun ? 1 : failures + 1;
            var delay = Backoff(failures);
            LogRestart(_logger, StreamName, Variant.Id, problem, delay.TotalSeconds);
            await Task.Delay(delay, _time, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private TimeSpan Backoff(int failures)
    {
        var ms = _options.RestartInitialDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 16));
        return TimeSpan.FromMilliseconds(Math.Min(ms, _options.RestartMaxDelay.TotalMilliseconds));
    }

    /// <summary>One ffmpeg run; returns why it ended.</summary>
    private async Task<string> RunOnceAsync(CancellationToken ct)
    {
        var source = _hub.Current is { } now && Variant.VideoStream is { } wanted ? SourceVideo(now, wanted) : Variant.VideoStream;
        var wantedVideo = source is { } v ? AsfStreamSet.Of(v) : AsfStreamSet.None;
        var viewer = await _hub.AttachAsync("hls", wantedVideo, ct).ConfigureAwait(false);
        try
        {
            var stream = viewer.Stream;
            if (Variant.VideoStream is { } preferred) source = SourceVideo(stream, preferred);
            if (source is { } video && !stream.VideoStreams.Contains(video))
                throw new InvalidOperationException($"the stream no longer carries video stream {video}");
            var streams = (source is { } s ? AsfStreamSet.Of(s) : AsfStreamSet.None);
            if (Variant.AudioStream is { } audio) streams = streams.With(audio);
            streams = streams.Intersect(stream.Offered);
            if (streams.IsEmpty) throw new InvalidOperationException("the stream no longer carries this rendition's streams");

            string? lastLine = null;
            using var run = CancellationTokenSource.CreateLinkedTokenSource(ct, viewer.Closed);
            var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 4 << 20, resumeWriterThreshold: 2 << 20, useSynchronizationContext: false));
            // CliWrap pipes the hub's ASF into ffmpeg's standard input and its fMP4 out of standard output; both
            // delegates also stop with the run, as the copies did before.
            var process = ChildProcess.Start(_options.FfmpegPath, FfmpegArguments.For(Variant, _options), line =>
                {
                    lastLine = line;
                    LogFfmpeg(_logger, StreamName, Variant.Id, line);
                },
                standardInput: async (stdin, stopped) =>
                {
                    using var feed = CancellationTokenSource.CreateLinkedTokenSource(stopped, run.Token);
                    await FeedAsync(pipe.Reader, stdin, feed.Token).ConfigureAwait(false);
                },
                standardOutput: (stdout, _) => ReadAsync(stdout, run.Token));
            _process = process;
            Runs++;
            _metrics.TranscoderStarted(StreamName);
            LogStarted(_logger, StreamName, Variant.Id, process.Id, Variant.CopyVideo || Variant.IsAudioOnly ? "" : " (encoding H.264)");
            try
            {
                var pump = new LiveViewerPump(_hub, viewer, ViewerFraming.Asf, streams, _metrics, FeedFlushInterval);
                var pumping = Task.Run(async () =>
                {
                    try
                    {
                        await pump.RunAsync(ViewerSink.ForPipe(pipe.Writer), run.Token).ConfigureAwait(false);
                    }
                    finally
                    {
                        await pipe.Writer.CompleteAsync().ConfigureAwait(false);
                    }
                }, CancellationToken.None);
                var feeding = process.Input;
                var reading = process.Output;
                var following = Task.Run(() => WatchSourceAsync(stream, source, run.Token), CancellationToken.None);

                var ended = await Task.WhenAny(pumping, feeding, reading, following).ConfigureAwait(false);
                await run.CancelAsync().ConfigureAwait(false);
                var exitCode = await process.StopAsync(StopGrace).ConfigureAwait(false);
                await Task.WhenAll(pumping, feeding, reading, following).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                ct.ThrowIfCancellationRequested();
                if (_sourceSwitched) return $"the upstream switched from video stream {source} to {stream.ReceivedVideo}";
                if (viewer.Closed.IsCancellationRequested) return $"the hub ended the rendition's viewer: {viewer.CloseReason}";
                if (ended.Exception?.GetBaseException() is Mp4FormatException bad) return $"ffmpeg's output is not usable fMP4: {bad.Message}";
                return $"ffmpeg exited with code {exitCode}{(lastLine is null ? "" : $": {lastLine}")}";
            }
            finally
            {
                _process = null;
                await process.DisposeAsync().ConfigureAwait(false);
                _metrics.TranscoderExited(StreamName);
            }
        }
        finally
        {
            _hub.Detach(viewer);
        }
    }

    /// <summary>
    /// The video stream to read for a variant made for <paramref name="preferred"/>: that one while it arrives (or
    /// while no video arrives at all), else the arriving one closest to it in bitrate.
    /// </summary>
    internal static int SourceVideo(HubStream stream, int preferred)
    {
        var arriving = stream.ReceivedVideo;
        if (arriving.IsEmpty || arriving.Contains(preferred)) return preferred;
        var target = stream.BitrateOf(preferred);
        return arriving.Numbers.OrderBy(n => Math.Abs(stream.BitrateOf(n) - target)).First();
    }

    /// <summary>Ends the run (returns) when smart streaming switches the hub away from the video stream being read.</summary>
    private async Task WatchSourceAsync(HubStream stream, int? source, CancellationToken ct)
    {
        var seen = stream.SelectionVersion;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250), _time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                if (source is not { } video || stream.SelectionVersion == seen) continue;
                seen = stream.SelectionVersion;
                var arriving = stream.ReceivedVideo;
                if (arriving.IsEmpty || arriving.Contains(video)) continue;
                _sourceSwitched = true;
                return;
            }
        }
        catch (OperationCanceledException)
        {
            // The run ended for another reason.
        }
    }

    /// <summary>Copies the hub's ASF from the pipe into ffmpeg's standard input until either side ends.</summary>
    private static async Task FeedAsync(PipeReader reader, Stream stdin, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(ct).ConfigureAwait(false);
                foreach (var segment in result.Buffer) await stdin.WriteAsync(segment, ct).ConfigureAwait(false);
                await stdin.FlushAsync(ct).ConfigureAwait(false);
                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled) return;
            }
        }
        catch (IOException)
        {
            // ffmpeg closed its input (it exited): the reader side reports why.
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Reads ffmpeg's fMP4 into the segmenter.</summary>
    private async Task ReadAsync(Stream stdout, CancellationToken ct)
    {
        var reader = new Fmp4StreamReader(stdout);
        var reconnects = _hub.Reconnects;
        while (await reader.ReadAsync(ct).ConfigureAwait(false) is { } item)
        {
            switch (item)
            {
                case Fmp4Init init:
                    Segmenter.StartInit(init);
                    ActualCodecs = init.Codecs;
                    break;
                case Fmp4Fragment fragment:
                    if (_hub.Reconnects != reconnects)
                    {
                        reconnects = _hub.Reconnects;
                        Segmenter.MarkDiscontinuity();
                    }
                    if (Segmenter.Append(fragment) is not null) _metrics.HlsSegmentProduced(StreamName, Variant.Id);
                    break;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _supervisor.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream {Stream}: HLS rendition {Variant} started ffmpeg (pid {Pid}){Mode}")]
    private static partial void LogStarted(ILogger logger, string stream, string variant, int pid, string mode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream {Stream}: ffmpeg {Variant}: {Line}")]
    private static partial void LogFfmpeg(ILogger logger, string stream, string variant, string line);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream {Stream}: HLS rendition {Variant} follows smart streaming ({Problem})")]
    private static partial void LogFollow(ILogger logger, string stream, string variant, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream {Stream}: HLS rendition {Variant} stopped ({Problem}); restarting in {Delay:0.0} s")]
    private static partial void LogRestart(ILogger logger, string stream, string variant, string problem, double delay);
}
