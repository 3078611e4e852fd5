using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using MmsGateway.Asf;
using MmsGateway.Mms.Playlists;
using MmsGateway.Mms.Sessions;

namespace MmsGateway.Mms.Client;

/// <summary>
/// Receives an NSC station's multicast (docs/protocol/nsc.md#s7.3, MS-MSB): joins the group on every IPv4 interface, takes
/// the ASF header from the station file's FormatN (the multicast itself never carries one), and turns MSB data
/// datagrams into full-size ASF packets (re-padded, docs/protocol/asf.md#s4.9); beacons only prove the station alive. Parity packets of
/// the error-correction spans (same dwPacketID as the packet before) are skipped. Stream selection is applied here,
/// since the group carries every stream. Always broadcast; no seeking.
/// </summary>
internal sealed partial class MsbSession : IMmsSession
{
    private const int MaxDatagram = 65535;

    private readonly Socket _socket;
    private readonly NscFile _station;
    private readonly MmsClientOptions _options;
    private readonly ILogger _logger;
    private readonly byte[] _receiveBuffer = new byte[MaxDatagram];
    private readonly SingleReaderGate _gate = new();
    private readonly IPEndPoint _group;
    private CancellationTokenSource _receiveCts;
    private readonly SessionHeader _current;
    private int _formatId = -1;
    private int _pendingLength = -1;
    private long _lastPacketId = -1;
    private AsfStreamSet _selected;

    private MsbSession(Uri url, NscFile station, Socket socket, IPEndPoint group, MmsClientOptions options, ILogger logger)
    {
        Url = MmsUrl.Redact(url);
        _station = station;
        _socket = socket;
        _group = group;
        _options = options;
        _logger = logger;
        _receiveCts = new CancellationTokenSource(Timeout.InfiniteTimeSpan, options.TimeProvider);
        _current = new SessionHeader(Url);
    }

    public MmsProtocol Protocol => MmsProtocol.Multicast;

    public Uri Url { get; }

    public AsfHeader Header => _current.Header;

    public ReadOnlyMemory<byte> HeaderBytes => _current.Bytes;

    public bool IsBroadcast => true;

    public AsfStreamSet SelectedStreams => _selected;

    /// <summary>The group and port, for the attempt list.</summary>
    public static string EndpointOf(NscFile station) =>
        MmsUrl.Format(station.IpAddress ?? "?", station.IpPort ?? 0);

