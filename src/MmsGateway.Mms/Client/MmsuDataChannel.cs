using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using MmsGateway.Mms.Mmsu;

namespace MmsGateway.Mms.Client;

/// <summary>What <see cref="MmsuDataChannel.TryTake"/> found at the head of the reorder window.</summary>
internal enum MmsuTake
{
    /// <summary>The next packet in sequence order (see the out parameters).</summary>
    Packet,

    /// <summary>The next packet has not arrived (or nothing more has): wait for <see cref="MmsuDataChannel.Signal"/>.</summary>
    Wait,
}

/// <summary>
/// The UDP side of an MMSU session (protocol.md §1.8): a local socket the server sends header pieces and media data
/// packets to (one data packet per datagram, the 8-byte preheader of §1.3), and the RequestPacketListResend
/// datagrams (item 7) sent back for lost packets.
/// <para>
/// Media datagrams carry the low 8 bits of a per-play 32-bit sequence in AFFlags; the channel rebuilds the full
/// number (the LocationId, which only grows within a play, settles the rare ambiguous case), keeps a reorder window
/// of preallocated slots, asks for every gap again after a short delay (at most 32 numbers per request, up to
/// <see cref="MmsClientOptions.MmsuMaxResends"/> times each) and gives a packet up (counted as lost) after that. A
/// quiet spell with nothing missing sends a probe for the numbers just after the highest one seen, so losses at the
/// very end of a stream are found too. The receive loop and the resend timer run in the background; the session's
/// reader takes packets in order with <see cref="TryTake"/>. Nothing is allocated per packet.
/// </para>
/// </summary>
internal sealed partial class MmsuDataChannel : IAsyncDisposable
{
    private const int MaxDatagram = 65535;

    /// <summary>Unambiguous 8-bit sequence reconstruction needs a window below 256; 128 keeps a margin.</summary>
    private const int MaxWindow = 128;

    /// <summary>Numbers probed past the highest one seen after a quiet spell (tail losses).</summary>
    private const int TailProbeCount = 8;

    private const int MaxTailProbes = 3;

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
    private readonly long _resendIntervalTicks;
    private SocketAddress? _resendTo;
    private ITimer? _timer;
    private Task _receiveLoop = Task.CompletedTask;

    // The reorder window, under _lock.
    private Slot[] _slots = [];
    private int _window;
    private bool _playing;
    private byte _incarnation;
    private long _next;
    private long _highest = -1;
    private uint _highestLocation;
    private Slot? _held;
    private long _lastArrival;
    private long _lastProbe;
    private int _probes;

