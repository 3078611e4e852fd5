namespace MmsGateway.Adaptation;

/// <summary>
/// Bitrates measured from the packets, for streams whose header declares none (ffmpeg-written files carry no Stream
/// Bitrate Properties, docs/design.md#test-media). Each stream is measured over its own span of send times, so a stream
/// that stops arriving (switched off upstream) keeps the rate it had instead of decaying; once a stream has been
/// seen for <see cref="SettledSpanMs"/> its figure is frozen, since a source's encoding rates do not change. Key-frame
/// payload bytes are counted apart, giving the rate of the "key frames only" step (thinning level 1).
/// Written by the hub's single reading loop; read from anywhere (each figure is one atomic long).
/// </summary>
public sealed class StreamBitrateMeter
{
    /// <summary>Send-time span after which a stream's measured rate is final.</summary>
    public const long SettledSpanMs = 6000;

    /// <summary>Shortest span that gives a usable (if provisional) figure.</summary>
    public const long MinimumSpanMs = 1500;

    /// <summary>Longest send-time step counted as flow; longer ones are gaps.</summary>
    private const long MaxStepMs = 2000;

    private readonly StreamMeter[] _streams = new StreamMeter[128];

    /// <summary>Counts one payload of <paramref name="stream"/> sent at <paramref name="sendTimeMs"/>.</summary>
    public void Add(int stream, int bytes, bool keyFrame, uint sendTimeMs)
    {
        if (stream is <= 0 or >= 128) return;
        ref var meter = ref _streams[stream];
        if (meter.Settled) return;
        // The span is the sum of small forward steps: a gap (the stream was off upstream, or a reconnect moved the
        // timeline) adds nothing, so the figure stays a rate of the stream while it flowed.
        var step = meter.HasData ? (long)sendTimeMs - meter.LastSendTime : 0;
        if (step is > 0 and <= MaxStepMs) meter.SpanMs += step;
        meter.HasData = true;
        meter.LastSendTime = sendTimeMs;
        meter.Bytes += bytes;
        if (keyFrame) meter.KeyFrameBytes += bytes;
        if (meter.SpanMs < MinimumSpanMs) return;
        Volatile.Write(ref meter.Bitrate, meter.Bytes * 8000 / meter.SpanMs);
        Volatile.Write(ref meter.KeyFrameBitrate, meter.KeyFrameBytes * 8000 / meter.SpanMs);
        if (meter.SpanMs >= SettledSpanMs) meter.Settled = true;
    }

    /// <summary>The measured bitrate of a stream in bits/s, 0 while unknown.</summary>
    public long BitrateOf(int stream) => stream is > 0 and < 128 ? Volatile.Read(ref _streams[stream].Bitrate) : 0;

    /// <summary>The measured bitrate of a stream's key-frame payloads alone, 0 while unknown.</summary>
    public long KeyFrameBitrateOf(int stream) => stream is > 0 and < 128 ? Volatile.Read(ref _streams[stream].KeyFrameBitrate) : 0;

    private struct StreamMeter
    {
        public bool HasData;
        public long SpanMs;
        public long LastSendTime;
        public long Bytes;
        public long KeyFrameBytes;
        public long Bitrate;
        public long KeyFrameBitrate;
        public bool Settled;
    }
}
