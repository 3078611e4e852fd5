using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using MmsGateway.Mms.Mmsu;

namespace MmsGateway.Mms.Client;

/// <summary>
/// The UDP side of an MMSU session (docs/protocol/mmsu.md#s1.8): a local socket the server sends header pieces and media data
/// packets to (one data packet per datagram, the 8-byte preheader of docs/protocol/mmst.md#s1.3), and the RequestPacketListResend
/// datagrams (item 7) sent back for lost packets.
/// <para>
/// The order, the gaps and when to ask again are the <see cref="MmsuReorderWindow"/>'s; this class does the I/O around
/// it: the receive loop and the resend timer run in the background, each under one lock with the window, and the
/// session's reader takes packets in order with <see cref="TryTake"/>. Nothing is allocated per packet.
/// </para>
/// </summary>
internal sealed partial class MmsuDataChannel : IAsyncDisposable
{
    private const int MaxDatagram = 65535;

    private readonly Socket _socket;
    private readonly Uri _url;
    private readonly MmsClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly byte[] _receiveBuffer = new byte[MaxDatagram];
    private readonly SocketAddress _from;
    private readonly SocketAddress _serverAddress;
    private readonly byte[] _request = new byte[12 + (4 * MmsuResendRequest.MaxPackets)];
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly MmsuReorderWindow _window; // under _lock
    private readonly uint[] _resends = new uint[MmsuReorderWindow.MaxNumbersPerTick];
    private SocketAddress? _resendTo;
    private ITimer? _timer;
    private Task _receiveLoop = Task.CompletedTask;

    private long _datagrams;
    private long _requested;

    private MmsuDataChannel(Socket socket, Uri url, IPAddress server, MmsClientOptions options, ILogger logger)
    {
        _socket = socket;
        _url = url;
        _options = options;
        _time = options.TimeProvider;
        _logger = logger;
        _from = new SocketAddress(socket.AddressFamily);
        IPAddress inFamily = socket.AddressFamily == AddressFamily.InterNetworkV6 && server.AddressFamily == AddressFamily.InterNetwork
            ? server.MapToIPv6()
            : server;
        _serverAddress = new IPEndPoint(inFamily, 0).Serialize();
        _window = new MmsuReorderWindow(_time, options.MmsuResendInterval, options.MmsuMaxResends);
        Signal = new MmsAsyncSignal(_time);
    }