    private long _datagrams;
    private long _duplicates;
    private long _outOfWindow;
    private long _requested;
    private long _recovered;
    private long _lost;

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
        _resendIntervalTicks = (long)(options.MmsuResendInterval.TotalSeconds * _time.TimestampFrequency);
        Signal = new MmsAsyncSignal(_time);
    }

    /// <summary>Set whenever the head of the window may have changed (and by the session for control events).</summary>
    public MmsAsyncSignal Signal { get; }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>nCubs from ReportFunnelInfo, echoed in resend requests (§1.5.3, §1.8 item 7).</summary>
    public uint ClientId { get; set; }

    /// <summary>Low 16 bits of openFileId (§1.8 item 7).</summary>
    public ushort SourceId { get; set; }

    /// <summary>Datagrams received from the server (any kind), to tell "UDP blocked" from "header incomplete".</summary>
    public long Datagrams => Interlocked.Read(ref _datagrams);

    /// <summary>Sequence numbers named in resend requests (a number asked twice counts twice).</summary>
    public long Requested => Interlocked.Read(ref _requested);

    /// <summary>Packets that arrived after they had been asked for again.</summary>
    public long Recovered => Interlocked.Read(ref _recovered);

    /// <summary>Packets given up after <see cref="MmsClientOptions.MmsuMaxResends"/> requests.</summary>
    public long Lost => Interlocked.Read(ref _lost);

    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>
    /// Binds a UDP socket on the local address of the control connection (vlc does the same, §1.8 item 1), at
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
    /// Receives the header pieces of one ReadBlock (§1.8 item 5): datagrams whose incarnation byte is
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
        lock (_lock)
        {
            int window = Math.Clamp((8 * 1024 * 1024) / Math.Max(packetSize, 1), 32, MaxWindow);
            if (_slots.Length != window)
            {
                _slots = new Slot[window];
                for (int i = 0; i < window; i++) _slots[i] = new Slot(packetSize + MmsDataPacketHeader.Size);
            }

            _window = window;
            foreach (Slot slot in _slots) slot.Clear();
            _held = null;
            _incarnation = incarnation;
            _next = 0;
            _highest = -1;
            _highestLocation = 0;
            _probes = 0;
            _lastArrival = _lastProbe = _time.GetTimestamp();
            _playing = true;
        }

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
        lock (_lock) _playing = false;
    }

    /// <summary>
    /// The next packet in sequence order, skipping packets given up as lost. The packet stays valid until the next
    /// call (its slot is reused only then).
    /// </summary>
    public MmsuTake TryTake(out ReadOnlyMemory<byte> packet, out uint locationId, out bool nothingPending)
    {
        lock (_lock)
        {
            _held?.Clear();
            _held = null;
            while (_window > 0)
            {
                Slot slot = _slots[_next % _window];
                if (slot.Sequence == _next && slot.State == SlotState.Received)
                {
                    _held = slot;
                    _next++;
                    packet = slot.Data.AsMemory(0, slot.Length);
                    locationId = slot.LocationId;
                    nothingPending = false;
                    return MmsuTake.Packet;
                }

                if (slot.Sequence == _next && slot.State == SlotState.Lost)
                {
                    slot.Clear();
                    _next++;
                    continue;
                }

                break;
            }

            packet = default;
            locationId = 0;
            nothingPending = _next > _highest;
            return MmsuTake.Wait;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_timer is not null) await _timer.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
        await _receiveLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        Signal.Dispose();
        _stop.Dispose();
        if (_highest >= 0) LogSummary(_logger, _url, _highest + 1, Requested, Recovered, Lost, Duplicates);
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

    /// <summary>Puts one media datagram into the window (§1.8 item 6).</summary>
    private void Accept(MmsDataPacketHeader preheader, int payload)
    {
        bool wake;
        lock (_lock)
        {
            if (!_playing || preheader.PlayIncarnation != _incarnation || _window == 0) return;
            RememberResendTarget();
            long sequence = Reconstruct(preheader.AfFlags, preheader.LocationId);
            if (sequence < _next)
            {
                Interlocked.Increment(ref _duplicates);
                return;
            }

            // The slot of the packet the reader holds (_next - 1) is not free yet.
            if (sequence >= _next + _window - 1)
            {
                Interlocked.Increment(ref _outOfWindow);
                return; // asked for again once the window has moved on
            }

            Slot slot = _slots[sequence % _window];
            if (slot.Sequence == sequence && slot.State == SlotState.Received)
            {
                Interlocked.Increment(ref _duplicates);
                return;
            }

            if (slot.Sequence == sequence && slot.Requests > 0) Interlocked.Increment(ref _recovered);
            if (slot.Sequence == sequence && slot.State == SlotState.Lost) Interlocked.Decrement(ref _lost);
            if (slot.Data.Length < payload) slot.Data = new byte[payload]; // a packet larger than announced: rare
            _receiveBuffer.AsSpan(MmsDataPacketHeader.Size, payload).CopyTo(slot.Data);
            slot.Length = payload;
            slot.LocationId = preheader.LocationId;
            slot.Sequence = sequence;
            slot.State = SlotState.Received;
            if (sequence > _highest)
            {
                for (long missing = _highest + 1; missing < sequence; missing++)
                {
                    Slot gap = _slots[missing % _window];
                    if (gap.Sequence != missing) gap.MarkMissing(missing, _time.GetTimestamp());
                }

                _highest = sequence;
                _highestLocation = preheader.LocationId;
            }

            _lastArrival = _time.GetTimestamp();
            _probes = 0;
            wake = sequence == _next;
        }

        if (wake) Signal.Set();
    }

    /// <summary>
    /// The 32-bit sequence from its low 8 bits (§1.8 item 6): the value nearest the highest seen; the LocationId,
    /// which grows with the sequence, decides when the gap is too large to tell.
    /// </summary>
    private long Reconstruct(byte low, uint locationId)
    {
        if (_highest < 0) return low;
        long candidate = (_highest & ~0xFFL) | low;
        if (candidate > _highest + 128) candidate -= 256;
        else if (candidate <= _highest - 128) candidate += 256;
        if (locationId > _highestLocation)
        {
            while (candidate <= _highest) candidate += 256;
        }
        else if (locationId < _highestLocation)
        {
            while (candidate >= _highest) candidate -= 256;
        }

        return candidate;
    }

    /// <summary>
    /// The resend timer: asks again for packets still missing after half an interval (a little reordering is
    /// normal), gives up on those asked for too often, and probes past the highest number after a quiet spell.
    /// </summary>
    private void OnTick()
    {
        bool wake = false;
        try
        {
            lock (_lock)
            {
                if (!_playing || _window == 0 || _resendTo is null) return;
                long now = _time.GetTimestamp();
                int count = 0;
                for (long s = _next; s <= _highest; s++)
                {
                    Slot slot = _slots[s % _window];
                    if (slot.Sequence != s || slot.State != SlotState.Missing) continue;
                    if (now - slot.LastChange < (slot.Requests == 0 ? _resendIntervalTicks / 2 : _resendIntervalTicks))
                    {
                        continue;
                    }

                    if (slot.Requests >= _options.MmsuMaxResends)
                    {
                        slot.State = SlotState.Lost;
                        Interlocked.Increment(ref _lost);
                        LogLost(_logger, _url, s);
                        wake |= s == _next;
                        continue;
                    }

                    slot.Requests++;
                    slot.LastChange = now;
                    count = Add(count, (uint)s);
                }

                if (count == 0 && _highest >= 0 && _probes < MaxTailProbes
                    && now - _lastArrival >= _resendIntervalTicks && now - _lastProbe >= _resendIntervalTicks)
                {
                    for (int i = 1; i <= TailProbeCount; i++) count = Add(count, (uint)(_highest + i));
                    _probes++;
                    _lastProbe = now;
                }

                if (count > 0) SendRequest(count);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The next tick tries again; a closed socket means the session is ending.
        }

        if (wake) Signal.Set();
    }

    /// <summary>Adds a number to the pending request, sending it when it holds 32.</summary>
    private int Add(int count, uint sequence)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_request.AsSpan(12 + (4 * count)), sequence);
        count++;
        if (count < MmsuResendRequest.MaxPackets) return count;
        SendRequest(count);
        return 0;
    }

    /// <summary>RequestPacketListResend to the server's UDP port (§1.8 item 7).</summary>
    private void SendRequest(int count)
    {
        MmsuResendRequest.WriteFixedPart(_request, ClientId, SourceId, count);
        _socket.SendTo(_request.AsSpan(0, 12 + (4 * count)), SocketFlags.None, _resendTo!);
        Interlocked.Add(ref _requested, count);
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

    private enum SlotState
    {
        Empty,
        Missing,
        Received,
        Lost,
    }

    /// <summary>One place of the reorder window; its buffer is reused for the whole session.</summary>
    private sealed class Slot(int capacity)
    {
        public byte[] Data = new byte[capacity];
        public long Sequence = -1;
        public SlotState State;
        public int Length;
        public uint LocationId;
        public int Requests;
        public long LastChange;

        public void Clear()
        {
            Sequence = -1;
            State = SlotState.Empty;
            Length = 0;
            Requests = 0;
        }

        public void MarkMissing(long sequence, long now)
        {
            Sequence = sequence;
            State = SlotState.Missing;
            Requests = 0;
            LastChange = now;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "MMSU {Url}: packet {Sequence} given up after the resend requests")]
    private static partial void LogLost(ILogger logger, Uri url, long sequence);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MMSU {Url}: UDP receive failed ({Error})")]
    private static partial void LogSocketError(ILogger logger, Uri url, SocketError error);

    [LoggerMessage(Level = LogLevel.Information, Message = "MMSU {Url}: {Datagrams} media datagrams, {Requested} resend requests, {Recovered} recovered, {Lost} lost, {Duplicates} duplicates")]
    private static partial void LogSummary(ILogger logger, Uri url, long datagrams, long requested, long recovered, long lost, long duplicates);
}
