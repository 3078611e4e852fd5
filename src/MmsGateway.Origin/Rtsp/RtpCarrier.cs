using System.Net;
using System.Net.Sockets;
using MmsGateway.Mms.Rtsp;
using MmsGateway.Origin.Media;

namespace MmsGateway.Origin.Rtsp;

/// <summary>
/// The one RTP stream a session's ASF packets travel in: one SSRC, one continuous sequence space across PAUSE, PLAY
/// and seeks, payload type 96, the (stream-filtered) ASF data packets in send-time order (docs/protocol/rtsp.md#s4.1).
/// Every peer demultiplexes all ASF streams from one carrier, so it goes to the first audio/video stream set up:
/// its interleaved RTP channel over TCP, or its client port over UDP (docs/protocol/rtsp.md#s2.3). Over UDP each
/// packet is cut into fragments of about 1400 bytes (docs/protocol/rtsp.md#s4.7) and the last RTP packets are kept,
/// so a NACK on the rtx stream can have them sent again (docs/protocol/rtsp.md#s7.1). <see cref="OriginOptions.UdpLossPercent"/>
/// drops that share of the RTP datagrams on purpose (after they are remembered, so a NACK still finds them; the
/// resends answering a NACK go out from the rtx port and are never dropped), as MMSU's first transmissions are.
/// Buffers are preallocated: nothing is allocated per packet.
/// </summary>
internal sealed class RtpCarrier : IPacketSink
{
    /// <summary>RTP payload limit over UDP: fits a 1500-byte Ethernet MTU with IP, UDP and RTP headers.</summary>
    public const int UdpRtpPayload = 1400;
    private const int HistorySize = 1024;
    private const int HistorySlot = RtpHeader.FixedSize + UdpRtpPayload;

    private readonly int _packetSize;
    private readonly AsfRtpPacketizer _packetizer;
    private readonly Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask>? _tcpWrite;
    private readonly Socket? _udp;
    private readonly byte[] _buffer;
    private readonly int[] _lengths;
    private readonly byte[] _unpadded;
    private readonly byte[]? _history;
    private readonly int[]? _historyLengths;
    private readonly int[]? _historySequences;
    private readonly Lock _historyLock = new();
    private readonly double _lossPercent;
    private readonly Action? _dropped;
    private long _packets;
    private long _octets;

    private RtpCarrier(int packetSize, uint ssrc, ushort firstSequence, int maxRtpPayload,
        Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask>? tcpWrite, byte channel, Socket? udp, IPEndPoint? target,
        double lossPercent = 0, Action? dropped = null)
    {
        _lossPercent = lossPercent;
        _dropped = dropped;
        _tcpWrite = tcpWrite;
        _unpadded = new byte[packetSize + 8];
        Channel = channel;
        _udp = udp;
        Target = target;
        if (udp is not null)
        {
            _history = new byte[HistorySize * HistorySlot];
            _historyLengths = new int[HistorySize];
            _historySequences = new int[HistorySize];
            Array.Fill(_historySequences, -1);
        }
        _packetSize = packetSize;
        _packetizer = new AsfRtpPacketizer(ssrc, firstSequence, payloadType: PayloadType, maxRtpPayload: maxRtpPayload);
        _buffer = new byte[AsfRtpPacketizer.MaxOutputSize(packetSize, maxRtpPayload)];
        _lengths = new int[packetSize / (maxRtpPayload - AsfPayloadHeader.MinSize) + 2];
    }

    /// <summary>Every WMS media description uses payload type 96 (docs/protocol/rtsp.md#s3.4).</summary>
    public const byte PayloadType = 96;

    /// <summary>A carrier on interleaved channel <paramref name="channel"/> of the RTSP connection.</summary>
    public static RtpCarrier ForTcp(int packetSize, byte channel, Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> write) =>
        new(packetSize, NewSsrc(), NewSequence(), AsfRtpPacketizer.MaxTcpRtpPayload, write, channel, null, null);

    /// <summary>
    /// A carrier sending datagrams from <paramref name="socket"/> to <paramref name="target"/>, dropping the server's
    /// <see cref="OriginOptions.UdpLossPercent"/> of them on purpose (counted by <see cref="RtspServer.CountDropped"/>).
    /// </summary>
    public static RtpCarrier ForUdp(int packetSize, Socket socket, IPEndPoint target, RtspServer? server = null) =>
        new(packetSize, NewSsrc(), NewSequence(), UdpRtpPayload, null, 0, socket, target,
            server?.Context.Options.UdpLossPercent ?? 0, server is null ? null : server.CountDropped);

