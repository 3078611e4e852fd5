using Microsoft.Extensions.Logging;
using MmsGateway.Adaptation;
using MmsGateway.Asf;
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
/// One live stream shared by all its viewers (docs/design.md#streamhub; MediaMTX's one supervised source per stream).
/// Packets go once into a fixed ring; each viewer reads it at its own cursor, starting at the newest key frame (fast
/// start). The hub attaches, detaches and wakes viewers and decides when a header starts a new layout; its parts do
/// the rest: the <see cref="UpstreamSupervisor"/> starts the source on the first viewer, reconnects it with backoff
/// and stops it a grace period after the last; the <see cref="SessionPump"/> reads each session into the ring; the
/// <see cref="TimelineSplicer"/> keeps the viewers' timeline going forward across reconnects and re-plays; the
/// <see cref="AdaptationDriver"/> switches streams upstream with smart streaming on.
/// </summary>
public sealed partial class StreamHub : IAsyncDisposable
{
    private static readonly TimeSpan FirstHeaderTimeout = TimeSpan.FromSeconds(30);

    private readonly UpstreamConnector _connector;
    private readonly RingSlotPrefix _slotPrefix;
    private readonly GatewayOptions _global;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly List<HubViewer> _viewers = [];
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly StreamBitrateMeter _meter = new();
    private readonly TimelineSplicer _splicer = new();
    private readonly UpstreamSupervisor _supervisor;
    private readonly AdaptationDriver _adaptation;
    private readonly SessionPump _pump;
    private TaskCompletionSource<HubStream> _streamReady = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completed when a connect attempt fails before the stream ever played: waiting viewers get the error now.</summary>
    private TaskCompletionSource _attemptFailed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _supervision = Task.CompletedTask;
    private int _version;

    /// <summary>Packets before this sequence are from a closed session: too old to start a joining viewer on.</summary>
    private long _freshFrom;

    /// <param name="slotPrefix">The framing the ring stores in front of each packet (chosen at wiring).</param>
    public StreamHub(string name, StreamOptions options, UpstreamConnector connector, RingSlotPrefix slotPrefix, GatewayOptions global,
        GatewayMetrics metrics, ILogger logger, TimeProvider time)
    {
        Name = name;
        Options = options;
        _connector = connector;
        _slotPrefix = slotPrefix;
        _global = global;
        _metrics = metrics;
        _logger = logger;
        _time = time;
        _supervisor = new UpstreamSupervisor(name, options.CloseAfter ?? global.CloseAfter, options.AlwaysOn,
            new ReconnectBackoff(global.ReconnectInitialDelay, global.ReconnectMaxDelay), time, logger);
        var adapter = options.Adaptive ?? global.Adaptation.Enabled ? new UpstreamAdapter(global.Adaptation, options.MaxBitrate, _meter) : null;
        _adaptation = new AdaptationDriver(name, options.MaxBitrate, adapter, metrics, logger, time);
        _pump = new SessionPump(this, _splicer, _meter, _adaptation, metrics);
    }

    /// <summary>Smart streaming's state (null when off for this stream).</summary>
    public AdaptationSnapshot? Adaptation => _adaptation.Snapshot;

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

    public void Start() => _supervision = Task.Run(() => _supervisor.RunAsync(RunSessionAsync, SessionLost, _stop.Token));

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
            _supervisor.Want();
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
            if (_viewers.Count == 0) _supervisor.LastViewerLeft();
        }
    }

    /// <summary>Tells every viewer of <paramref name="stream"/> that the ring has a new packet.</summary>
    internal void WakeViewers(HubStream stream)
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

    /// <summary>One upstream session, from connect to its end (the supervisor's unit of work).</summary>
    private async Task RunSessionAsync(CancellationToken ct)
    {
        State = Current is null ? HubState.Connecting : HubState.Reconnecting;
        _adaptation.StartSession();
        await using var session = await _connector.ConnectAsync(Name, Options, null, ct, _adaptation.InitialSelection).ConfigureAwait(false);
        _supervisor.Established();
        Protocol = session.Protocol;
        LastError = null;
        var protocol = session.Protocol.ToString().ToLowerInvariant();
        _metrics.UpstreamConnected(Name, protocol);
        try
        {
            await _pump.RunAsync(session, ct).ConfigureAwait(false);
        }
        finally
        {
            _metrics.UpstreamDisconnected(Name, protocol);
        }
    }

    /// <summary>A session was lost (the supervisor retries after <paramref name="delay"/>).</summary>
    private void SessionLost(Exception e, TimeSpan delay)
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
        Reconnects++;
        _metrics.UpstreamReconnect(Name);
        State = HubState.Reconnecting;
    }

    /// <summary>The session's header is in and the stream is selected: packets flow.</summary>
    internal void MarkPlaying() => State = HubState.Playing;

    /// <summary>Keeps the current hub stream when the layout is unchanged (viewers continue), else starts a new one.</summary>
    internal HubStream AdoptHeader(IMmsSession session)
    {
        var header = session.Header;
        var upstream = session.SelectedStreams;
        lock (_gate)
        {
            // Smart streaming moves between the streams of one ladder: viewers are offered all of them from the start.
            var offered = _adaptation.Offered(header, upstream);
            if (Current is { } current && HubStream.SameLayout(current.Header, header) && (current.UpstreamStreams == upstream || IsSuperset(current.Offered, upstream)))
            {
                current.UpstreamStreams = upstream;
                _streamReady.TrySetResult(current);
                return current;
            }
            var capacity = Math.Clamp(_global.RingBytes / header.PacketSize, 64, 16384);
            var stream = new HubStream(++_version, header, IsSuperset(offered, upstream) ? offered : upstream, upstream,
                _slotPrefix.CreateRing(capacity, header.PacketSize), _meter);
            _splicer.StartTimeline();
            _freshFrom = 0;
            if (Current is not null)
            {
                foreach (var viewer in _viewers) viewer.Close("the stream's layout changed upstream");
                _streamReady = new TaskCompletionSource<HubStream>(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            Current = stream;
            _streamReady.TrySetResult(stream);
            _adaptation.Publish(stream);
            return stream;
        }
    }

    private static bool IsSuperset(AsfStreamSet set, AsfStreamSet subset) => subset.Intersect(set) == subset;

    /// <summary>True (and the source waits for the next viewer) when nobody has watched for the grace period.</summary>
    internal bool TryGoIdle()
    {
        lock (_gate)
        {
            if (!_supervisor.TryGoIdle(_viewers.Count)) return false;
            State = HubState.Idle;
            // What the ring holds is minutes old by the time the next viewer comes: start that viewer fresh.
            if (Current is { } current) _freshFrom = current.Ring.Published + 1;
        }
        LogIdle(_logger, Name);
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        lock (_gate)
        {
            foreach (var viewer in _viewers) viewer.Close("the gateway is stopping");
        }
        await _supervision.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }
}
