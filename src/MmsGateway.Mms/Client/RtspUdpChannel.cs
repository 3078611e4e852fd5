using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using MmsGateway.Mms.Rtsp;

namespace MmsGateway.Mms.Client;

/// <summary>What <see cref="RtspUdpChannel.TryTake"/> did.</summary>
internal enum RtspUdpTake
{
    /// <summary>Nothing to hand on yet (empty, or waiting for a gap to fill).</summary>
    Nothing,

    /// <summary>One RTP packet went into the depacketizer.</summary>
    Pushed,

    /// <summary>Everything is handed on and the server sent RTCP BYE.</summary>
    Ended,
}

/// <summary>
/// The UDP side of an RTSPU session (docs/protocol/rtsp.md#s2.3, docs/protocol/rtsp.md#s7): an even local port for RTP
/// and the next for RTCP (the one pair every ASF stream is set up on), a second pair for the rtx stream. Before PLAY
/// it sends the punch packets (an empty RTP and an empty receiver report, docs/protocol/rtsp.md#s7.3) so that a NAT on
/// the way opens. Datagrams from any address but the server's are dropped and counted. RTP is put in sequence order in
/// a small window: a gap waits a while (bounded by the preroll) and is asked for again with an RTCP generic NACK to the
/// server's rtx port (docs/protocol/rtsp.md#s7.2) before it is given up; receiver reports go out every few seconds.
/// The receive loops run in the background under one lock with the window; the session's reader takes packets in
/// order and pushes them into its depacketizer. One buffer per slot, allocated once.
/// </summary>
internal sealed partial class RtspUdpChannel : IAsyncDisposable
{
    private const int WindowSize = 512;
    private const int SlotSize = 2048;
    private const int MaxDatagram = 65535;
    private static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(5);

    private readonly Uri _url;
    private readonly MmsClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Socket _rtp;
    private readonly Socket _rtcp;
    private readonly Socket _rtx;
    private readonly Socket _rtxRtcp;
    private readonly IPAddress _server;
    private readonly SocketAddress _serverAddress;
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly TimeSpan _gapWait;
    private readonly byte[][] _slots = new byte[WindowSize][];
    private readonly int[] _lengths = new int[WindowSize];
    private readonly bool[] _present = new bool[WindowSize];
    private readonly byte[] _control = new byte[256];
    private readonly ushort[] _lost = new ushort[64];
    private Task[] _loops = [];
    private ITimer? _reportTimer;
    private IPEndPoint? _serverRtp;
    private IPEndPoint? _serverRtcp;
    private IPEndPoint? _serverRtx;
    private uint? _serverSsrc;
    private readonly uint _ssrc = (uint)Random.Shared.Next();

    // Window state, under _lock.
    private int _next = -1;
    private int _count;
    private int _highest = -1;
    private long _gapSince;
    private int _nacksForGap;
    private bool _bye;
    private long _lastDatagramAt;

    private long _datagrams;
    private long _foreign;
    private long _nacks;
    private long _recovered;
    private long _lostPackets;
    private long _late;

    private RtspUdpChannel(Uri url, Socket rtp, Socket rtcp, Socket rtx, Socket rtxRtcp, IPAddress server,
        MmsClientOptions options, TimeSpan gapWait, ILogger logger)
    {
        _url = url;
        _rtp = rtp;
        _rtcp = rtcp;
        _rtx = rtx;
        _rtxRtcp = rtxRtcp;
        _server = server;
        _options = options;
        _time = options.TimeProvider;
        _logger = logger;
        _gapWait = gapWait;
        IPAddress inFamily = rtp.AddressFamily == AddressFamily.InterNetworkV6 && server.AddressFamily == AddressFamily.InterNetwork
            ? server.MapToIPv6()
            : server;
        _serverAddress = new IPEndPoint(inFamily, 0).Serialize();
        Signal = new MmsAsyncSignal(_time);
    }

    /// <summary>Set when a datagram arrived (and by the session when the control connection has something).</summary>
    public MmsAsyncSignal Signal { get; }

    public int RtpPort => ((IPEndPoint)_rtp.LocalEndPoint!).Port;

    public int RtxPort => ((IPEndPoint)_rtx.LocalEndPoint!).Port;

