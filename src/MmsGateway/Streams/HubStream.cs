using MmsGateway.Asf;
using MmsGateway.Asf.Objects;

namespace MmsGateway.Streams;

/// <summary>
/// One continuous stream layout inside a hub: the upstream header, the streams taken upstream and the packet ring.
/// It survives upstream reconnects as long as the layout stays the same, so attached viewers keep playing; a
/// different layout starts a new <see cref="HubStream"/> and ends the viewers of the old one.
/// </summary>
public sealed class HubStream
{
    public HubStream(int version, AsfHeader header, AsfStreamSet upstreamStreams, PacketRing ring)
    {
        Version = version;
        Header = header;
        UpstreamStreams = upstreamStreams;
        Ring = ring;
        VideoStreams = AsfStreamSet.Of(header.Streams.Where(s => s.Type == AsfStreamType.Video && upstreamStreams.Contains(s.StreamNumber)).Select(s => s.StreamNumber));
        AudioStreams = AsfStreamSet.Of(header.Streams.Where(s => s.Type == AsfStreamType.Audio && upstreamStreams.Contains(s.StreamNumber)).Select(s => s.StreamNumber));
    }

    public int Version { get; }
    public AsfHeader Header { get; }

    /// <summary>The streams selected upstream (what the ring's packets carry).</summary>
    public AsfStreamSet UpstreamStreams { get; }

    public AsfStreamSet VideoStreams { get; }
    public AsfStreamSet AudioStreams { get; }
    public PacketRing Ring { get; }

    /// <summary>Measured bitrates of the packets seen so far, for streams whose header declares none.</summary>
    public StreamBitrateMeter Bitrates { get; } = new();

    /// <summary>The best known bitrate of a stream: declared in the header, else measured.</summary>
    public long BitrateOf(int stream) =>
        Header.DeclaredBitrate(stream)?.Bitrate ?? Bitrates.BitrateOf(stream);

    /// <summary>True when <paramref name="other"/> describes the same streams (numbers, types, codec data, packet size).</summary>
    public static bool SameLayout(AsfHeader a, AsfHeader b)
    {
        if (a.PacketSize != b.PacketSize || a.Streams.Count != b.Streams.Count) return false;
        for (var i = 0; i < a.Streams.Count; i++)
        {
            var x = a.Streams[i];
            var y = b.Streams[i];
            if (x.StreamNumber != y.StreamNumber || x.StreamTypeGuid != y.StreamTypeGuid
                || !x.TypeSpecificData.Span.SequenceEqual(y.TypeSpecificData.Span)) return false;
        }
        return true;
    }
}

/// <summary>Per-stream byte counts over the send-time span seen, giving bitrates for headers that declare none.</summary>
public sealed class StreamBitrateMeter
{
    private readonly long[] _bytes = new long[128];
    private long _firstSendTime = -1;
    private long _lastSendTime;

    public void Add(int stream, int bytes)
    {
        if (stream is > 0 and < 128) Interlocked.Add(ref _bytes[stream], bytes);
    }

    public void Observe(uint sendTime)
    {
        if (_firstSendTime < 0) _firstSendTime = sendTime;
        _lastSendTime = Math.Max(_lastSendTime, sendTime);
    }

    public long BitrateOf(int stream)
    {
        var span = _lastSendTime - _firstSendTime;
        if (stream is <= 0 or >= 128 || _firstSendTime < 0 || span < 500) return 0;
        return Interlocked.Read(ref _bytes[stream]) * 8 * 1000 / span;
    }
}