    /// <summary>Set whenever the head of the window may have changed (and by the session for control events).</summary>
    public MmsAsyncSignal Signal { get; }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>nCubs from ReportFunnelInfo, echoed in resend requests (docs/protocol/mmst.md#s1.5.3, docs/protocol/mmsu.md#s1.8.7).</summary>
    public uint ClientId { get; set; }

    /// <summary>Low 16 bits of openFileId (docs/protocol/mmsu.md#s1.8.7).</summary>
    public ushort SourceId { get; set; }

    /// <summary>Datagrams received from the server (any kind), to tell "UDP blocked" from "header incomplete".</summary>
    public long Datagrams => Interlocked.Read(ref _datagrams);

    /// <summary>Sequence numbers named in resend requests (a number asked twice counts twice).</summary>
    public long Requested => Interlocked.Read(ref _requested);

    /// <summary>Packets that arrived after they had been asked for again.</summary>
    public long Recovered => _window.Recovered;

    /// <summary>Packets given up after <see cref="MmsClientOptions.MmsuMaxResends"/> requests.</summary>
    public long Lost => _window.Lost;

    public long Duplicates => _window.Duplicates;

    /// <summary>
    /// Binds a UDP socket on the local address of the control connection (vlc does the same, docs/protocol/mmsu.md#s1.8.1), at
    /// <see cref="MmsClientOptions.MmsuLocalPort"/> (0: any free port).
    /// </summary>
    public static MmsuDataChannel Open(Uri url, IPEndPoint controlLocal, IPAddress server, MmsClientOptions options,
        ILogger logger)
    {
        IPAddress local = controlLocal.Address;
        var socket = new Socket(local.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (local.AddressFamily == AddressFamily.InterNetworkV6) socket.DualMode = true;
            try
            {
                socket.ReceiveBufferSize = 4 * 1024 * 1024; // the kernel caps it; a burst should not overflow it
            }
            catch (SocketException)
            {
            }

            socket.Bind(new IPEndPoint(local, options.MmsuLocalPort));
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new MmsClientException(MmsClientErrorKind.NotSupported, MmsClientStep.Funnel, url,
                $"cannot bind a UDP socket on {local} port {options.MmsuLocalPort} ({e.SocketErrorCode})", e)
            {
                MmsuFallback = true,
            };
        }

        return new MmsuDataChannel(socket, url, server.IsIPv4MappedToIPv6 ? server.MapToIPv4() : server, options, logger);
    }

    /// <summary>
    /// Receives the header pieces of one ReadBlock (docs/protocol/mmsu.md#s1.8.5): datagrams whose incarnation byte is
    /// <paramref name="incarnation"/>, collected by piece index (LocationId) until the final piece and every piece
    /// before it are there. False when <paramref name="timeout"/> passes first. Only used before play starts.
    /// </summary>
    public async Task<byte[]?> ReceiveHeaderAsync(byte incarnation, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var pieces = new SortedDictionary<uint, byte[]>();
        uint? last = null;
        using var timeoutCts = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutCts.Token);
        while (true)
        {
            int received;
            try
            {
                received = await _socket.ReceiveFromAsync(_receiveBuffer, SocketFlags.None, _from, linked.Token)
                    .ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return null;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                continue; // an ICMP error of an earlier send
            }

            if (!FromServer()) continue;
            Interlocked.Increment(ref _datagrams);
            if (!TryReadPreheader(received, out MmsDataPacketHeader preheader, out int payload)) continue;
            if (preheader.PlayIncarnation != incarnation || preheader.LocationId >= 4096) continue;
            RememberResendTarget();
            pieces[preheader.LocationId] = _receiveBuffer.AsSpan(MmsDataPacketHeader.Size, payload).ToArray();
            if (MmsDataPacketFlags.IsFinalHeaderPiece(preheader.AfFlags)) last = preheader.LocationId;
            if (last is { } final && pieces.Count == final + 1 && pieces.Keys.Max() == final)
            {
                return pieces.Values.SelectMany(p => p).ToArray();
            }
        }
    }

