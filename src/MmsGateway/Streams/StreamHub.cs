using Microsoft.Extensions.Logging;
using MmsGateway.Adaptation;
using MmsGateway.Asf;
using MmsGateway.Asf.Packets;
using MmsGateway.Mms.Client;
using MmsGateway.Observability;

namespace MmsGateway.Streams;

public enum HubState
{
    Idle,
    Connecting,
    Playing,
    Reconnecting,
}

/// <summary>
/// One live stream shared by all its viewers (design.md, "StreamHub"; MediaMTX's one supervised source per
/// stream). A supervisor owns the upstream session: it connects when the first viewer arrives (or at start for
/// always-on streams), reconnects with capped exponential backoff and jitter while viewers stay attached, and
/// closes the session a grace period after the last viewer leaves. Packets go once into a fixed ring; each viewer
/// reads it at its own cursor, starting at the newest key frame (fast start). Time stamps are shifted after a
/// reconnect so the viewers' timeline keeps going forward. With smart streaming on, an <see cref="UpstreamAdapter"/>
/// watches how packets arrive against their send times and the hub switches streams upstream (MMST StreamSwitch,
/// MMSH re-Play) without its viewers noticing more than a change of picture.
/// </summary>
public sealed partial class StreamHub : IAsyncDisposable
{
    private static readonly TimeSpan FirstHeaderTimeout = TimeSpan.FromSeconds(30);

    private readonly UpstreamConnector _connector;
    private readonly GatewayOptions _global;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly List<HubViewer> _viewers = [];
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource _firstViewer = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource<HubStream> _streamReady = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completed when a connect attempt fails before the stream ever played: waiting viewers get the error now.</summary>
    private TaskCompletionSource _attemptFailed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _supervisor = Task.CompletedTask;
    private int _version;
    private long _lastViewerLeft = long.MaxValue;
    private long _outputTimeMs = -1;
    private readonly long _epoch;
    private readonly StreamBitrateMeter _meter = new();
    private readonly UpstreamAdapter? _adapter;
    private AsfHeader? _adapterHeader;

    /// <summary>Packets before this sequence are from a closed session: too old to start a joining viewer on.</summary>
    private long _freshFrom;

    public StreamHub(string name, StreamOptions options, UpstreamConnector connector, GatewayOptions global, GatewayMetrics metrics, ILogger logger, TimeProvider time)
    {
        Name = name;
        Options = options;
        _connector = connector;
        _global = global;
        _metrics = metrics;
        _logger = logger;
        _time = time;
        _epoch = time.GetTimestamp();
        if (options.Adaptive ?? global.Adaptation.Enabled) _adapter = new UpstreamAdapter(global.Adaptation, options.MaxBitrate, _meter);
    }

    /// <summary>Smart streaming's state (null when off for this stream).</summary>
    public AdaptationSnapshot? Adaptation => _adapter?.Snapshot;

    public string Name { get; }
    public StreamOptions Options { get; }
    public HubState State { get; private set; } = HubState.Idle;
    public string? LastError { get; private set; }
    public MmsProtocol? Protocol { get; private set; }
    public HubStream? Current { get; private set; }
    public long Reconnects { get; private set; }

    public int ViewerCount
    {
        get
        {
            lock (_gate) return _viewers.Count;
        }
    }

    private TimeSpan CloseAfter => Options.CloseAfter ?? _global.CloseAfter;

    public void Start()
    {
        _supervisor = Task.Run(() => SuperviseAsync(_stop.Token));
        if (Options.AlwaysOn) _firstViewer.TrySetResult();
    }

