using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using MmsGateway.Asf;
using MmsGateway.Asf.Objects;
using MmsGateway.Asf.Packets;
using MmsGateway.Asf.Files;

namespace MmsGateway.Origin.Media;

/// <summary>A live packet shared by every subscriber, with the streams whose key frames start in it.</summary>
public sealed record LivePacket(byte[] Bytes, uint LocationId, AsfStreamSet KeyFrameStarts);

/// <summary>
/// A file looped forever as a broadcast (docs/protocol/mmst.md#s1.6.3): packets are paced by their send times, every pass re-stamped to
/// continue the timeline, LocationIds count on across passes, and clients join at the most recent key frame
/// from a short ring of recent packets, so they get bytes at once. Each subscriber has a bounded queue; one that
/// falls too far behind is cut off instead of holding the others back.
/// </summary>
public sealed partial class LiveChannel : OriginMedia, IAsyncDisposable
{
    private const int RingCapacity = 4096;
    private const int SubscriberQueue = 2048;
    private static readonly TimeSpan RingWindow = TimeSpan.FromSeconds(12);

    private readonly AsfFile _file;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AsfStreamSet _videoStreams;
    private readonly Queue<(LivePacket Packet, long Timestamp)> _ring = new();
    private readonly List<Subscription> _subscribers = [];
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    private LiveChannel(AsfFile file, TimeProvider time, ILogger logger)
    {
        _file = file;
        _time = time;
        _logger = logger;
        _videoStreams = AsfStreamSet.Of(file.Header.Streams.Where(s => s.Type == AsfStreamType.Video).Select(s => s.StreamNumber));
    }

    public static LiveChannel Start(string name, string path, TimeProvider time, ILogger logger)
    {
        var file = AsfFile.Open(path);
        if (file.PacketCount == 0)
        {
            file.Dispose();
            throw new AsfFormatException("Data", 0, $"{path} has no packets to broadcast");
        }
        var channel = new LiveChannel(file, time, logger)
        {
            Name = name,
            Header = file.Header,
            HeaderBytes = AsfHeaderWriter.Write(file.Header, file.Header.AllStreams, new AsfDataLayout.Broadcast()),
        };
        channel._loop = Task.Run(() => channel.RunAsync(channel._stop.Token));
        return channel;
    }

    public override bool IsLive => true;
    public override double DurationSeconds => 0;
    public override long PacketCount => 0;

    /// <summary>Packets published so far (the next LocationId).</summary>
    public long Published { get; private set; }

    public override IPacketFeed OpenFeed(MediaStart start, AsfStreamSet selectedStreams)
    {
        var subscription = new Subscription(this);
        lock (_gate)
        {
            var join = JoinPoint(selectedStreams);
            var i = 0;
            foreach (var (packet, _) in _ring)
            {
                if (i++ >= join) subscription.Queue.Writer.TryWrite(packet);
            }
            _subscribers.Add(subscription);
        }
        return subscription;
    }

