using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Reflection;

namespace MmsGateway.Observability;

/// <summary>
/// The gateway's own instruments (docs/design.md#metrics: the Prometheus names are the contract). One singleton per
/// application; the stream layer, the outputs and the adaptation call its typed methods. Counters and up-down
/// counters take their tags as two or three <see cref="KeyValuePair{TKey,TValue}"/> arguments, which allocate
/// nothing (stream names and the label constants of <see cref="MetricLabels"/> are already strings), so the
/// per-packet methods are safe on the hot path.
/// </summary>
public sealed class GatewayMetrics
{
    /// <summary>The meter's name (the exporter exports it and every meter named "MmsGateway.*").</summary>
    public const string MeterName = "MmsGateway";

    private const string StreamTag = "stream";
    private const string ProtocolTag = "protocol";
    private const string ResultTag = "result";
    private const string OutputTag = "output";
    private const string ReasonTag = "reason";
    private const string VariantTag = "variant";
    private const string OutcomeTag = "outcome";

    private readonly UpDownCounter<long> _upstreamSessions;
    private readonly Counter<long> _connectAttempts;
    private readonly Counter<long> _reconnects;
    private readonly Counter<long> _upstreamBytes;
    private readonly Counter<long> _upstreamLostPackets;
    private readonly UpDownCounter<long> _viewers;
    private readonly Counter<long> _viewerBytes;
    private readonly Counter<long> _droppedPackets;
    private readonly UpDownCounter<long> _transcoders;
    private readonly Counter<long> _hlsSegments;
    private readonly Counter<long> _adaptationSteps;
    private readonly ConcurrentDictionary<string, long> _selectedBitrate = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _thinningLevel = new(StringComparer.Ordinal);

    public GatewayMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        // Through the factory, not `new Meter`: the meter then belongs to this application (its scope), which the
        // exporter uses to keep two hosts in one process (tests) apart, and is disposed with the application.
        var meter = meterFactory.Create(new MeterOptions(MeterName));

