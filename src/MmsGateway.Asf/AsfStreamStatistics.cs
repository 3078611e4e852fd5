using MmsGateway.Asf.Packets;

namespace MmsGateway.Asf;

/// <summary>What the packets of one stream showed: bytes, media objects, key frames and the time they span.</summary>
public sealed class StreamCounters
{
    public long PayloadBytes { get; internal set; }
    public long MediaObjects { get; internal set; }
    public long KeyFrames { get; internal set; }
    public uint FirstPresentationTime { get; internal set; } = uint.MaxValue;
    public uint LastPresentationTime { get; internal set; }
}

/// <summary>
/// Measures per-stream bitrates from data packets, for files whose header declares none (ffmpeg's ASF muxer
/// writes no Stream Bitrate Properties, docs/design.md#test-media). Pure: feed packets, read the counters.
/// </summary>
public sealed class AsfStreamStatistics(int packetSize)
{
    private readonly StreamCounters?[] _streams = new StreamCounters?[128];
    private uint _firstSendTime = uint.MaxValue;
    private uint _lastSendTime;
    private uint _lastDuration;

    public long Packets { get; private set; }

    public StreamCounters? this[int streamNumber] => streamNumber is > 0 and < 128 ? _streams[streamNumber] : null;

    /// <summary>Milliseconds from the first to the last packet's send time, plus the last packet's duration.</summary>
    public long SpanMs => Packets == 0 ? 0 : (long)_lastSendTime - _firstSendTime + _lastDuration;

    public void Add(ReadOnlySpan<byte> packet)
    {
        Span<AsfPayload> payloads = stackalloc AsfPayload[AsfPacketParser.MaxPayloads];
        var header = AsfPacketParser.Parse(packet, packetSize, payloads);
        Packets++;
        _firstSendTime = Math.Min(_firstSendTime, header.SendTime);
        if (header.SendTime >= _lastSendTime)
        {
            _lastSendTime = header.SendTime;
            _lastDuration = header.Duration;
        }
        foreach (var p in payloads[..header.PayloadCount])
        {
            var counters = _streams[p.StreamNumber] ??= new StreamCounters();
            counters.PayloadBytes += p.DataLength;
            if (p.IsCompressed)
            {
                foreach (var sub in new AsfCompressedPayloadEnumerator(packet, p))
                {
                    counters.MediaObjects++;
                    counters.PayloadBytes -= 1; // the sub-payload length byte is framing, not media
                    Observe(counters, sub.PresentationTime);
                }
            }
            else
            {
                if (p.StartsMediaObject)
                {
                    counters.MediaObjects++;
                    if (p.IsKeyFrame) counters.KeyFrames++;
                }
                if (p.ReplicatedDataLength >= 8) Observe(counters, p.PresentationTime);
            }
        }
    }

    /// <summary>Average bitrate of a stream in bps over <paramref name="durationMs"/> (the content duration when known).</summary>
    public uint? MeasuredBitrate(int streamNumber, long durationMs)
    {
        var c = this[streamNumber];
        if (c is null) return null;
        if (durationMs <= 0) durationMs = SpanMs;
        if (durationMs <= 0) return null;
        return (uint)Math.Min(uint.MaxValue, c.PayloadBytes * 8 * 1000 / durationMs);
    }

    private static void Observe(StreamCounters c, uint time)
    {
        c.FirstPresentationTime = Math.Min(c.FirstPresentationTime, time);
        c.LastPresentationTime = Math.Max(c.LastPresentationTime, time);
    }
}