    public long Datagrams => Interlocked.Read(ref _datagrams);

    /// <summary>Datagrams from an address other than the server's, dropped.</summary>
    public long ForeignDatagrams => Interlocked.Read(ref _foreign);

    /// <summary>NACK packets sent to the server's rtx port.</summary>
    public long NacksSent => Interlocked.Read(ref _nacks);

    /// <summary>Packets that arrived after their gap had been noticed.</summary>
    public long Recovered => Interlocked.Read(ref _recovered);

    /// <summary>Sequence numbers given up (the depacketizer sees them as a gap).</summary>
    public long Lost => Interlocked.Read(ref _lostPackets);

    /// <summary>
    /// Binds the two port pairs on the control connection's local address (an even RTP port, RTCP on the next, RFC 3550
    /// 11), at <see cref="MmsClientOptions.RtspuLocalPort"/> or wherever a free pair is. A gap waits at most a quarter
    /// of the preroll, within 100 ms to 1 s (docs/protocol/rtsp.md#s7).
    /// </summary>
    public static RtspUdpChannel Open(Uri url, IPAddress server, IPEndPoint controlLocal, MmsClientOptions options,
        ILogger logger, ulong prerollMs = 3000)
    {
        IPAddress local = controlLocal.Address;
        (Socket rtp, Socket rtcp) = BindPair(url, local, options.RtspuLocalPort);
        try
        {
            (Socket rtx, Socket rtxRtcp) = BindPair(url, local, options.RtspuLocalPort == 0 ? 0 : options.RtspuLocalPort + 2);
            TimeSpan gapWait = TimeSpan.FromMilliseconds(Math.Clamp(prerollMs / 4.0, 100, 1000));
            var channel = new RtspUdpChannel(url, rtp, rtcp, rtx, rtxRtcp,
                server.IsIPv4MappedToIPv6 ? server.MapToIPv4() : server, options, gapWait, logger);
            channel.Start();
            return channel;
        }
        catch
        {
            rtp.Dispose();
            rtcp.Dispose();
            throw;
        }
    }

    private static (Socket Rtp, Socket Rtcp) BindPair(Uri url, IPAddress local, int port)
    {
        SocketException? last = null;
        for (int attempt = 0; attempt < 32; attempt++)
        {
            Socket rtp = NewSocket(local);
            Socket rtcp = NewSocket(local);
            try
            {
                rtp.Bind(new IPEndPoint(local, port));
                int bound = ((IPEndPoint)rtp.LocalEndPoint!).Port;
                if (port == 0 && bound % 2 != 0 || bound == 65535)
                {
                    rtp.Dispose();
                    rtcp.Dispose();
                    continue;
                }

                rtcp.Bind(new IPEndPoint(local, bound + 1));
                return (rtp, rtcp);
            }
            catch (SocketException e)
            {
                rtp.Dispose();
                rtcp.Dispose();
                last = e;
                if (port != 0) break;
            }
        }

        throw new MmsClientException(MmsClientErrorKind.NotSupported, MmsClientStep.Play, url,
            $"cannot bind a UDP port pair on {local} ({last?.SocketErrorCode.ToString() ?? "no even port free"})", last)
        {
            RtspuFallback = true,
        };
    }

