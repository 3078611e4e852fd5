using Microsoft.Extensions.Logging;
using MmsGateway.Adaptation;
using MmsGateway.Asf;
using MmsGateway.Mms.Client;
using MmsGateway.Observability;

namespace MmsGateway.Streams;

/// <summary>
/// Drives smart streaming for one hub (README "Smart streaming"): feeds the <see cref="UpstreamAdapter"/> policy the
/// arrival and send time of every packet, asks it for a decision a few times a second, and carries a decision out on
/// the session (MMST StreamSwitch, MMSH re-Play: docs/protocol/selection.md#s5.4), counting, logging and publishing
/// each step. With smart streaming off for the stream it only chooses what fits <c>MaxBitrate</c> and publishes that.
/// Used by the hub's session pump alone; <see cref="Snapshot"/> may be read from anywhere.
/// </summary>
internal sealed partial class AdaptationDriver
{
    /// <summary>How often the policy judges the link (it looks at a window of seconds; per packet would be wasted).</summary>
    private const long EvaluationIntervalMs = 250;

    private readonly string _stream;
    private readonly long? _maxBitrate;
    private readonly UpstreamAdapter? _adapter;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly long _epoch;

    /// <summary>The header the adapter planned its ladder for (null: not yet in this session).</summary>
    private AsfHeader? _plannedFor;

    private long _nextEvaluationMs;

    public AdaptationDriver(string stream, long? maxBitrate, UpstreamAdapter? adapter, GatewayMetrics metrics, ILogger logger, TimeProvider time)
    {
        _stream = stream;
        _maxBitrate = maxBitrate;
        _adapter = adapter;
        _metrics = metrics;
        _logger = logger;
        _time = time;
        _epoch = time.GetTimestamp();
    }

    /// <summary>Smart streaming's state (null when off for this stream).</summary>
    public AdaptationSnapshot? Snapshot => _adapter?.Snapshot;

    private long NowMs() => (long)_time.GetElapsedTime(_epoch).TotalMilliseconds;

    /// <summary>A new session is about to connect: the adapter plans again for the header it brings.</summary>
    public void StartSession()
    {
        _plannedFor = null;
        _nextEvaluationMs = 0;
    }

    /// <summary>The connector's first selection for a new session: the adapter's, or what fits <c>MaxBitrate</c>.</summary>
    public IReadOnlyList<StreamSelection> InitialSelection(AsfHeader header)
    {
        if (_adapter is null) return UpstreamSelection.Choose(header, _maxBitrate);
        _plannedFor = header;
        return _adapter.Initial(header, NowMs());
    }

    /// <summary>
    /// The streams viewers are offered for <paramref name="header"/>: with smart streaming, every stream of the ladder
    /// planned for this layout (so a step changes no viewer's header); else what is taken upstream.
    /// </summary>
    public AsfStreamSet Offered(AsfHeader header, AsfStreamSet upstream)
    {
        var offered = _adapter?.Ladder is { } ladder && _plannedFor is { } planned && HubStream.SameLayout(planned, header)
            ? ladder.Offered.Intersect(header.AllStreams) : upstream;
        return offered.IsEmpty ? upstream : offered;
    }

    /// <summary>
    /// Makes sure the adapter plans for this session's header (a session type that did not ask for an initial
    /// selection, or a new layout mid-session, gets the adapter's choice now). False when adaptation is off or the
    /// session cannot switch streams.
    /// </summary>
    public async Task<bool> PrepareAsync(IMmsSession session, HubStream stream, CancellationToken ct)
    {
        if (_adapter is null) return false;
        if (_plannedFor is null || !HubStream.SameLayout(_plannedFor, session.Header))
        {
            _plannedFor = session.Header;
            var selection = _adapter.Initial(session.Header, NowMs());
            if (UpstreamSelection.Selected(selection) != session.SelectedStreams)
            {
                try
                {
                    await session.SelectStreamsAsync(selection, ct).ConfigureAwait(false);
                }
                catch (MmsClientException e) when (e.Kind == MmsClientErrorKind.NotSupported)
                {
                    LogAdaptationUnsupported(_logger, _stream, session.Protocol, e.Message);
                    return false;
                }
                stream.UpstreamStreams = session.SelectedStreams;
            }
        }
        Publish(stream);
        return true;
    }

    /// <summary>
    /// Counts one packet (<paramref name="wireBytes"/>: what crossed the link) and, when it is time to judge, returns
    /// the policy's decision; null to carry on.
    /// </summary>
    public AdaptationDecision? Observe(long sendTimeMs, int wireBytes)
    {
        var nowMs = NowMs();
        _adapter!.Observe(nowMs, sendTimeMs, wireBytes);
        if (nowMs < _nextEvaluationMs) return null;
        _nextEvaluationMs = nowMs + EvaluationIntervalMs;
        return _adapter.Evaluate(nowMs);
    }

    /// <summary>Carries a smart-streaming step out upstream. False when the session turned out unable to switch.</summary>
    public async Task<bool> StepAsync(IMmsSession session, HubStream stream, AdaptationDecision decision, CancellationToken ct)
    {
        try
        {
            await session.SelectStreamsAsync(decision.Rung.Selection, ct).ConfigureAwait(false);
        }
        catch (MmsClientException e) when (e.Kind == MmsClientErrorKind.NotSupported)
        {
            LogAdaptationUnsupported(_logger, _stream, session.Protocol, e.Message);
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
        _metrics.AdaptationStep(_stream, direction);
        Publish(stream);
        LogStep(_logger, _stream, direction, step.From, step.To, decision.Link.ReceivedBitsPerSecond / 1000, decision.Link.Progress,
            decision.Link.BehindMs);
        return true;
    }

    /// <summary>Sets the stream's thinning level and the selected-bitrate and thinning gauges from the adapter's step.</summary>
    public void Publish(HubStream stream)
    {
        var snapshot = _adapter?.Snapshot;
        long selected = 0;
        foreach (var n in stream.UpstreamStreams.Numbers) selected += stream.BitrateOf(n);
        var bitrate = snapshot is { Enabled: true, SelectedBitrate: > 0 } ? snapshot.SelectedBitrate : selected;
        var level = snapshot?.ThinningLevel ?? 0;
        stream.ThinningLevel = level;
        _metrics.SetSelectedBitrate(_stream, bitrate);
        _metrics.SetThinningLevel(_stream, level);
    }
}