    /// <summary>
    /// Starts (or restarts, after a seek) the media path for a play with <paramref name="incarnation"/>: empties the
    /// window, and starts the receive loop and the resend timer on first use. Call it before StartPlaying is sent,
    /// so no datagram waits in the socket unread.
    /// </summary>
    public void BeginPlay(byte incarnation, int packetSize)
    {
        lock (_lock) _window.Begin(incarnation, packetSize);

        if (_timer is null)
        {
            TimeSpan tick = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(10).Ticks, _options.MmsuResendInterval.Ticks / 2));
            _timer = _time.CreateTimer(static state => ((MmsuDataChannel)state!).OnTick(), this, tick, tick);
            _receiveLoop = Task.Run(() => ReceiveLoopAsync(_stop.Token));
        }

        Signal.Set();
    }

    /// <summary>Stops accepting media (before a StopPlaying): datagrams of the old play are dropped from now on.</summary>
    public void EndPlay()
    {
        lock (_lock) _window.End();
    }

    /// <summary>
    /// The next packet in sequence order, skipping packets given up as lost. The packet stays valid until the next
    /// call (its slot is reused only then).
    /// </summary>
    public MmsuTake TryTake(out ReadOnlyMemory<byte> packet, out uint locationId, out bool nothingPending)
    {
        lock (_lock) return _window.TryTake(out packet, out locationId, out nothingPending);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_timer is not null) await _timer.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
        await _receiveLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        Signal.Dispose();
        _stop.Dispose();
        long highest;
        lock (_lock) highest = _window.Highest;
        if (highest >= 0) LogSummary(_logger, _url, highest + 1, Requested, Recovered, Lost, Duplicates);
    }

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            int received;
            try
            {
                received = await _socket.ReceiveFromAsync(_receiveBuffer, SocketFlags.None, _from, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
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

            if (!FromServer()) continue;
            Interlocked.Increment(ref _datagrams);
            if (TryReadPreheader(received, out MmsDataPacketHeader preheader, out int payload))
            {
                Accept(preheader, payload);
            }
        }
    }

    /// <summary>Puts one media datagram into the window (docs/protocol/mmsu.md#s1.8.6).</summary>
    private void Accept(MmsDataPacketHeader preheader, int payload)
    {
        MmsuArrival arrival;
        lock (_lock)
        {
            arrival = _window.Accept(preheader, _receiveBuffer.AsSpan(MmsDataPacketHeader.Size, payload));
            if (arrival != MmsuArrival.NotPlaying) RememberResendTarget();
        }

        if (arrival == MmsuArrival.AtHead) Signal.Set();
    }

    /// <summary>
    /// The resend timer: sends what the window asks for again (numbers still missing, tail probes), 32 to a request,
    /// and wakes the reader when the packet it waits for was given up.
    /// </summary>
    private void OnTick()
    {
        MmsuResends resends = default;
        try
        {
            lock (_lock)
            {
                if (!_window.IsPlaying || _resendTo is null) return;
                resends = _window.Tick(_resends);
                for (int sent = 0; sent < resends.Count; sent += MmsuResendRequest.MaxPackets)
                {
                    SendRequest(_resends.AsSpan(sent, Math.Min(MmsuResendRequest.MaxPackets, resends.Count - sent)));
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The next tick tries again; a closed socket means the session is ending.
        }

        if (resends.Lost > 0) LogLost(_logger, _url, resends.Lost);
        if (resends.HeadLost) Signal.Set();
    }

    /// <summary>RequestPacketListResend to the server's UDP port (docs/protocol/mmsu.md#s1.8.7).</summary>
    private void SendRequest(ReadOnlySpan<uint> sequences)
    {
        for (int i = 0; i < sequences.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(_request.AsSpan(12 + (4 * i)), sequences[i]);
        }

        MmsuResendRequest.WriteFixedPart(_request, ClientId, SourceId, sequences.Length);
        _socket.SendTo(_request.AsSpan(0, 12 + (4 * sequences.Length)), SocketFlags.None, _resendTo!);
        Interlocked.Add(ref _requested, sequences.Length);
    }

    /// <summary>
    /// Where resend requests go: <see cref="MmsClientOptions.MmsuResendPort"/>, else the port the server's datagrams
    /// come from (our origin and WMS send data from the socket that takes the requests).
    /// </summary>
    private void RememberResendTarget()
    {
        if (_resendTo is not null) return;
        var endpoint = (IPEndPoint)new IPEndPoint(_from.Family == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0).Create(_from);
        int port = _options.MmsuResendPort ?? endpoint.Port;
        _resendTo = new IPEndPoint(endpoint.Address, port).Serialize();
    }

    /// <summary>
    /// The datagram came from the server's address (any port): compares the address bytes of the two socket
    /// addresses, both laid out by the runtime for this platform, without allocating.
    /// </summary>
    private bool FromServer()
    {
        if (_from.Family != _serverAddress.Family) return false;
        ReadOnlySpan<byte> from = _from.Buffer.Span;
        ReadOnlySpan<byte> server = _serverAddress.Buffer.Span;
        return _from.Family == AddressFamily.InterNetwork
            ? from.Slice(4, 4).SequenceEqual(server.Slice(4, 4))
            : from.Slice(8, 16).SequenceEqual(server.Slice(8, 16));
    }

    private bool TryReadPreheader(int received, out MmsDataPacketHeader preheader, out int payload)
    {
        payload = 0;
        if (!MmsDataPacketHeader.TryRead(_receiveBuffer.AsSpan(0, received), out preheader)) return false;
        payload = Math.Min(received, (int)preheader.PacketSize) - MmsDataPacketHeader.Size;
        return payload >= 0;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "MMSU {Url}: {Count} packets given up after the resend requests")]
    private static partial void LogLost(ILogger logger, Uri url, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MMSU {Url}: UDP receive failed ({Error})")]
    private static partial void LogSocketError(ILogger logger, Uri url, SocketError error);

    [LoggerMessage(Level = LogLevel.Information, Message = "MMSU {Url}: {Datagrams} media datagrams, {Requested} resend requests, {Recovered} recovered, {Lost} lost, {Duplicates} duplicates")]
    private static partial void LogSummary(ILogger logger, Uri url, long datagrams, long requested, long recovered, long lost, long duplicates);
}