    /// <summary>
    /// Attaches a viewer: waits (bounded) for the stream's header, then positions the viewer at the newest key frame
    /// of the streams it will receive. Throws <see cref="TimeoutException"/> when the upstream does not come up.
    /// </summary>
    public async Task<HubViewer> AttachAsync(string output, AsfStreamSet wantedVideo, CancellationToken cancellationToken)
    {
        Task<HubStream> ready;
        Task failed;
        lock (_gate)
        {
            _firstViewer.TrySetResult();
            ready = _streamReady.Task;
            failed = _attemptFailed.Task;
        }
        // A stream that has never played answers a viewer with the first failed attempt's error at once, rather than
        // after the whole header timeout; one that played before keeps its viewers waiting through the reconnect.
        var first = await Task.WhenAny(ready, failed).WaitAsync(FirstHeaderTimeout, _time, cancellationToken).ConfigureAwait(false);
        if (first != ready) throw new TimeoutException(LastError ?? "the upstream could not be reached");
        var stream = await ready.ConfigureAwait(false);
        lock (_gate)
        {
            stream = Current ?? stream;
            var video = wantedVideo.IsEmpty ? stream.VideoStreams : wantedVideo.Intersect(stream.VideoStreams);
            var join = stream.Ring.FindJoinPoint(video, _freshFrom);
            // No key frame held yet: start with the next packet and let the viewer's filter wait for a key frame.
            var viewer = new HubViewer(output, join >= 0 ? join : stream.Ring.Published + 1, stream);
            _viewers.Add(viewer);
            _metrics.ViewerConnected(Name, output);
            return viewer;
        }
    }

    public void Detach(HubViewer viewer)
    {
        lock (_gate)
        {
            if (!_viewers.Remove(viewer)) return;
            _metrics.ViewerDisconnected(Name, viewer.Output);
            if (_viewers.Count == 0) _lastViewerLeft = _time.GetTimestamp();
        }
    }

    private async Task SuperviseAsync(CancellationToken ct)
    {
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await _firstViewer.Task.WaitAsync(ct).ConfigureAwait(false);
                State = Current is null ? HubState.Connecting : HubState.Reconnecting;
                _adapterHeader = null;
                await using var session = await _connector.ConnectAsync(Name, Options, null, ct, InitialSelection).ConfigureAwait(false);
                failures = 0;
                Protocol = session.Protocol;
                LastError = null;
                var protocol = session.Protocol.ToString().ToLowerInvariant();
                _metrics.UpstreamConnected(Name, protocol);
                try
                {
                    await PumpAsync(session, ct).ConfigureAwait(false);
                }
                finally
                {
                    _metrics.UpstreamDisconnected(Name, protocol);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is MmsClientException or IOException or Mms.MmsProtocolException or AsfFormatException or InvalidOperationException or TimeoutException)
            {
                LastError = e.Message;
                lock (_gate)
                {
                    if (Current is null)
                    {
                        _attemptFailed.TrySetResult();
                        _attemptFailed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    }
                }
                failures++;
                Reconnects++;
                _metrics.UpstreamReconnect(Name);
                var delay = Backoff(failures);
                LogLost(_logger, Name, e.Message, delay.TotalSeconds);
                State = HubState.Reconnecting;
                await Task.Delay(delay, _time, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>Capped exponential backoff with ±20 % jitter, so many gateways do not reconnect in step.</summary>
    private TimeSpan Backoff(int failures)
    {
        var baseDelay = _global.ReconnectInitialDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 16));
        var capped = Math.Min(baseDelay, _global.ReconnectMaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.8 + 0.4 * Random.Shared.NextDouble()));
    }

