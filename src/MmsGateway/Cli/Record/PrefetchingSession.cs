using MmsGateway.Asf;
using MmsGateway.Asf.Packets;
using MmsGateway.Mms.Client;

namespace MmsGateway.Cli.Record;

/// <summary>
/// An <see cref="IMmsSession"/> whose first seconds were read ahead to measure the bitrates its header does not
/// declare (<see cref="RecordStreamChoice.NeedsMeasuring"/>), and which then hands those packets on, unchanged and
/// in order, before the rest: the recording loses nothing to the measuring. What ended the read-ahead (end of
/// stream, a header change, a failure) comes after the last packet read ahead, as it would have.
/// </summary>
internal sealed class PrefetchingSession : IMmsSession
{
    private const int MaxPackets = 20_000;

    private readonly IMmsSession _inner;
    private readonly AsfHeader _header;
    private readonly ReadOnlyMemory<byte> _headerBytes;
    private readonly int _packetSize;
    private byte[] _packets = [];
    private uint[] _locations = [];
    private int _count;
    private int _next;
    private MmsReadResult? _ending;
    private MmsClientException? _failure;

    private PrefetchingSession(IMmsSession inner)
    {
        _inner = inner;
        _header = inner.Header;
        _headerBytes = inner.HeaderBytes;
        _packetSize = _header.PacketSize;
        Statistics = new AsfStreamStatistics(_packetSize);
    }

    /// <summary>What the packets read ahead carried, per stream.</summary>
    public AsfStreamStatistics Statistics { get; }

    /// <summary>
    /// Reads <paramref name="inner"/> ahead for <paramref name="span"/> of content (send times), or that long and a
    /// second of wall-clock time, whichever comes first. A failure with nothing read is thrown at once.
    /// </summary>
    public static async Task<PrefetchingSession> ReadAheadAsync(IMmsSession inner, TimeSpan span, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var session = new PrefetchingSession(inner);
        long started = time.GetTimestamp();
        long? first = null;
        try
        {
            while (session._count < MaxPackets && time.GetElapsedTime(started) < span + TimeSpan.FromSeconds(1))
            {
                MmsReadResult read = await inner.ReadAsync(cancellationToken).ConfigureAwait(false);
                if (read.Kind != MmsReadResultKind.Packet)
                {
                    session._ending = read;
                    break;
                }

                session.Keep(read);
                long sendTime = AsfPacketParser.ParseHeader(read.Packet.Span, session._packetSize).SendTime;
                first ??= sendTime;
                if (sendTime - first.Value >= span.TotalMilliseconds) break;
            }
        }
        catch (MmsClientException e) when (session._count > 0)
        {
            session._failure = e; // measured what came; the recording gets it and then the failure
        }

        return session;
    }

    public MmsProtocol Protocol => _inner.Protocol;

    public Uri Url => _inner.Url;

    /// <summary>The header of the packets read ahead until a header change read ahead has been handed on.</summary>
    public AsfHeader Header => _next < _count || _ending is not null ? _header : _inner.Header;

    public ReadOnlyMemory<byte> HeaderBytes => _next < _count || _ending is not null ? _headerBytes : _inner.HeaderBytes;

    public bool IsBroadcast => _inner.IsBroadcast;

    public AsfStreamSet SelectedStreams => _inner.SelectedStreams;

    public ValueTask<MmsReadResult> ReadAsync(CancellationToken cancellationToken)
    {
        if (_next < _count)
        {
            int at = _next++;
            return ValueTask.FromResult(MmsReadResult.ForPacket(_packets.AsMemory(at * _packetSize, _packetSize), _locations[at]));
        }

        if (_ending is { } ending)
        {
            _ending = null;
            return ValueTask.FromResult(ending);
        }

        if (_failure is { } failure)
        {
            _failure = null;
            return ValueTask.FromException<MmsReadResult>(failure);
        }

        return _inner.ReadAsync(cancellationToken);
    }

    public ValueTask SelectStreamsAsync(IReadOnlyList<StreamSelection> selection, CancellationToken cancellationToken) =>
        _inner.SelectStreamsAsync(selection, cancellationToken);

    /// <summary>A seek makes what was read ahead stale: it is dropped, as the session drops unread packets.</summary>
    public ValueTask SeekAsync(TimeSpan position, CancellationToken cancellationToken)
    {
        _next = _count;
        _ending = null;
        _failure = null;
        return _inner.SeekAsync(position, cancellationToken);
    }

    public ValueTask DisposeAsync() => _inner.DisposeAsync();

    /// <summary>Copies a packet into the one growing buffer (the session reuses its own).</summary>
    private void Keep(MmsReadResult read)
    {
        if ((_count + 1) * _packetSize > _packets.Length)
        {
            Array.Resize(ref _packets, Math.Max(64, _count * 2) * _packetSize);
            Array.Resize(ref _locations, Math.Max(64, _count * 2));
        }

        read.Packet.Span[.._packetSize].CopyTo(_packets.AsSpan(_count * _packetSize));
        _locations[_count] = read.LocationId;
        Statistics.Add(read.Packet.Span[.._packetSize]);
        _count++;
    }
}
