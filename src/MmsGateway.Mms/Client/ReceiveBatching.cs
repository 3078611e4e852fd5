namespace MmsGateway.Mms.Client;

/// <summary>
/// How many bytes the next streaming receive of an upstream connection should wait for: about
/// <see cref="Window"/> of the stream at the rate it has been arriving, so the socket wakes the process a few dozen
/// times a second instead of once per ASF packet (a 2.5 Mbit/s stream of 3200-byte packets is ~100 wake-ups a second,
/// each a hop from the socket thread to a pool thread, which was most of an idle gateway's CPU). The connection applies
/// it as the socket's low-water mark (SO_RCVLOWAT) and lowers the mark again when a receive has waited
/// <see cref="HoldLimit"/>, so a quiet moment, a control message or the end of a stream is late by that much at most.
/// Pure arithmetic over the sizes and times it is given.
/// </summary>
internal sealed class ReceiveBatching(TimeSpan window, long timestampFrequency)
{
    /// <summary>Most bytes a receive waits for (the kernel may have to grow the receive buffer for it).</summary>
    public const int MaxBytes = 32 * 1024;

    /// <summary>Weight of the newest receive in the rate estimate.</summary>
    private const double Smoothing = 0.3;

    private double _bytesPerSecond;
    private long _lastCompletion;

    public TimeSpan Window { get; } = window;

    /// <summary>
    /// How long a receive may wait for its batch before the mark drops to one byte. Checking it costs a timer wake-up
    /// per hold limit, so it is not much shorter than a viewer's flush interval.
    /// </summary>
    public TimeSpan HoldLimit => Window * 2.5 > MinHoldLimit ? Window * 2.5 : MinHoldLimit;

    private static readonly TimeSpan MinHoldLimit = TimeSpan.FromMilliseconds(250);

    /// <summary>The low-water mark for the next receive: 1 until the rate is known.</summary>
    public int NextLowWaterMark() =>
        (int)Math.Clamp(_bytesPerSecond * Window.TotalSeconds, 1, MaxBytes);

    /// <summary>A receive of <paramref name="bytes"/> completed at <paramref name="timestamp"/>.</summary>
    public void Completed(int bytes, long timestamp)
    {
        if (_lastCompletion != 0 && timestamp > _lastCompletion)
        {
            var rate = bytes * (double)timestampFrequency / (timestamp - _lastCompletion);
            _bytesPerSecond = _bytesPerSecond == 0 ? rate : _bytesPerSecond + Smoothing * (rate - _bytesPerSecond);
        }
        _lastCompletion = timestamp;
    }

    /// <summary>The stream paused or a receive was not a streaming one: the next interval does not measure the rate.</summary>
    public void Interrupted() => _lastCompletion = 0;
}