    /// <summary>
    /// Joins the station's group and waits for its first datagram (packet or beacon) for
    /// <see cref="MmsClientOptions.MulticastOpenTimeout"/> (the Open timer of docs/protocol/nsc.md#s7.3); then the caller tries the
    /// station's Unicast URL.
    /// </summary>
    public static async Task<MsbSession> OpenAsync(Uri url, NscFile station, MmsClientOptions options, ILogger logger,
        CancellationToken cancellationToken)
    {
        if (station.Formats.Count == 0)
        {
            throw new MmsClientException(MmsClientErrorKind.MalformedReply, MmsClientStep.Playlist, url,
                "the station file has no Format (ASF header)");
        }

        if (!IPAddress.TryParse(station.IpAddress, out IPAddress? address) || address.AddressFamily != AddressFamily.InterNetwork
            || station.IpPort is not (> 0 and <= ushort.MaxValue))
        {
            throw new MmsClientException(MmsClientErrorKind.MalformedReply, MmsClientStep.Playlist, url,
                $"the station file names no usable IPv4 group and port ({station.IpAddress}:{station.IpPort})");
        }

        var group = new IPEndPoint(address, station.IpPort.Value);
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        MsbSession? session = null;
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(IPAddress.Any, group.Port));
            if (IsMulticast(address)) Join(socket, address, url);
            session = new MsbSession(url, station, socket, group, options, logger);
            session.InstallFormat(station.Formats.OrderBy(f => f.Number).First());
            session._selected = AsfStreamSet.Of(MmsSelection.Initial(session._current.Header, options)
                .Where(s => s.ThinningLevel != StreamSelection.Off).Select(s => s.StreamNumber));
            await session.WaitForFirstAsync(cancellationToken).ConfigureAwait(false);
            return session;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new MmsClientException(MmsClientErrorKind.Unreachable, MmsClientStep.Connect, url,
                $"cannot receive multicast on {group} ({e.SocketErrorCode})", e);
        }
        catch
        {
            if (session is not null) await session.DisposeAsync().ConfigureAwait(false);
            else socket.Dispose();
            throw;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // no allocation per packet
    public async ValueTask<MmsReadResult> ReadAsync(CancellationToken cancellationToken)
    {
        await _gate.EnterAsync(this, cancellationToken).ConfigureAwait(false);
        try
        {
            long deadline = MmsErrors.Deadline(_options.TimeProvider, _options.ReadTimeout);
            bool beacons = false;
            while (true)
            {
                int length;
                if (_pendingLength >= 0)
                {
                    length = _pendingLength;
                    _pendingLength = -1;
                }
                else
                {
                    TimeSpan left = MmsErrors.Remaining(_options.TimeProvider, deadline);
                    length = await ReceiveAsync(left, cancellationToken).ConfigureAwait(false);
                    if (length < 0)
                    {
                        if (beacons)
                        {
                            LogSilent(_logger, Url, _options.ReadTimeout.TotalSeconds);
                            return MmsReadResult.EndOfStream; // the End-of-Stream timer of docs/protocol/nsc.md#s7.3
                        }

                        throw new MmsClientException(MmsClientErrorKind.TimedOut, MmsClientStep.Read, Url,
                            string.Create(CultureInfo.InvariantCulture,
                                $"nothing on the multicast group {_group} for {_options.ReadTimeout.TotalSeconds:0.###} s"));
                    }
                }

                ReadOnlySpan<byte> datagram = _receiveBuffer.AsSpan(0, length);
                if (MsbPacket.IsBeacon(datagram) || datagram.Length < MsbPacket.HeaderSize)
                {
                    beacons = true;
                    continue;
                }

                // dwPacketID u32 | wStreamID u16 | wPacketSize u16 | ASF packet (docs/protocol/nsc.md#s7.3).
                uint packetId = BinaryPrimitives.ReadUInt32LittleEndian(datagram);
                int formatId = BinaryPrimitives.ReadUInt16LittleEndian(datagram[4..]) & MsbPacket.FormatIdMask;
                int size = Math.Min(BinaryPrimitives.ReadUInt16LittleEndian(datagram[6..]), datagram.Length);
                if (size < MsbPacket.HeaderSize || packetId == _lastPacketId) continue; // malformed, or parity
                if (formatId != _formatId)
                {
                    // The server moved to another playlist entry with another header (docs/protocol/nsc.md#s7.3 wStreamID).
                    NscFormat? format = _station.Formats.FirstOrDefault(f => f.FormatId == formatId);
                    if (format is null) continue; // a format the station file does not describe
                    InstallFormat(format);
                    _pendingLength = length; // this packet again, after the header change
                    return MmsReadResult.HeaderChanged;
                }

                _lastPacketId = packetId;

                // The datagram stays in the receive buffer until the next read: the packet may point into it.
                ReadOnlyMemory<byte> packet = _current.Repad(_receiveBuffer.AsMemory(MsbPacket.HeaderSize, size - MsbPacket.HeaderSize),
                    MmsClientStep.Read, "multicast packet");
                if (!_current.TryKeepSelected(packet, _selected, out packet)) continue;
                return MmsReadResult.ForPacket(packet, packetId);
            }
        }
        catch (AsfFormatException e)
        {
            throw MmsErrors.Malformed(Url, MmsClientStep.Read, $"a multicast packet does not parse: {e.Message}", e);
        }
        finally
        {
            _gate.Exit();
        }
    }

    public ValueTask SelectStreamsAsync(IReadOnlyList<StreamSelection> selection, CancellationToken cancellationToken)
    {
        (_, AsfStreamSet selected) = MmsSelection.Build(_current.Header, selection);
        _selected = selected;
        return ValueTask.CompletedTask;
    }

    public ValueTask SeekAsync(TimeSpan position, CancellationToken cancellationToken) =>
        throw new MmsClientException(MmsClientErrorKind.NotSupported, MmsClientStep.Seek, Url,
            "a multicast station is live content and cannot be seeked");

    public ValueTask DisposeAsync()
    {
        if (!_gate.TryClose()) return ValueTask.CompletedTask;
        _socket.Dispose();
        _receiveCts.Dispose();
        return ValueTask.CompletedTask;
    }

    private static bool IsMulticast(IPAddress address) => (address.GetAddressBytes()[0] & 0xF0) == 0xE0;

    /// <summary>Joins on every IPv4 address of every interface (loopback included), so no adapter has to be named.</summary>
    private static void Join(Socket socket, IPAddress group, Uri url)
    {
        int joined = 0;
        SocketException? last = null;
        foreach (NetworkInterface nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.OperationalStatus == OperationalStatus.Down) continue;
            foreach (UnicastIPAddressInformation unicast in nic.GetIPProperties().UnicastAddresses)
            {
                if (unicast.Address.AddressFamily != AddressFamily.InterNetwork) continue;
                try
                {
                    socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership,
                        new MulticastOption(group, unicast.Address));
                    joined++;
                }
                catch (SocketException e)
                {
                    last = e;
                }
            }
        }

        if (joined == 0)
        {
            throw new MmsClientException(MmsClientErrorKind.Unreachable, MmsClientStep.Connect, url,
                $"cannot join the multicast group {group} on any interface ({last?.SocketErrorCode})", last);
        }
    }

    private void InstallFormat(NscFormat format)
    {
        var assembler = new MmsHeaderAssembler(_options.MaxHeaderSize, Url);
        assembler.Append(new System.Buffers.ReadOnlySequence<byte>(format.Header), MmsClientStep.Playlist);
        _current.Install(assembler, MmsClientStep.Playlist);
        AsfHeader header = _current.Header;
        _formatId = format.FormatId;
        _selected = _selected.IsEmpty ? header.AllStreams : _selected.Intersect(header.AllStreams);
        if (_selected.IsEmpty) _selected = header.AllStreams;
    }

    private async Task WaitForFirstAsync(CancellationToken cancellationToken)
    {
        int length = await ReceiveAsync(_options.MulticastOpenTimeout, cancellationToken).ConfigureAwait(false);
        if (length < 0)
        {
            throw new MmsClientException(MmsClientErrorKind.TimedOut, MmsClientStep.Connect, Url,
                string.Create(CultureInfo.InvariantCulture,
                    $"no packet or beacon on the multicast group {_group} within {_options.MulticastOpenTimeout.TotalSeconds:0.###} s"));
        }

        _pendingLength = length; // ReadAsync starts with it
        LogJoined(_logger, Url, _group.ToString());
    }

    /// <summary>One datagram into the receive buffer; -1 when <paramref name="timeout"/> passes first.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // no allocation per packet
    private async ValueTask<int> ReceiveAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (timeout <= TimeSpan.Zero) return -1;
        cancellationToken.ThrowIfCancellationRequested();
        if (!_receiveCts.TryReset())
        {
            _receiveCts.Dispose();
            _receiveCts = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _options.TimeProvider);
        }

        _receiveCts.CancelAfter(timeout);
        try
        {
            using CancellationTokenRegistration registration = cancellationToken.CanBeCanceled
                ? cancellationToken.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), _receiveCts)
                : default;
            return await _socket.ReceiveAsync(_receiveBuffer, SocketFlags.None, _receiveCts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (OperationCanceledException) when (!_gate.IsClosed)
        {
            return -1;
        }
        catch (OperationCanceledException) when (_gate.IsClosed)
        {
            throw new ObjectDisposedException(nameof(IMmsSession), "The session was disposed during a read.");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "NSC {Url}: receiving the multicast group {Group}")]
    private static partial void LogJoined(ILogger logger, Uri url, string group);

    [LoggerMessage(Level = LogLevel.Information, Message = "NSC {Url}: only beacons for {Seconds} s: end of stream")]
    private static partial void LogSilent(ILogger logger, Uri url, double seconds);
}
