using MmsGateway.Adaptation;
using MmsGateway.Asf;
using MmsGateway.Asf.Objects;

namespace MmsGateway.Streams;

/// <summary>
/// One continuous stream layout inside a hub: the upstream header, the streams viewers may receive, the streams
/// taken upstream now, and the packet ring. It survives upstream reconnects and smart-streaming steps as long as the
/// header's layout stays the same, so attached viewers keep playing through both; a different layout starts a new
/// <see cref="HubStream"/> and ends the viewers of the old one.
/// </summary>
public sealed class HubStream
{
    private AsfStreamSet _upstreamStreams;
    private int _thinningLevel;

    public HubStream(int version, AsfHeader header, AsfStreamSet offered, AsfStreamSet upstreamStreams, PacketRing ring, StreamBitrateMeter bitrates)
    {
        Version = version;
        Header = header;
        Offered = offered;
        _upstreamStreams = upstreamStreams;
        Ring = ring;
        Bitrates = bitrates;
        VideoStreams = AsfStreamSet.Of(header.Streams.Where(s => s.Type == AsfStreamType.Video && offered.Contains(s.StreamNumber)).Select(s => s.StreamNumber));
        AudioStreams = AsfStreamSet.Of(header.Streams.Where(s => s.Type == AsfStreamType.Audio && offered.Contains(s.StreamNumber)).Select(s => s.StreamNumber));
    }

    public int Version { get; }
    public AsfHeader Header { get; }

    /// <summary>
    /// The streams viewers' headers list: everything the upstream selection may move between (every video stream of
    /// the source's bitrate group, with smart streaming), so a step upstream changes no viewer's layout.
    /// </summary>
    public AsfStreamSet Offered { get; }

    /// <summary>The streams selected upstream now (what the ring's newest packets carry).</summary>
    public AsfStreamSet UpstreamStreams
    {
        get => _upstreamStreams;
        internal set
        {
            _upstreamStreams = value;
            Interlocked.Increment(ref _selectionVersion);
        }
    }

    private int _selectionVersion;

    /// <summary>Changes each time the upstream selection does.</summary>
    public int SelectionVersion => Volatile.Read(ref _selectionVersion);

    /// <summary>Thinning level asked of upstream now: 0 full, 1 key frames only, 2 audio only.</summary>
    public int ThinningLevel
    {
        get => Volatile.Read(ref _thinningLevel);
        internal set => Volatile.Write(ref _thinningLevel, value);
    }

    /// <summary>The offered video streams (all candidates of a multi-bitrate source).</summary>
    public AsfStreamSet VideoStreams { get; }

    public AsfStreamSet AudioStreams { get; }

    /// <summary>The video streams arriving now.</summary>
    public AsfStreamSet ReceivedVideo => UpstreamStreams.Intersect(VideoStreams);

    public PacketRing Ring { get; }

    /// <summary>Measured bitrates (the hub's, kept across sessions), for streams whose header declares none.</summary>
    public StreamBitrateMeter Bitrates { get; }

    /// <summary>The best known bitrate of a stream: declared in the header, else measured, else 0.</summary>
    public long BitrateOf(int stream) =>
        Header.DeclaredBitrate(stream)?.Bitrate ?? Bitrates.BitrateOf(stream);

    /// <summary>Most distinct viewer headers kept (one per stream selection viewers asked for).</summary>
    private const int MaxViewerHeaders = 16;

    private (AsfStreamSet Streams, byte[] Header)[] _viewerHeaders = [];

    /// <summary>
    /// The header a live viewer of <paramref name="streams"/> gets (broadcast layout, the other streams left out), written
    /// once per selection and shared by every viewer of it: a joining viewer then allocates no header of its own. The
    /// bytes must not be changed.
    /// </summary>
    public byte[] ViewerHeader(AsfStreamSet streams)
    {
        var known = Volatile.Read(ref _viewerHeaders);
        foreach (var (selection, header) in known)
        {
            if (selection == streams) return header;
        }
        var written = AsfHeaderWriter.Write(Header, streams, new AsfDataLayout.Broadcast());
        // A lost race only means the header is written again; the list stays short (a few selections per source).
        if (known.Length < MaxViewerHeaders) Interlocked.CompareExchange(ref _viewerHeaders, [.. known, (streams, written)], known);
        return written;
    }

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