    /// <summary>Reads the session until it ends, fails, or the hub goes idle.</summary>
    private async Task PumpAsync(IMmsSession session, CancellationToken ct)
    {
        var stream = AdoptHeader(session);
        var adapting = await PrepareAdapterAsync(session, stream, ct).ConfigureAwait(false);
        long nextEvaluation = 0;
        State = HubState.Playing;
        long shiftMs = 0;
        var shiftKnown = false;
        long lastRawSendTime = -1;
        long replayedThrough = -1;
        var payloads = new AsfPayload[AsfPacketParser.MaxPayloads];
        var scratch = new byte[stream.Ring.PacketSize];
        while (!ct.IsCancellationRequested)
        {
            if (TryGoIdle())
            {
                LogIdle(_logger, Name);
                return;
            }
            var result = await session.ReadAsync(ct).ConfigureAwait(false);
            switch (result.Kind)
            {
                case MmsReadResultKind.EndOfStream:
                    throw new IOException("the upstream ended the stream");
                case MmsReadResultKind.HeaderChanged:
                    var before = stream;
                    stream = AdoptHeader(session);
                    adapting = await PrepareAdapterAsync(session, stream, ct).ConfigureAwait(false);
                    if (stream == before && session.IsBroadcast && lastRawSendTime >= 0)
                    {
                        // The same broadcast re-played (an MMSH stream switch): its timeline goes on, but the new Play
                        // starts back at a key frame the viewers already have. Skip what they already got instead
                        // of shifting the clock (which would replay audio and add latency at every switch).
                        replayedThrough = lastRawSendTime;
                    }
                    else
                    {
                        shiftKnown = false;
                    }
                    scratch = new byte[stream.Ring.PacketSize];
                    continue;
            }

            var packet = result.Packet.Span;
            if (packet.Length != stream.Ring.PacketSize) continue;
            packet.CopyTo(scratch);
            var header = AsfPacketParser.Parse(scratch, scratch.Length, payloads);
            if (replayedThrough >= 0)
            {
                if (header.SendTime <= replayedThrough && header.SendTime + ReplayOverlapLimitMs > replayedThrough) continue;
                // Far behind the overlap: another timeline after all, shift as after a reconnect. Well ahead of it: the
                // re-Play joined the live point while this session lagged behind it (a step down is taken because the
                // link fell behind), so what the slow link never carried is gone; splice the new session on right
                // after what the viewers have, as after a reconnect, so their players skip it instead of stalling.
                if (header.SendTime <= replayedThrough || header.SendTime > replayedThrough + ReplayJumpLimitMs) shiftKnown = false;
                replayedThrough = -1;
            }
            lastRawSendTime = header.SendTime;
            if (!shiftKnown)
            {
                // Continue the viewers' timeline after a reconnect: the new session's first packet follows the last one.
                shiftMs = _outputTimeMs < 0 ? 0 : _outputTimeMs + 100 - header.SendTime;
                shiftKnown = true;
            }
            if (shiftMs != 0) AsfPacketRetimer.Shift(scratch, scratch.Length, shiftMs);
            var sendTime = (uint)Math.Clamp(header.SendTime + shiftMs, 0, uint.MaxValue);
            _outputTimeMs = sendTime;

            var keyFrames = AsfStreamSet.None;
            foreach (var p in payloads.AsSpan(0, header.PayloadCount))
            {
                _meter.Add(p.StreamNumber, p.DataLength, p.IsKeyFrame, header.SendTime);
                if (p.IsKeyFrame && p.StartsMediaObject && stream.VideoStreams.Contains(p.StreamNumber)) keyFrames = keyFrames.With(p.StreamNumber);
            }
            stream.Ring.Append(scratch, keyFrames, sendTime);
            _metrics.UpstreamBytes(Name, packet.Length);
            WakeViewers(stream);

            if (!adapting) continue;
            var nowMs = NowMs();
            // What crossed the link: servers leave padding off the wire (the session padded the packet back).
            _adapter!.Observe(nowMs, header.SendTime, Math.Max(packet.Length - header.PaddingLength, 1));
            if (nowMs < nextEvaluation) continue;
            nextEvaluation = nowMs + EvaluationIntervalMs;
            if (_adapter.Evaluate(nowMs) is not { } decision) continue;
            var selectedBefore = session.SelectedStreams;
            adapting = await StepAsync(session, stream, decision, ct).ConfigureAwait(false);
            // A switch by re-Play (MMSH, protocol.md §5.4) restarts a broadcast at a key frame near the
            // live point, usually with the same header, so no HeaderChanged says so: handle the overlap or the jump as
            // for a re-played header. A switch in place (MMST 0x33) goes on from the next packet and is not affected.
            if (session.IsBroadcast && session.SelectedStreams != selectedBefore && lastRawSendTime >= 0) replayedThrough = lastRawSendTime;
        }
    }

