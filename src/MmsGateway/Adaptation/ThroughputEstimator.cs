namespace MmsGateway.Adaptation;

/// <summary>
/// How well the link keeps up with the media, from when packets arrive against their send times (docs/design.md
/// "Adaptation"). A server sends a live stream in real time, so over a healthy link the send times advance as fast as
/// the wall clock and the lag (arrival minus send time) stays flat; over a link slower than the media rate they
/// fall behind and the lag grows. Arrivals are summed into short buckets over a sliding window, giving the bytes per
/// second actually received (the link's capacity while it is the bottleneck) and the media progress ratio.
/// Pure arithmetic over the times it is given: no clock, no allocation per packet.
/// </summary>
public sealed class ThroughputEstimator
{
    private const int BucketMs = 250;

    private readonly Bucket[] _buckets;
    private readonly long _windowMs;
    private long _current = -1;
    private long _lagFloorMs = long.MaxValue;
    private long _lastLagMs;
    private long _startMs = -1;

    public ThroughputEstimator(TimeSpan window)
    {
        _windowMs = Math.Max((long)window.TotalMilliseconds, 4 * BucketMs);
        _buckets = new Bucket[_windowMs / BucketMs + 1];
    }

    /// <summary>Records a packet of <paramref name="bytes"/> that arrived at <paramref name="arrivalMs"/> with send time <paramref name="sendTimeMs"/>.</summary>
    public void Observe(long arrivalMs, long sendTimeMs, int bytes)
    {
        if (_startMs < 0) _startMs = arrivalMs;
        var index = arrivalMs / BucketMs;
        ref var bucket = ref _buckets[index % _buckets.Length];
        if (bucket.Index != index) bucket = new Bucket { Index = index, FirstSendMs = sendTimeMs, LastSendMs = sendTimeMs };
        bucket.Bytes += bytes;
        bucket.FirstSendMs = Math.Min(bucket.FirstSendMs, sendTimeMs);
        bucket.LastSendMs = Math.Max(bucket.LastSendMs, sendTimeMs);
        _current = index;
        _lastLagMs = arrivalMs - sendTimeMs;
        // The lowest lag seen is when the link was keeping up (a join burst drains down to it): the reference point.
        _lagFloorMs = Math.Min(_lagFloorMs, _lastLagMs);
    }

    /// <summary>Forgets everything: after a stream switch the old figures describe another selection.</summary>
    public void Reset()
    {
        Array.Clear(_buckets);
        _current = -1;
        _lagFloorMs = long.MaxValue;
        _startMs = -1;
    }

    /// <summary>The figures over the window ending at <paramref name="nowMs"/>; <see cref="LinkEstimate.HasWindow"/> is false until a whole window has passed.</summary>
    public LinkEstimate Estimate(long nowMs)
    {
        if (_startMs < 0) return default;
        var newest = nowMs / BucketMs;
        var oldest = newest - _buckets.Length + 1;
        long bytes = 0, firstSend = long.MaxValue, lastSend = long.MinValue;
        foreach (ref readonly var b in _buckets.AsSpan())
        {
            if (b.Index < oldest || b.Index > newest || b.Bytes == 0) continue;
            bytes += b.Bytes;
            firstSend = Math.Min(firstSend, b.FirstSendMs);
            lastSend = Math.Max(lastSend, b.LastSendMs);
        }
        var spanMs = Math.Min(nowMs - _startMs, _windowMs);
        var hasWindow = nowMs - _startMs >= _windowMs;
        if (spanMs <= 0) return default;
        var progress = bytes == 0 ? 0 : Math.Max(lastSend - firstSend, 0) / (double)spanMs;
        var behind = _lagFloorMs == long.MaxValue ? 0 : Math.Max(_lastLagMs - _lagFloorMs, 0);
        // Nothing arrived for a while: the lag keeps growing even though no packet says so.
        if (_current >= 0) behind += Math.Max(nowMs - (_current + 1) * BucketMs, 0);
        // The whole window's rate: a single second is too bursty (a server's sends, a busy machine's scheduling) and
        // under-reads the link. Congestion is only declared once the lag has grown for a while, by when the window
        // holds mostly the slower link.
        return new LinkEstimate(hasWindow, bytes * 8000 / spanMs, progress, behind);
    }

    private struct Bucket
    {
        public long Index;
        public long Bytes;
        public long FirstSendMs;
        public long LastSendMs;
    }
}

/// <summary>What the link did over the last window.</summary>
/// <param name="HasWindow">A whole window has been observed since the last reset.</param>
/// <param name="ReceivedBitsPerSecond">Bits per second that arrived.</param>
/// <param name="Progress">Media time per wall time: 1 keeps up, below 1 falls behind, above 1 catches up.</param>
/// <param name="BehindMs">How much later than at best packets now arrive against their send times.</param>
public readonly record struct LinkEstimate(bool HasWindow, long ReceivedBitsPerSecond, double Progress, long BehindMs);
