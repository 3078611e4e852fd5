namespace MmsGateway.Streams;

/// <summary>
/// Keeps the viewers' timeline going forward across the upstream sessions of one hub stream (docs/design.md#streamhub;
/// README "Smart streaming"). Given each upstream packet's send time it answers whether viewers get the packet and by
/// how much its time stamps are shifted:
/// <list type="bullet">
/// <item>a new session (a reconnect, or a header that starts another timeline) is spliced on right after what the
/// viewers have, so their players neither wait for a clock that went back nor jump ahead;</item>
/// <item>the same broadcast re-played (an MMSH stream switch, docs/protocol/selection.md#s5.4) restarts at a key frame
/// the viewers already have: that overlap is skipped rather than shifted, which would replay audio and add latency at
/// every switch;</item>
/// <item>a re-play that resumes well past what a lagging session received (a step down is taken because the link fell
/// behind) is spliced on too: what the slow link never carried is gone, and players skip it instead of stalling.</item>
/// </list>
/// Pure: no clock, no I/O; one instance per hub, used by one session at a time.
/// </summary>
public sealed class TimelineSplicer
{
    /// <summary>A re-played broadcast restarting further back than this is taken for a new timeline.</summary>
    public const long ReplayOverlapLimitMs = 30_000;

    /// <summary>A re-played broadcast resuming further ahead than this skipped media (wider than any packet spacing of a live stream).</summary>
    public const long ReplayJumpLimitMs = 500;

    /// <summary>How far after the viewers' last packet a spliced timeline's first packet is sent.</summary>
    public const long SpliceGapMs = 100;

    /// <summary>Send time of the last packet viewers got, after shifting; -1 before the first of this timeline.</summary>
    private long _outputTimeMs = -1;
    private long _shiftMs;
    private bool _shiftKnown;

    /// <summary>Send time (as the upstream stamped it) of this session's last packet passed on; -1 before the first.</summary>
    private long _lastUpstreamTimeMs = -1;

    /// <summary>While ≥ 0: the session re-played, viewers have everything up to this upstream send time.</summary>
    private long _replayedThrough = -1;

    /// <summary>The send time of the last packet viewers got (-1 when none on this timeline yet).</summary>
    public long OutputTimeMs => _outputTimeMs;

    /// <summary>Viewers start over (a new stream layout, a new ring): the next packet keeps its own time.</summary>
    public void StartTimeline()
    {
        _outputTimeMs = -1;
        _shiftKnown = false;
    }

    /// <summary>A new upstream session: its first packet is spliced on after the viewers' last one.</summary>
    public void StartSession()
    {
        _shiftKnown = false;
        _shiftMs = 0;
        _lastUpstreamTimeMs = -1;
        _replayedThrough = -1;
    }

    /// <summary>The session's timeline broke off (another header): splice its next packet on.</summary>
    public void Discontinuity() => _shiftKnown = false;

    /// <summary>
    /// The session re-played the same broadcast: it restarts near the live point, usually back at a key frame the
    /// viewers have. Packets up to the last one passed on are skipped, a jump past it is spliced on.
    /// </summary>
    public void Replayed()
    {
        if (_lastUpstreamTimeMs >= 0) _replayedThrough = _lastUpstreamTimeMs;
    }

    /// <summary>
    /// Places the packet sent upstream at <paramref name="sendTimeMs"/> on the viewers' timeline. False when viewers
    /// already have it (the overlap of a re-play); else the shift to apply to its time stamps and its new send time.
    /// </summary>
    public bool TryPlace(long sendTimeMs, out long shiftMs, out uint outputSendTime)
    {
        if (_replayedThrough >= 0)
        {
            if (sendTimeMs <= _replayedThrough && sendTimeMs + ReplayOverlapLimitMs > _replayedThrough)
            {
                shiftMs = 0;
                outputSendTime = 0;
                return false;
            }
            // Far behind the overlap: another timeline after all. Well ahead of it: media the viewers never got.
            // Either way the session is spliced on after what the viewers have, as after a reconnect.
            if (sendTimeMs <= _replayedThrough || sendTimeMs > _replayedThrough + ReplayJumpLimitMs) _shiftKnown = false;
            _replayedThrough = -1;
        }
        _lastUpstreamTimeMs = sendTimeMs;
        if (!_shiftKnown)
        {
            _shiftMs = _outputTimeMs < 0 ? 0 : _outputTimeMs + SpliceGapMs - sendTimeMs;
            _shiftKnown = true;
        }
        shiftMs = _shiftMs;
        outputSendTime = (uint)Math.Clamp(sendTimeMs + _shiftMs, 0, uint.MaxValue);
        _outputTimeMs = outputSendTime;
        return true;
    }
}