    public uint Ssrc => _packetizer.Ssrc;

    /// <summary>The interleaved RTP channel (TCP).</summary>
    public byte Channel { get; }

    /// <summary>Where datagrams go (UDP); null over TCP.</summary>
    public IPEndPoint? Target { get; }

    public bool IsUdp => _udp is not null;

    /// <summary>The next sequence number: PLAY's RTP-Info <c>seq</c> and the end of stream's (docs/protocol/rtsp.md#s5.1).</summary>
    public ushort NextSequence => _packetizer.NextSequence;

    /// <summary>The RTP timestamp (send time, ms) of the last packet sent.</summary>
    public uint LastTimestamp { get; private set; }

    /// <summary>The LocationId (packet index on demand) of the last ASF packet sent, for a PLAY that resumes a PAUSE.</summary>
    public long? LastLocationId { get; private set; }

    public uint PacketCount => (uint)Interlocked.Read(ref _packets);

    public uint OctetCount => (uint)Interlocked.Read(ref _octets);

    public async ValueTask SendPacketAsync(ReadOnlyMemory<byte> packet, uint locationId, CancellationToken cancellationToken)
    {
        var (sendTime, keyFrame) = AsfRtpPacketizer.Describe(packet.Span, _packetSize);
        // Padding off, Packet Length explicit: the form every peer reads whole (AsfPacketUnpadder).
        var unpadded = AsfPacketUnpadder.Unpad(packet.Span, _packetSize, _unpadded);
        if (unpadded > 0) packet = _unpadded.AsMemory(0, unpadded);
        LastTimestamp = sendTime;
        LastLocationId = locationId;
        if (_udp is null)
        {
            var written = _packetizer.PacketizeInterleaved(packet.Span, sendTime, keyFrame, Channel, _buffer);
            Interlocked.Increment(ref _packets);
            Interlocked.Add(ref _octets, packet.Length);
            await _tcpWrite!(_buffer.AsMemory(0, written), cancellationToken).ConfigureAwait(false);
            return;
        }
        var count = _packetizer.Packetize(packet.Span, sendTime, keyFrame, _buffer, _lengths);
        var offset = 0;
        for (var i = 0; i < count; i++)
        {
            var rtp = _buffer.AsMemory(offset, _lengths[i]);
            offset += _lengths[i];
            Remember(rtp.Span);
            Interlocked.Increment(ref _packets);
            // Counted as sent (sender reports, BYE) and kept for a NACK, but not put on the wire: a loss on purpose.
            if (_lossPercent > 0 && Random.Shared.NextDouble() * 100 < _lossPercent)
            {
                _dropped!();
                continue;
            }
            await _udp.SendToAsync(rtp, SocketFlags.None, Target!, cancellationToken).ConfigureAwait(false);
        }
        Interlocked.Add(ref _octets, packet.Length);
    }

    public async ValueTask SendRawAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        if (_udp is null) await _tcpWrite!(bytes, cancellationToken).ConfigureAwait(false);
        else await _udp.SendToAsync(bytes[..Math.Min(bytes.Length, UdpRtpPayload)], SocketFlags.None, Target!, cancellationToken).ConfigureAwait(false);
    }

    private void Remember(ReadOnlySpan<byte> rtp)
    {
        var sequence = (ushort)((rtp[2] << 8) | rtp[3]);
        var slot = sequence % HistorySize;
        lock (_historyLock)
        {
            rtp.CopyTo(_history.AsSpan(slot * HistorySlot, HistorySlot));
            _historyLengths![slot] = rtp.Length;
            _historySequences![slot] = sequence;
        }
    }

    /// <summary>
    /// Copies the RTP packet with <paramref name="sequence"/> into <paramref name="destination"/> if it is still in
    /// the history (the last <see cref="HistorySize"/> RTP packets); returns its length or 0.
    /// </summary>
    public int CopyFromHistory(ushort sequence, Span<byte> destination)
    {
        if (_history is null) return 0;
        var slot = sequence % HistorySize;
        lock (_historyLock)
        {
            if (_historySequences![slot] != sequence) return 0;
            var length = _historyLengths![slot];
            _history.AsSpan(slot * HistorySlot, length).CopyTo(destination);
            return length;
        }
    }

    public const int MaxRtpPacket = HistorySlot;

    private static uint NewSsrc() => (uint)Random.Shared.NextInt64(1, uint.MaxValue);

    // A random first sequence number (RFC 3550 5.1; docs/protocol/rtsp.md#s4.1).
    private static ushort NewSequence() => (ushort)Random.Shared.Next(0, ushort.MaxValue + 1);
}