    private static Socket NewSocket(IPAddress local)
    {
        var socket = new Socket(local.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        if (local.AddressFamily == AddressFamily.InterNetworkV6) socket.DualMode = true;
        try
        {
            socket.ReceiveBufferSize = 4 * 1024 * 1024;
        }
        catch (SocketException)
        {
        }

        return socket;
    }

    /// <summary>The server's RTP/RTCP ports and SSRC from a SETUP answer.</summary>
    public void SetServer(int rtpPort, int rtcpPort, uint? ssrc)
    {
        _serverRtp = new IPEndPoint(_server, rtpPort);
        _serverRtcp = new IPEndPoint(_server, rtcpPort);
        if (ssrc is not null) _serverSsrc = ssrc;
    }

    /// <summary>The server's rtx port (where NACKs go, docs/protocol/rtsp.md#s7.1).</summary>
    public void SetRetransmission(int port) => _serverRtx = new IPEndPoint(_server, port);

    /// <summary>A 12-byte RTP and an 8-byte receiver report to the server's ports, before PLAY (docs/protocol/rtsp.md#s7.3).</summary>
    public async Task PunchAsync(CancellationToken cancellationToken)
    {
        if (_serverRtp is null || _serverRtcp is null) return;
        byte[] rtp = [0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        byte[] rtcp = [0x80, 0xC9, 0x00, 0x01, 0, 0, 0, 0];
        BinaryPrimitives.WriteUInt32BigEndian(rtcp.AsSpan(4), _ssrc);
        try
        {
            await _rtp.SendToAsync(rtp, SocketFlags.None, _serverRtp, cancellationToken).ConfigureAwait(false);
            await _rtcp.SendToAsync(rtcp, SocketFlags.None, _serverRtcp, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            // An ICMP error shows up as no data, which the data deadline handles.
        }
    }

    /// <summary>
    /// Waits for the first RTP datagram after PLAY: none within <see cref="MmsClientOptions.RtspuDataTimeout"/> (and the
    /// handshake deadline) fails the attempt as timed out, marked for RTSP over TCP (docs/protocol/rtsp.md#s2.7).
    /// </summary>
    public async Task AwaitFirstDatagramAsync(MmsProtocol protocol, long handshakeDeadline, CancellationToken cancellationToken)
    {
        long deadline = Math.Min(handshakeDeadline, MmsErrors.Deadline(_time, _options.RtspuDataTimeout));
        while (Datagrams == 0)
        {
            TimeSpan left = MmsErrors.Remaining(_time, deadline);
            if (left <= TimeSpan.Zero)
            {
                throw new MmsClientException(MmsClientErrorKind.TimedOut, MmsClientStep.Play, _url,
                    string.Create(CultureInfo.InvariantCulture,
                        $"no RTP datagram reached {_rtp.LocalEndPoint} within {(_options.RtspuDataTimeout.TotalSeconds):0.###} s of PLAY ({protocol}): UDP is blocked on the way"))
                {
                    RtspuFallback = true,
                };
            }

            await Signal.WaitAsync(left, cancellationToken).ConfigureAwait(false);
        }

        Signal.Set(); // the reader looks at the window at once
    }

    /// <summary>After PAUSE (a seek): forget the window; the next datagram starts it again.</summary>
    public void Restart()
    {
        lock (_lock)
        {
            Array.Clear(_present);
            _count = 0;
            _next = -1;
            _gapSince = 0;
            _bye = false;
        }
    }

    /// <summary>
    /// Pushes the next RTP packet in order into <paramref name="depacketizer"/>; a gap waits for its packet (asking
    /// for it with NACKs) at most the gap wait, then is skipped and left to the depacketizer to count.
    /// </summary>
    public RtspUdpTake TryTake(AsfRtpDepacketizer depacketizer)
    {
        int nackCount = 0;
        RtspUdpTake result = RtspUdpTake.Nothing;
        lock (_lock)
        {
            while (_next >= 0)
            {
                int slot = _next % WindowSize;
                if (_present[slot])
                {
                    _present[slot] = false;
                    _count--;
                    if (_gapSince != 0) Interlocked.Increment(ref _recovered);
                    _gapSince = 0;
                    _nacksForGap = 0;
                    _next = (_next + 1) & 0xFFFF;
                    try
                    {
                        depacketizer.Push(_slots[slot].AsSpan(0, _lengths[slot]));
                    }
                    catch (MmsProtocolException)
                    {
                        // A malformed RTP header: counted by the session as the depacketizer's input failure.
                    }

                    result = RtspUdpTake.Pushed;
                    break;
                }

                if (_count == 0) break;
                long now = _time.GetTimestamp();
                if (_gapSince == 0) _gapSince = now;
                TimeSpan waited = _time.GetElapsedTime(_gapSince, now);
                if (waited >= _gapWait)
                {
                    Interlocked.Increment(ref _lostPackets);
                    _next = (_next + 1) & 0xFFFF;
                    // The next missing one (if any) waits from now; one present is not a recovery (gap cleared).
                    _gapSince = 0;
                    _nacksForGap = _options.RtspuMaxNacks; // and is not asked for again: the time is used up
                    continue;
                }

                // Ask for the missing run: at once, then again spread over the wait (docs/protocol/rtsp.md#s7).
                if (_nacksForGap < _options.RtspuMaxNacks
                    && waited >= _gapWait * _nacksForGap / (_options.RtspuMaxNacks + 1))
                {
                    _nacksForGap++;
                    nackCount = CollectMissing();
                }

                break;
            }

            if (result == RtspUdpTake.Nothing && _count == 0 && _bye) result = RtspUdpTake.Ended;
        }

        if (nackCount > 0) SendNack(nackCount);
        return result;
    }

    /// <summary>True when nothing waits in the window and no datagram came for a gap wait (the tail had its chance).</summary>
    public bool Drained(bool endOfStream)
    {
        lock (_lock)
        {
            return _count == 0 && (!endOfStream || _time.GetElapsedTime(_lastDatagramAt) >= _gapWait);
        }
    }

    /// <summary>How long the reader may sleep: a gap is looked at again soon.</summary>
    public TimeSpan NextWake(TimeSpan wait)
    {
        TimeSpan step = _gapWait / (_options.RtspuMaxNacks + 2);
        bool busy;
        lock (_lock) busy = _count > 0 || _bye;
        return busy && step < wait ? step : wait;
    }

    public void Abort()
    {
        _stop.Cancel();
        Signal.Set();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested) await _stop.CancelAsync().ConfigureAwait(false);
        if (_reportTimer is not null) await _reportTimer.DisposeAsync().ConfigureAwait(false);
        _rtp.Dispose();
        _rtcp.Dispose();
        _rtx.Dispose();
        _rtxRtcp.Dispose();
        await Task.WhenAll(_loops).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        LogSummary(_logger, _url, Datagrams, Lost, NacksSent, Recovered, ForeignDatagrams, Interlocked.Read(ref _late));
        Signal.Dispose();
        _stop.Dispose();
    }

    private void Start()
    {
        CancellationToken token = _stop.Token;
        _loops =
        [
            Task.Run(() => ReceiveLoopAsync(_rtp, media: true, token)),
            Task.Run(() => ReceiveLoopAsync(_rtcp, media: false, token)),
            Task.Run(() => ReceiveLoopAsync(_rtx, media: true, token)),
        ];
        _reportTimer = _time.CreateTimer(static state => ((RtspUdpChannel)state!).SendReport(), this, ReportInterval, ReportInterval);
    }

    private async Task ReceiveLoopAsync(Socket socket, bool media, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[MaxDatagram];
        var from = new SocketAddress(socket.AddressFamily);
        while (!cancellationToken.IsCancellationRequested)
        {
            int received;
            try
            {
                received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, from, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.MessageSize)
            {
                continue;
            }
            catch (SocketException e)
            {
                LogSocketError(_logger, _url, e.SocketErrorCode);
                return;
            }

            if (!FromServer(from))
            {
                Interlocked.Increment(ref _foreign); // data only from the server's address
                continue;
            }

            ReadOnlySpan<byte> datagram = buffer.AsSpan(0, received);
            if (media) Accept(datagram);
            else OnRtcp(datagram);
        }
    }

    /// <summary>One RTP datagram into the window by its sequence number.</summary>
    private void Accept(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length < RtpHeader.FixedSize || (datagram[0] >> 6) != 2 || RtcpCompound.IsRtcp(datagram)) return;
        int sequence = BinaryPrimitives.ReadUInt16BigEndian(datagram[2..]);
        uint ssrc = BinaryPrimitives.ReadUInt32BigEndian(datagram[8..]);
        Interlocked.Increment(ref _datagrams);
        lock (_lock)
        {
            _lastDatagramAt = _time.GetTimestamp();
            _serverSsrc ??= ssrc;
            if (_next < 0) _next = sequence;
            int ahead = (sequence - _next) & 0xFFFF;
            if (ahead >= 0x8000)
            {
                Interlocked.Increment(ref _late); // older than the head: late or a duplicate
                return;
            }

            if (ahead >= WindowSize)
            {
                // Far ahead (a long loss, or a new position): what is held goes on, the rest counts as lost.
                Interlocked.Add(ref _lostPackets, ahead - _count);
                Array.Clear(_present);
                _count = 0;
                _next = sequence;
                _gapSince = 0;
                ahead = 0;
            }

            int slot = sequence % WindowSize;
            if (_present[slot])
            {
                Interlocked.Increment(ref _late);
                return;
            }

            byte[] target = _slots[slot] is { } existing && existing.Length >= datagram.Length
                ? existing
                : _slots[slot] = new byte[Math.Max(SlotSize, datagram.Length)];
            datagram.CopyTo(target);
            _lengths[slot] = datagram.Length;
            _present[slot] = true;
            _count++;
            if (_highest < 0 || ((sequence - _highest) & 0xFFFF) < 0x8000) _highest = sequence;
        }

        Signal.Set();
    }

    private void OnRtcp(ReadOnlySpan<byte> datagram)
    {
        try
        {
            if (!RtcpCompound.ContainsBye(datagram)) return;
        }
        catch (MmsProtocolException)
        {
            return;
        }

        lock (_lock) _bye = true;
        LogBye(_logger, _url);
        Signal.Set();
    }

    /// <summary>The missing sequence numbers between the head and the highest held (under the lock).</summary>
    private int CollectMissing()
    {
        int count = 0;
        for (int s = _next; count < _lost.Length; s = (s + 1) & 0xFFFF)
        {
            if (((s - _highest) & 0xFFFF) < 0x8000 && s != _highest) break;
            if (s == _highest) break;
            if (!_present[s % WindowSize]) _lost[count++] = (ushort)s;
        }

        return count;
    }

    private void SendNack(int count)
    {
        if (_serverRtx is not { } target) return;
        try
        {
            Span<byte> packet = stackalloc byte[16 + (4 * _lost.Length)];
            int length = RtcpGenericNack.Write(packet, _ssrc, _serverSsrc ?? 0, _lost.AsSpan(0, count));
            _rtxRtcp.SendTo(packet[..length], SocketFlags.None, target);
            Interlocked.Increment(ref _nacks);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or MmsProtocolException)
        {
        }
    }

    /// <summary>A receiver report about the carrier to the server's RTCP port (RFC 3550 6.4.2, docs/protocol/rtsp.md#s7.3).</summary>
    private void SendReport()
    {
        if (_serverRtcp is not { } target || _stop.IsCancellationRequested) return;
        int highest;
        lock (_lock) highest = _highest;
        if (highest < 0) return;
        long lost = Lost;
        var block = new RtcpReportBlock(_serverSsrc ?? 0, 0, (int)Math.Min(lost, 0x7FFFFF), (uint)highest, 0, 0, 0);
        try
        {
            int length = RtcpReceiverReport.Write(_control, _ssrc, [block]);
            _rtcp.SendTo(_control.AsSpan(0, length), SocketFlags.None, target);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or MmsProtocolException or ArgumentException)
        {
        }
    }

    /// <summary>Compares the address bytes of the two socket addresses without allocating (as MMSU's channel does).</summary>
    private bool FromServer(SocketAddress from)
    {
        if (from.Family != _serverAddress.Family) return false;
        ReadOnlySpan<byte> a = from.Buffer.Span;
        ReadOnlySpan<byte> b = _serverAddress.Buffer.Span;
        return from.Family == AddressFamily.InterNetwork
            ? a.Slice(4, 4).SequenceEqual(b.Slice(4, 4))
            : a.Slice(8, 16).SequenceEqual(b.Slice(8, 16));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "RTSPU {Url}: UDP receive failed ({Error})")]
    private static partial void LogSocketError(ILogger logger, Uri url, SocketError error);

    [LoggerMessage(Level = LogLevel.Information, Message = "RTSPU {Url}: RTCP BYE from the server")]
    private static partial void LogBye(ILogger logger, Uri url);

    [LoggerMessage(Level = LogLevel.Information, Message = "RTSPU {Url}: {Datagrams} RTP datagrams, {Lost} lost, {Nacks} NACKs sent, {Recovered} recovered, {Foreign} from other addresses, {Late} late or duplicate")]
    private static partial void LogSummary(ILogger logger, Uri url, long datagrams, long lost, long nacks, long recovered, long foreign, long late);
}
