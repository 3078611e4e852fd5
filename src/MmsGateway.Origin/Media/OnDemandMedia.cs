using MmsGateway.Asf;
using MmsGateway.Asf.Objects;
using MmsGateway.Asf.Packets;
using MmsGateway.Asf.Files;

namespace MmsGateway.Origin.Media;

/// <summary>An ASF file served on demand: seekable by time (Simple Index, else a key-frame scan) or by packet.</summary>
public sealed class OnDemandMedia : OriginMedia, IDisposable
{
    private readonly AsfFile _file;
    private readonly Lazy<IReadOnlyList<(uint PresentationTimeMs, long Packet)>> _keyFrames;

    private OnDemandMedia(AsfFile file)
    {
        _file = file;
        _keyFrames = new Lazy<IReadOnlyList<(uint, long)>>(ScanKeyFrames);
    }

    public static OnDemandMedia Open(string name, string path)
    {
        var file = AsfFile.Open(path);
        try
        {
            if (file.DataObject is null) throw new AsfFormatException("Data", file.Header.Raw.Length, "the file has no Data Object");
            return new OnDemandMedia(file) { Name = name, Header = file.Header, HeaderBytes = file.ReadMmsHeader() };
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public override bool IsLive => false;
    public override double DurationSeconds => Header.FileProperties.Duration?.TotalSeconds ?? 0;
    public override long PacketCount => _file.PacketCount;

    public override IPacketFeed OpenFeed(MediaStart start, AsfStreamSet selectedStreams) =>
        new Feed(_file, PacketFor(start));

    /// <summary>The packet a play from <paramref name="start"/> begins at: the last key frame at or before the time.</summary>
    public long PacketFor(MediaStart start)
    {
        if (start.Packet is { } packet) return Math.Clamp(packet, 0, Math.Max(0, PacketCount - 1));
        if (start.Time is not { } time || time <= TimeSpan.Zero) return 0;
        // Presentation times include the preroll (docs/protocol/asf.md#s4.8, docs/protocol/asf.md#s4.10).
        var target = (ulong)time.TotalMilliseconds + Header.FileProperties.PrerollMs;
        if (_file.SimpleIndex is { Entries.Count: > 0 } index) return Math.Min(index.PacketFor(target), PacketCount - 1);
        long best = 0;
        foreach (var (pt, p) in _keyFrames.Value)
        {
            if (pt > target) break;
            best = p;
        }
        return best;
    }

    /// <summary>Key-frame starts of the first video stream (or every packet's first object start for audio-only files).</summary>
    private List<(uint, long)> ScanKeyFrames()
    {
        var video = Header.Streams.FirstOrDefault(s => s.Type == AsfStreamType.Video)?.StreamNumber;
        var result = new List<(uint, long)>();
        var buffer = new byte[PacketSize];
        var payloads = new AsfPayload[AsfPacketParser.MaxPayloads];
        for (long i = 0; i < PacketCount; i++)
        {
            _file.ReadPacket(i, buffer);
            var header = AsfPacketParser.Parse(buffer, PacketSize, payloads);
            foreach (var p in payloads.AsSpan(0, header.PayloadCount))
            {
                var startsHere = video is { } v ? p.StreamNumber == v && p.IsKeyFrame && p.StartsMediaObject : p.StartsMediaObject;
                if (!startsHere) continue;
                result.Add((p.PresentationTime, i));
                break;
            }
        }
        return result;
    }

    public void Dispose() => _file.Dispose();

    private sealed class Feed(AsfFile file, long next) : IPacketFeed
    {
        private readonly byte[] _buffer = new byte[file.PacketSize];
        private long _next = next;

        public ValueTask<FeedPacket?> NextAsync(CancellationToken cancellationToken)
        {
            if (_next >= file.PacketCount) return ValueTask.FromResult<FeedPacket?>(null);
            file.ReadPacket(_next, _buffer);
            return ValueTask.FromResult<FeedPacket?>(new FeedPacket(_buffer, (uint)_next++));
        }

        public void Dispose() { }
    }
}