    private const long EvaluationIntervalMs = 250;

    /// <summary>A re-played broadcast restarting further back than this is taken for a new timeline.</summary>
    private const long ReplayOverlapLimitMs = 30_000;

    /// <summary>A re-played broadcast resuming further ahead than this skipped media (wider than any packet spacing of a live stream).</summary>
    private const long ReplayJumpLimitMs = 500;

    private long NowMs() => (long)_time.GetElapsedTime(_epoch).TotalMilliseconds;

    /// <summary>The connector's first selection for a new session: the adapter's, or what fits <c>MaxBitrate</c>.</summary>
    private IReadOnlyList<Mms.Client.StreamSelection> InitialSelection(AsfHeader header)
    {
        if (_adapter is null) return UpstreamSelection.Choose(header, Options.MaxBitrate);
        _adapterHeader = header;
        return _adapter.Initial(header, NowMs());
    }

    /// <summary>
    /// Makes sure the adapter plans for this session's header (a session type that did not ask for an initial
    /// selection, or a new layout mid-session, gets the adapter's choice now). False when adaptation is off or the
    /// session cannot switch streams.
    /// </summary>
    private async Task<bool> PrepareAdapterAsync(IMmsSession session, HubStream stream, CancellationToken ct)
    {
        if (_adapter is null) return false;
        if (_adapterHeader is null || !HubStream.SameLayout(_adapterHeader, session.Header))
        {
            _adapterHeader = session.Header;
            var selection = _adapter.Initial(session.Header, NowMs());
            if (UpstreamSelection.Selected(selection) != session.SelectedStreams)
            {
                try
                {
                    await session.SelectStreamsAsync(selection, ct).ConfigureAwait(false);
                }
                catch (MmsClientException e) when (e.Kind == MmsClientErrorKind.NotSupported)
                {
                    LogAdaptationUnsupported(_logger, Name, session.Protocol, e.Message);
                    return false;
                }
                stream.UpstreamStreams = session.SelectedStreams;
            }
        }
        PublishSelection(stream);
        return true;
    }

    /// <summary>Carries a smart-streaming step out upstream. False when the session turned out unable to switch.</summary>
    private async Task<bool> StepAsync(IMmsSession session, HubStream stream, AdaptationDecision decision, CancellationToken ct)
    {
        try
        {
            await session.SelectStreamsAsync(decision.Rung.Selection, ct).ConfigureAwait(false);
        }
        catch (MmsClientException e) when (e.Kind == MmsClientErrorKind.NotSupported)
        {
            LogAdaptationUnsupported(_logger, Name, session.Protocol, e.Message);
            return false;
        }
        var step = _adapter!.Applied(decision, NowMs(), _time.GetUtcNow());
        stream.UpstreamStreams = session.SelectedStreams;
        var direction = decision.Reason switch
        {
            AdaptationReason.Congested => "down",
            AdaptationReason.Recovered => "up",
            _ => "measured",
        };
        _metrics.AdaptationStep(Name, direction);
        PublishSelection(stream);
        LogStep(_logger, Name, direction, step.From, step.To, decision.Link.ReceivedBitsPerSecond / 1000, decision.Link.Progress,
            decision.Link.BehindMs);
        return true;
    }

    /// <summary>Sets the stream's thinning level and the selected-bitrate and thinning gauges from the adapter's step.</summary>
    private void PublishSelection(HubStream stream)
    {
        var snapshot = _adapter?.Snapshot;
        long selected = 0;
        foreach (var n in stream.UpstreamStreams.Numbers) selected += stream.BitrateOf(n);
        var bitrate = snapshot is { Enabled: true, SelectedBitrate: > 0 } ? snapshot.SelectedBitrate : selected;
        var level = snapshot?.ThinningLevel ?? 0;
        stream.ThinningLevel = level;
        _metrics.SetSelectedBitrate(Name, bitrate);
        _metrics.SetThinningLevel(Name, level);
    }

