using MmsGateway.Asf;
using MmsGateway.Mms.Client;

namespace MmsGateway.Adaptation;

/// <summary>Why the adapter moved.</summary>
public enum AdaptationReason
{
    /// <summary>Bitrates of the source were measured; the first real choice.</summary>
    Measured,

    /// <summary>The link fell behind the media: a lower step.</summary>
    Congested,

    /// <summary>The link kept up long enough: try one step higher.</summary>
    Recovered,
}

/// <summary>A step the adapter asks the hub to take upstream.</summary>
public sealed record AdaptationDecision(int From, int To, AdaptationRung Rung, AdaptationReason Reason, LinkEstimate Link);

/// <summary>One taken step, for <c>GET /streams</c>.</summary>
public sealed record AdaptationStep(DateTimeOffset At, string From, string To, string Reason, long ReceivedBitsPerSecond, double Progress);

/// <summary>One step of the current ladder, for <c>GET /streams</c>: what the adapter can move between.</summary>
public sealed record AdaptationLadderStep(string Description, long Bitrate, int ThinningLevel, IReadOnlyList<int> Streams)
{
    public static AdaptationLadderStep Of(AdaptationRung rung) =>
        new(rung.Describe(), rung.Bitrate, rung.ThinningLevel, rung.Streams.Numbers.ToArray());
}

/// <summary>
/// Smart streaming's decisions for one live stream (docs/design.md#adaptation; Windows Media's "intelligent streaming"):
/// which ladder step to take at connect (the best within the configured cap and the last measured link rate), when
/// to step down (the link falls behind the media: one step, or the best step within the measured throughput when the
/// link cannot carry even the next one),
/// and when to step back up (after a hold-off of keeping up, one step at a time; a step above the rate the link was
/// last measured at is a probe and waits four hold-offs; a try that fails doubles the next hold-off, so it does not
/// flap). Audio is never given up: the last step is audio alone.
/// Policy only: the hub feeds it packets' arrival and send times and carries out what it returns.
/// Used by the hub's reading loop alone; <see cref="Snapshot"/> may be read from anywhere.
/// </summary>
public sealed class UpstreamAdapter(AdaptationOptions options, long? maxBitrate, StreamBitrateMeter meter)
{
    private const int MaxPenalty = 3;
    private const int HistoryLength = 16;
    private const int ProbeHoldOffs = 4;

    private readonly ThroughputEstimator _estimator = new(options.Window);
    private readonly Dictionary<int, int> _failedClimbs = [];
    private readonly Queue<AdaptationStep> _history = new();
    private AsfHeader? _header;
    private long _measureStartMs;
    private long _lastChangeMs;
    private long _lastCongestedMs;
    private bool _lastChangeWasClimb;
    private long? _linkBitsPerSecond;
    private volatile AdaptationSnapshot _snapshot = AdaptationSnapshot.NotConnected;
    private (AdaptationLadder? Ladder, AdaptationLadderStep[] Steps) _publishedLadder = (null, []);

    /// <summary>The ladder of the current session's header (null before the first connect).</summary>
    public AdaptationLadder? Ladder { get; private set; }

    /// <summary>The step taken now; -1 while measuring (every candidate stream taken).</summary>
    public int Rung { get; private set; } = -1;

    public bool IsMeasuring => Rung < 0 && Ladder is not null;

    public AdaptationSnapshot Snapshot => _snapshot;

    /// <summary>
    /// The selection for a new session (the connector's initial selection): the best step within the cap and the
    /// last known link rate; or, when some candidate's bitrate is not known yet, every stream the ladder offers, to
    /// measure them first.
    /// </summary>
    public IReadOnlyList<StreamSelection> Initial(AsfHeader header, long nowMs)
    {
        _header = header;
        Ladder = Build(header);
        _estimator.Reset();
        _lastChangeMs = nowMs;
        _lastChangeWasClimb = false;
        if (Ladder.CandidateVideo.Numbers.Any(n => BitrateOf(n) == 0))
        {
            Rung = -1;
            _measureStartMs = nowMs;
            Publish(null);
            return header.Streams.Select(s => new StreamSelection(s.StreamNumber,
                Ladder.Offered.Contains(s.StreamNumber) ? StreamSelection.Full : StreamSelection.Off)).ToList();
        }
        Rung = Ladder.BestWithin(Budget(_linkBitsPerSecond));
        Publish(null);
        return Ladder.Rungs[Rung].Selection;
    }

    /// <summary>Counts one packet: arrival time (gateway clock, ms), send time (ms), size.</summary>
    public void Observe(long arrivalMs, long sendTimeMs, int bytes) => _estimator.Observe(arrivalMs, sendTimeMs, bytes);