        // Instrument names are the Prometheus names without the suffixes the exporter adds: "_total" on counters
        // and the base unit ("By" -> "_bytes", already part of the name, so not doubled).
        _upstreamSessions = meter.CreateUpDownCounter<long>("mmsgw_upstream_sessions", "{session}",
            "Upstream sessions open now.");
        _connectAttempts = meter.CreateCounter<long>("mmsgw_upstream_connect_attempts", "{attempt}",
            "Upstream connection attempts (one per protocol tried in a rollover) by outcome.");
        _reconnects = meter.CreateCounter<long>("mmsgw_upstream_reconnects", "{reconnect}",
            "Reconnects after an upstream session was lost.");
        _upstreamBytes = meter.CreateCounter<long>("mmsgw_upstream_bytes", "By",
            "Bytes read from upstream servers.");
        _upstreamLostPackets = meter.CreateCounter<long>("mmsgw_upstream_lost_packets", "{packet}",
            "Packets missing upstream (MMSU, RTSP), by outcome: recovered by a resend, lost, or ASF packets torn by a lost fragment.");
        _viewers = meter.CreateUpDownCounter<long>("mmsgw_viewers", "{viewer}",
            "Viewers attached now, by output (asf, wmsp, hls).");
        _viewerBytes = meter.CreateCounter<long>("mmsgw_viewer_bytes", "By",
            "Bytes written to viewers.");
        _droppedPackets = meter.CreateCounter<long>("mmsgw_dropped_packets", "{packet}",
            "Packets not delivered to a viewer, by reason (slow viewer, thinning, ...).");
        meter.CreateObservableGauge("mmsgw_selected_bitrate_bps", ObserveSelectedBitrate, "{bit}/s",
            "Sum of the bitrates of the streams taken upstream, in bits per second.");
        meter.CreateObservableGauge("mmsgw_thinning_level", ObserveThinningLevel, "{level}",
            "Thinning level asked of the upstream server: 0 full, 1 key frames only, 2 audio only.");
        _transcoders = meter.CreateUpDownCounter<long>("mmsgw_transcoders", "{process}",
            "ffmpeg processes running.");
        _hlsSegments = meter.CreateCounter<long>("mmsgw_hls_segments", "{segment}",
            "HLS media segments produced, by variant.");
        _adaptationSteps = meter.CreateCounter<long>("mmsgw_adaptation_steps", "{step}",
            "Smart-streaming steps taken upstream, by direction (down, up, measured).");
        var version = typeof(GatewayMetrics).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? typeof(GatewayMetrics).Assembly.GetName().Version?.ToString() ?? "unknown";
        // The usual *_build_info idiom: constant 1, the version as a label, for dashboards to join on.
        meter.CreateObservableGauge("mmsgw_build_info", () => new Measurement<int>(1, new KeyValuePair<string, object?>("version", version)),
            description: "Gateway build information; the value is always 1.");
    }

    /// <summary>A connection attempt failed (one protocol of a rollover); <paramref name="result"/> from <see cref="MetricLabels.ConnectResults"/>.</summary>
    public void UpstreamConnectFailed(string stream, string protocol, string result) =>
        _connectAttempts.Add(1, Tag(StreamTag, stream), Tag(ProtocolTag, protocol), Tag(ResultTag, result));

    /// <summary>An upstream session is open: counts a successful attempt and one more open session.</summary>
    public void UpstreamConnected(string stream, string protocol)
    {
        _connectAttempts.Add(1, Tag(StreamTag, stream), Tag(ProtocolTag, protocol), Tag(ResultTag, MetricLabels.ConnectResults.Success));
        _upstreamSessions.Add(1, Tag(StreamTag, stream), Tag(ProtocolTag, protocol));
    }

    /// <summary>An upstream session opened by <see cref="UpstreamConnected"/> ended (for whatever reason).</summary>
    public void UpstreamDisconnected(string stream, string protocol) =>
        _upstreamSessions.Add(-1, Tag(StreamTag, stream), Tag(ProtocolTag, protocol));

    /// <summary>The supervisor starts a reconnect after a lost session.</summary>
    public void UpstreamReconnect(string stream) => _reconnects.Add(1, Tag(StreamTag, stream));

    /// <summary>Bytes read from upstream (hot path: call per read or per packet).</summary>
    public void UpstreamBytes(string stream, long bytes) => _upstreamBytes.Add(bytes, Tag(StreamTag, stream));

    /// <summary>
    /// Packets missing upstream since the last call; <paramref name="outcome"/> from <see cref="MetricLabels.LossOutcomes"/>.
    /// Safe on the hot path.
    /// </summary>
    public void UpstreamPacketsLost(string stream, string protocol, string outcome, long count) =>
        _upstreamLostPackets.Add(count, Tag(StreamTag, stream), Tag(ProtocolTag, protocol), Tag(OutcomeTag, outcome));

    /// <summary>A viewer attached; <paramref name="output"/> from <see cref="MetricLabels.Outputs"/>.</summary>
    public void ViewerConnected(string stream, string output) => _viewers.Add(1, Tag(StreamTag, stream), Tag(OutputTag, output));

    /// <summary>A viewer counted by <see cref="ViewerConnected"/> left.</summary>
    public void ViewerDisconnected(string stream, string output) => _viewers.Add(-1, Tag(StreamTag, stream), Tag(OutputTag, output));

    /// <summary>Bytes written to a viewer (hot path).</summary>
    public void ViewerBytes(string stream, string output, long bytes) =>
        _viewerBytes.Add(bytes, Tag(StreamTag, stream), Tag(OutputTag, output));

    /// <summary>Packets not delivered; <paramref name="reason"/> from <see cref="MetricLabels.DropReasons"/> (hot path).</summary>
    public void PacketsDropped(string stream, string reason, long count) =>
        _droppedPackets.Add(count, Tag(StreamTag, stream), Tag(ReasonTag, reason));

    /// <summary>The streams taken upstream changed: the sum of their bitrates in bits/s.</summary>
    public void SetSelectedBitrate(string stream, long bitsPerSecond) => _selectedBitrate[stream] = bitsPerSecond;

    /// <summary>The thinning level asked of upstream changed: 0 full, 1 key frames only, 2 audio only.</summary>
    public void SetThinningLevel(string stream, int level) => _thinningLevel[stream] = level;

    /// <summary>Smart streaming moved upstream: <paramref name="direction"/> is <c>down</c>, <c>up</c> or <c>measured</c>.</summary>
    public void AdaptationStep(string stream, string direction) =>
        _adaptationSteps.Add(1, Tag(StreamTag, stream), Tag("direction", direction));

    /// <summary>An ffmpeg process started for the stream.</summary>
    public void TranscoderStarted(string stream) => _transcoders.Add(1, Tag(StreamTag, stream));

    /// <summary>An ffmpeg process counted by <see cref="TranscoderStarted"/> exited.</summary>
    public void TranscoderExited(string stream) => _transcoders.Add(-1, Tag(StreamTag, stream));

    /// <summary>An HLS media segment was cut; <paramref name="variant"/> names the rendition (low cardinality).</summary>
    public void HlsSegmentProduced(string stream, string variant) =>
        _hlsSegments.Add(1, Tag(StreamTag, stream), Tag(VariantTag, variant));

    /// <summary>
    /// The stream's upstream session is gone for good (stream removed, or idle and closed): its gauges
    /// (selected bitrate, thinning level) stop being exported rather than showing their last values.
    /// </summary>
    public void ForgetStream(string stream)
    {
        _selectedBitrate.TryRemove(stream, out _);
        _thinningLevel.TryRemove(stream, out _);
    }

    private IEnumerable<Measurement<long>> ObserveSelectedBitrate()
    {
        foreach (var (stream, bps) in _selectedBitrate) yield return new Measurement<long>(bps, Tag(StreamTag, stream));
    }

    private IEnumerable<Measurement<int>> ObserveThinningLevel()
    {
        foreach (var (stream, level) in _thinningLevel) yield return new Measurement<int>(level, Tag(StreamTag, stream));
    }

    private static KeyValuePair<string, object?> Tag(string key, string value) => new(key, value);
}