    /// <summary>Keeps the current hub stream when the layout is unchanged (viewers continue), else starts a new one.</summary>
    private HubStream AdoptHeader(IMmsSession session)
    {
        var header = session.Header;
        var upstream = session.SelectedStreams;
        lock (_gate)
        {
            // Smart streaming moves between the streams of one ladder: viewers are offered all of them from the start.
            var offered = _adapter?.Ladder is { } ladder && _adapterHeader is { } planned && HubStream.SameLayout(planned, header)
                ? ladder.Offered.Intersect(header.AllStreams) : upstream;
            if (offered.IsEmpty) offered = upstream;
            if (Current is { } current && HubStream.SameLayout(current.Header, header) && (current.UpstreamStreams == upstream || IsSuperset(current.Offered, upstream)))
            {
                current.UpstreamStreams = upstream;
                _streamReady.TrySetResult(current);
                return current;
            }
            var capacity = Math.Clamp(_global.RingBytes / header.PacketSize, 64, 16384);
            var stream = new HubStream(++_version, header, IsSuperset(offered, upstream) ? offered : upstream, upstream,
                new PacketRing(capacity, header.PacketSize, Outputs.ViewerFraming.RingPrefixSize, Outputs.ViewerFraming.WriteRingPrefix), _meter);
            _outputTimeMs = -1;
            _freshFrom = 0;
            if (Current is not null)
            {
                foreach (var viewer in _viewers) viewer.Close("the stream's layout changed upstream");
                _streamReady = new TaskCompletionSource<HubStream>(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            Current = stream;
            _streamReady.TrySetResult(stream);
            PublishSelection(stream);
            return stream;
        }
    }

    private static bool IsSuperset(AsfStreamSet set, AsfStreamSet subset) => subset.Intersect(set) == subset;

    private void WakeViewers(HubStream stream)
    {
        lock (_gate)
        {
            foreach (var viewer in _viewers)
            {
                // A viewer whose unread packets were overwritten cannot be helped any more: end it (counted).
                if (viewer.Stream == stream && viewer.Cursor < stream.Ring.Oldest)
                {
                    _metrics.PacketsDropped(Name, "slow-viewer", stream.Ring.Oldest - viewer.Cursor);
                    viewer.Close("the viewer fell a whole ring behind");
                }
                viewer.Wake();
            }
        }
    }

    /// <summary>True (and the supervisor will wait for the next viewer) when nobody has watched for the grace period.</summary>
    private bool TryGoIdle()
    {
        if (Options.AlwaysOn) return false;
        lock (_gate)
        {
            if (_viewers.Count > 0 || _time.GetElapsedTime(_lastViewerLeft) < CloseAfter) return false;
            _firstViewer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            State = HubState.Idle;
            // What the ring holds is minutes old by the time the next viewer comes: start that viewer fresh.
            if (Current is { } current) _freshFrom = current.Ring.Published + 1;
            return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        lock (_gate)
        {
            foreach (var viewer in _viewers) viewer.Close("the gateway is stopping");
        }
        await _supervisor.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream {Stream}: upstream lost ({Problem}); retrying in {Delay:0.0} s")]
    private static partial void LogLost(ILogger logger, string stream, string problem, double delay);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Stream {Stream}: smart streaming stepped {Direction}: {From} -> {To} (link {ReceivedKbps} kbps, media progress {Progress:0.00}, {BehindMs} ms behind)")]
    private static partial void LogStep(ILogger logger, string stream, string direction, string from, string to, long receivedKbps, double progress, long behindMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream {Stream}: smart streaming off for this {Protocol} session: {Problem}")]
    private static partial void LogAdaptationUnsupported(ILogger logger, string stream, MmsProtocol protocol, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream {Stream}: no viewers, upstream session closed")]
    private static partial void LogIdle(ILogger logger, string stream);
}