    /// <summary>Index in the ring of the newest packet where a selected video stream starts a key frame.</summary>
    private int JoinPoint(AsfStreamSet selected)
    {
        var wanted = selected.Intersect(_videoStreams);
        if (wanted.IsEmpty) wanted = _videoStreams;
        var index = -1;
        var i = 0;
        foreach (var (packet, _) in _ring)
        {
            if (wanted.IsEmpty || !packet.KeyFrameStarts.Intersect(wanted).IsEmpty) index = i;
            i++;
        }
        // Audio-only: join at the newest packet; video without a key frame in the ring yet: wait for the next one.
        return wanted.IsEmpty ? Math.Max(0, _ring.Count - 1) : index < 0 ? _ring.Count : index;
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var packetSize = _file.PacketSize;
        var first = new byte[packetSize];
        _file.ReadPacket(0, first);
        var firstSendTime = AsfPacketParser.ParseHeader(first, packetSize).SendTime;
        var loopMs = LoopLength(firstSendTime);
        var started = _time.GetTimestamp();
        try
        {
            for (long pass = 0; !cancellationToken.IsCancellationRequested; pass++)
            {
                for (long i = 0; i < _file.PacketCount; i++)
                {
                    var bytes = new byte[packetSize];
                    _file.ReadPacket(i, bytes);
                    AsfPacketRetimer.Shift(bytes, packetSize, pass * loopMs);
                    var header = AsfPacketParser.ParseHeader(bytes, packetSize);
                    var due = TimeSpan.FromMilliseconds(header.SendTime - (double)firstSendTime);
                    var wait = due - _time.GetElapsedTime(started);
                    if (wait > TimeSpan.Zero) await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
                    Publish(new LivePacket(bytes, (uint)Published, KeyFrameStarts(bytes)));
                }
                LogLooped(_logger, Name, pass + 1);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is AsfFormatException or IOException)
        {
            LogFailed(_logger, Name, e);
            lock (_gate)
            {
                foreach (var s in _subscribers) s.Queue.Writer.TryComplete(e);
            }
        }
    }

    /// <summary>
    /// How far each pass moves the timeline: long enough that every stream's next pass starts after its last object
    /// of this pass ends, and a whole number of video frames, so the seam looks like one skipped frame at worst.
    /// A seam that is not a frame multiple makes ffmpeg's decoder emit duplicate time stamps.
    /// </summary>
    private long LoopLength(uint firstSendTime)
    {
        var spans = new Dictionary<int, (uint First, uint Last, uint Step)>();
        var buffer = new byte[PacketSize];
        var payloads = new AsfPayload[AsfPacketParser.MaxPayloads];
        for (long i = 0; i < _file.PacketCount; i++)
        {
            _file.ReadPacket(i, buffer);
            var header = AsfPacketParser.Parse(buffer, PacketSize, payloads);
            foreach (var p in payloads.AsSpan(0, header.PayloadCount))
            {
                if (!p.StartsMediaObject || (p.ReplicatedDataLength < 8 && !p.IsCompressed)) continue;
                var time = p.PresentationTime;
                spans[p.StreamNumber] = spans.TryGetValue(p.StreamNumber, out var s)
                    ? (Math.Min(s.First, time), Math.Max(s.Last, time), time > s.Last ? time - s.Last : s.Step)
                    : (time, time, 0);
            }
        }
        var last = new byte[PacketSize];
        _file.ReadPacket(_file.PacketCount - 1, last);
        var lastHeader = AsfPacketParser.ParseHeader(last, PacketSize);
        long loop = Math.Max((long)lastHeader.SendTime + Math.Max((int)lastHeader.Duration, 1) - firstSendTime, 1);
        foreach (var (_, span) in spans) loop = Math.Max(loop, (long)span.Last + span.Step - span.First);

        var video = spans.Where(kv => _videoStreams.Contains(kv.Key) && kv.Value.Step > 0).Select(kv => kv.Value).FirstOrDefault();
        if (video.Step > 0)
        {
            var videoSpan = (long)video.Last + video.Step - video.First;
            var slack = loop - videoSpan;
            loop = videoSpan + (slack + video.Step - 1) / video.Step * video.Step;
        }
        return loop;
    }

    private AsfStreamSet KeyFrameStarts(byte[] packet)
    {
        Span<AsfPayload> payloads = stackalloc AsfPayload[AsfPacketParser.MaxPayloads];
        var header = AsfPacketParser.Parse(packet, PacketSize, payloads);
        var set = AsfStreamSet.None;
        foreach (var p in payloads[..header.PayloadCount])
            if (p.IsKeyFrame && p.StartsMediaObject && _videoStreams.Contains(p.StreamNumber)) set = set.With(p.StreamNumber);
        return set;
    }

    private void Publish(LivePacket packet)
    {
        var now = _time.GetTimestamp();
        lock (_gate)
        {
            _ring.Enqueue((packet, now));
            while (_ring.Count > RingCapacity || (_ring.Count > 1 && _time.GetElapsedTime(_ring.Peek().Timestamp, now) > RingWindow))
                _ring.Dequeue();
            foreach (var s in _subscribers)
            {
                if (!s.Queue.Writer.TryWrite(packet))
                    s.Queue.Writer.TryComplete(new IOException($"client fell more than {SubscriberQueue} packets behind the live point"));
            }
            Published++;
        }
    }

    private void Remove(Subscription subscription)
    {
        lock (_gate) _subscribers.Remove(subscription);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
        _file.Dispose();
    }

    private sealed class Subscription(LiveChannel channel) : IPacketFeed
    {
        public Channel<LivePacket> Queue { get; } = Channel.CreateBounded<LivePacket>(
            new BoundedChannelOptions(SubscriberQueue) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });

        public async ValueTask<FeedPacket?> NextAsync(CancellationToken cancellationToken)
        {
            var packet = await Queue.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            return new FeedPacket(packet.Bytes, packet.LocationId);
        }

        public void Dispose() => channel.Remove(this);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Live {Name}: pass {Pass} finished, looping")]
    private static partial void LogLooped(ILogger logger, string name, long pass);

    [LoggerMessage(Level = LogLevel.Error, Message = "Live {Name} stopped")]
    private static partial void LogFailed(ILogger logger, string name, Exception exception);
}