    /// <summary>Judges the link at <paramref name="nowMs"/>; a decision to carry out, or null to stay.</summary>
    public AdaptationDecision? Evaluate(long nowMs)
    {
        if (Ladder is null || _header is null) return null;
        var link = _estimator.Estimate(nowMs);
        if (IsMeasuring)
        {
            var known = Ladder.CandidateVideo.Numbers.All(n => BitrateOf(n) > 0);
            if (!known && nowMs - _measureStartMs < (long)options.MeasureFor.TotalMilliseconds) return null;
            Ladder = Build(_header);
            var slow = link.HasWindow && link.Progress < 0.9;
            var to = Ladder.BestWithin(Budget(slow ? link.ReceivedBitsPerSecond : _linkBitsPerSecond));
            return new AdaptationDecision(-1, to, Ladder.Rungs[to], AdaptationReason.Measured, link);
        }

        Publish(link);
        if (nowMs - _lastChangeMs < (long)options.Settle.TotalMilliseconds || !link.HasWindow) return null;
        var behindLimit = (long)options.BehindLimit.TotalMilliseconds;
        var congested = (link.BehindMs > behindLimit && link.Progress < 0.95) || link.BehindMs > 3 * behindLimit;
        if (congested)
        {
            _lastCongestedMs = nowMs;
            if (_lastChangeWasClimb && nowMs - _lastChangeMs < 2 * (long)options.HoldOff.TotalMilliseconds)
            {
                _failedClimbs[Rung] = Math.Min(_failedClimbs.GetValueOrDefault(Rung) + 1, MaxPenalty);
                _lastChangeWasClimb = false;
            }
            _linkBitsPerSecond = link.ReceivedBitsPerSecond;
            if (Rung >= Ladder.Rungs.Count - 1) return null; // already audio alone (or the source's lowest)
            // One step down while the link still carries the next step; further only when it cannot carry even that. A
            // window that caught a stall (a busy machine, a pause of the server) under-reads the link, and jumping on such
            // a reading skips the step that fits; the next evaluation after Settle steps again if one was not enough.
            var next = Rung + 1;
            var to = link.ReceivedBitsPerSecond >= Ladder.Rungs[next].Bitrate
                ? next
                : Math.Max(next, Ladder.BestWithin((long)(link.ReceivedBitsPerSecond * options.Headroom)));
            return new AdaptationDecision(Rung, to, Ladder.Rungs[to], AdaptationReason.Congested, link);
        }

        if (Rung == 0) return null;
        var penalty = 1 << _failedClimbs.GetValueOrDefault(Rung - 1);
        // A step above what the link was last measured to carry is a probe: it waits four hold-offs, not one.
        if (_linkBitsPerSecond is { } measured && Ladder.Rungs[Rung - 1].Bitrate > measured * options.Headroom) penalty *= ProbeHoldOffs;
        var calmSince = Math.Max(_lastChangeMs, _lastCongestedMs);
        if (nowMs - calmSince < (long)options.HoldOff.TotalMilliseconds * penalty) return null;
        if (Ladder.Rungs[Rung - 1].Bitrate > (maxBitrate is > 0 ? maxBitrate.Value : long.MaxValue)) return null;
        return new AdaptationDecision(Rung, Rung - 1, Ladder.Rungs[Rung - 1], AdaptationReason.Recovered, link);
    }

    /// <summary>The hub carried <paramref name="decision"/> out upstream; returns the step as history records it.</summary>
    public AdaptationStep Applied(AdaptationDecision decision, long nowMs, DateTimeOffset at)
    {
        var from = decision.From < 0 || Ladder is null ? "measuring" : Ladder.Rungs[decision.From].Describe();
        Rung = decision.To;
        _lastChangeMs = nowMs;
        _lastChangeWasClimb = decision.Reason == AdaptationReason.Recovered;
        if (_lastChangeWasClimb) _linkBitsPerSecond = null;
        _estimator.Reset();
        var step = new AdaptationStep(at, from, decision.Rung.Describe(), decision.Reason.ToString().ToLowerInvariant(),
            decision.Link.ReceivedBitsPerSecond, Math.Round(decision.Link.Progress, 3));
        lock (_history)
        {
            _history.Enqueue(step);
            while (_history.Count > HistoryLength) _history.Dequeue();
        }
        Publish(null);
        return step;
    }

    /// <summary>The rate a connect may plan for: the cap, and the last link rate measured under congestion.</summary>
    private long Budget(long? link)
    {
        var budget = maxBitrate is > 0 ? maxBitrate.Value : long.MaxValue;
        if (link is > 0) budget = Math.Min(budget, (long)(link.Value * options.Headroom));
        return budget;
    }

    private AdaptationLadder Build(AsfHeader header) =>
        AdaptationLadder.Build(header, BitrateOf, meter.KeyFrameBitrateOf, maxBitrate);

    private long BitrateOf(int stream) => (long?)_header?.DeclaredBitrate(stream)?.Bitrate ?? meter.BitrateOf(stream);

    private void Publish(LinkEstimate? link)
    {
        var ladder = Ladder;
        if (ladder is null) return;
        var rung = Rung >= 0 ? ladder.Rungs[Rung] : null;
        AdaptationStep[] history;
        lock (_history) history = [.. _history];
        var previous = _snapshot;
        // The ladder is rebuilt only when bitrates are measured or a session starts: described once per ladder.
        if (!ReferenceEquals(_publishedLadder.Ladder, ladder)) _publishedLadder = (ladder, [.. ladder.Rungs.Select(AdaptationLadderStep.Of)]);
        _snapshot = new AdaptationSnapshot(true, Rung, ladder.Rungs.Count, rung?.Describe() ?? "measuring the source's bitrates",
            rung?.Bitrate ?? ladder.Offered.Numbers.Sum(BitrateOf), rung?.ThinningLevel ?? 0,
            link?.ReceivedBitsPerSecond ?? previous.ReceivedBitsPerSecond, Math.Round(link?.Progress ?? previous.Progress, 3),
            link?.BehindMs ?? previous.BehindMs, history, _publishedLadder.Steps);
    }
}

/// <summary>The adapter's state as <c>GET /streams</c> shows it.</summary>
public sealed record AdaptationSnapshot(
    bool Enabled, int Step, int Steps, string Current, long SelectedBitrate, int ThinningLevel,
    long ReceivedBitsPerSecond, double Progress, long BehindMs, IReadOnlyList<AdaptationStep> History,
    IReadOnlyList<AdaptationLadderStep> Ladder)
{
    public static AdaptationSnapshot NotConnected { get; } = new(true, -1, 0, "not connected", 0, 0, 0, 0, 0, [], []);
}
