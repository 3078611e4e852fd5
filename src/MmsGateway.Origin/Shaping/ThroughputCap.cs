namespace MmsGateway.Origin.Shaping;

/// <summary>
/// The origin's per-session bandwidth cap in bits per second (0 = none), shared by all sessions and changeable
/// while they run (admin endpoint), so smart-streaming tests can squeeze a live link.
/// </summary>
public sealed class ThroughputCap(long bitsPerSecond)
{
    private long _bitsPerSecond = bitsPerSecond;

    public long BitsPerSecond
    {
        get => Interlocked.Read(ref _bitsPerSecond);
        set => Interlocked.Exchange(ref _bitsPerSecond, Math.Max(0, value));
    }
}

/// <summary>
/// A token bucket for one session, reading the shared cap on every call so a change takes effect at once. The
/// bucket holds at most a quarter second of credit, so a lowered cap bites quickly.
/// </summary>
public sealed class SessionThrottle(ThroughputCap cap, TimeProvider time)
{
    private long _lastTicks = time.GetTimestamp();
    private double _creditBytes;

    /// <summary>Waits until <paramref name="bytes"/> may be sent under the current cap.</summary>
    public async ValueTask WaitAsync(int bytes, CancellationToken cancellationToken)
    {
        while (true)
        {
            var bps = cap.BitsPerSecond;
            if (bps <= 0)
            {
                _creditBytes = 0;
                _lastTicks = time.GetTimestamp();
                return;
            }
            var bytesPerSecond = bps / 8.0;
            var now = time.GetTimestamp();
            _creditBytes = Math.Min(_creditBytes + time.GetElapsedTime(_lastTicks, now).TotalSeconds * bytesPerSecond,
                Math.Max(bytesPerSecond / 4, bytes));
            _lastTicks = now;
            if (_creditBytes >= bytes)
            {
                _creditBytes -= bytes;
                return;
            }
            var wait = TimeSpan.FromSeconds((bytes - _creditBytes) / bytesPerSecond);
            await Task.Delay(wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wait, time, cancellationToken).ConfigureAwait(false);
        }
    }
}
