using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using MmsGateway.Asf.Selection;
using MmsGateway.Mms;
using MmsGateway.Mms.Mmst;
using MmsGateway.Origin.Media;

namespace MmsGateway.Origin.Mmst;

/// <summary>
/// One MMST session (docs/protocol/mmst.md#s1.6, docs/protocol/servers.md#s3.1): answers every client message in the order received, one message
/// per TcpMessageHeader, and streams data packets (on TCP, or as MMSU datagrams when the funnel asked for UDP).
/// The control reader and the play loop share one connection; writes are serialised by a lock.
/// </summary>
internal sealed partial class MmstServerSession : IPacketSink
{
    private const uint OpenFileId = 1; // vlc accepts only 1 or 2; the others hard-code 1 (docs/protocol/mmst.md#s1.5.6)
    private static readonly TimeSpan UdpDrainTime = TimeSpan.FromSeconds(3);

    private readonly OriginContext _context;
    private readonly Mmsu.MmsuChannel? _udp;
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Shaping.WriteWatchdog _writes;
    private readonly ArrayBufferWriter<byte> _out = new(1024);
    private readonly Lock _selectionLock = new();
    private readonly uint _sessionId = OriginContext.NewSessionId();
    private readonly string _peer;
    private int _seq;
    private long _lastHeard;

    private OriginMedia? _media;
    private string? _pendingFile;
    private uint _pendingIncarnation;
    private bool _authenticated;
    private AsfStreamSelection? _selection;
    private bool _selectionGiven;
    private IPEndPoint? _udpTarget;
    private CancellationTokenSource? _playCts;
    private Task _play = Task.CompletedTask;
    private byte _playIncarnation;
    private byte _dataSequence;
    private byte[] _dataBuffer = [];

    public MmstServerSession(OriginContext context, Mmsu.MmsuChannel? udp, Socket socket)
    {
        _context = context;
        _udp = udp;
        _socket = socket;
        _socket.NoDelay = true;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _logger = context.Loggers.CreateLogger<MmstServerSession>();
        _peer = socket.RemoteEndPoint?.ToString() ?? "?";
        _authenticated = context.Options.BasicCredentials is null;
        _writes = new Shaping.WriteWatchdog(context.Time);
    }

    public async Task RunAsync(CancellationToken serverStopping)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(serverStopping);
        var reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024));
        _lastHeard = _context.Time.GetTimestamp();
        var keepAlive = KeepAliveAsync(cts);
        var watchdog = _writes.RunAsync(_socket, _context.Options.IdleTimeout, cts.Token);
        LogSession(_logger, _peer, "connected");
        try
        {
            var first = true;
            while (true)
            {
                var result = await reader.ReadAsync(cts.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                // Bytes without the B00BFACE signature (libmms probing with an HTTP GET) end the session (docs/protocol/servers.md#s3.1.13).
                while (TakeCommand(ref buffer) is { } pdu)
                {
                    _lastHeard = _context.Time.GetTimestamp();
                    if (first && _context.Faults.ResetDuringHandshake)
                    {
                        _socket.LingerState = new LingerOption(true, 0); // close with RST
                        return;
                    }
                    first = false;
                    if (!await HandleAsync(pdu, cts.Token).ConfigureAwait(false)) return;
                }
                reader.AdvanceTo(buffer.Start, result.Buffer.End);
                if (result.IsCompleted) return; // a close without 0x0D ends the session the same way (libmms)
            }
        }
        catch (MmsProtocolException e)
        {
            LogProtocolError(_logger, _peer, e.Message);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            await cts.CancelAsync().ConfigureAwait(false);
            await StopPlayAsync().ConfigureAwait(false);
            await keepAlive.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await watchdog.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await reader.CompleteAsync().ConfigureAwait(false);
            await _stream.DisposeAsync().ConfigureAwait(false);
            _udp?.Forget(_sessionId);
            LogSession(_logger, _peer, "closed");
        }
    }

    /// <summary>
    /// Takes one complete command off the front of <paramref name="buffer"/>, copied out so it survives the pipe
    /// advancing while it is handled (control messages are small and rare).
    /// </summary>
    private static MmstPdu? TakeCommand(ref ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (!MmstFraming.TryReadCommand(ref reader, out var pdu)) return null;
        var copy = new ReadOnlySequence<byte>(pdu.Packet.ToArray());
        buffer = buffer.Slice(reader.Position);
        var copyReader = new SequenceReader<byte>(copy);
        MmstFraming.TryReadCommand(ref copyReader, out var copied);
        return copied;
    }

    /// <summary>Pings after every quiet <see cref="OriginOptions.PingInterval"/>; drops a client silent past the idle timeout.</summary>
    private async Task KeepAliveAsync(CancellationTokenSource session)
    {
        var options = _context.Options;
        try
        {
            while (true)
            {
                await Task.Delay(options.PingInterval, _context.Time, session.Token).ConfigureAwait(false);
                var quiet = _context.Time.GetElapsedTime(_lastHeard);
                if (quiet >= options.IdleTimeout)
                {
                    LogSession(_logger, _peer, "idle timeout");
                    await session.CancelAsync().ConfigureAwait(false);
                    _socket.Close();
                    return;
                }
                if (quiet >= options.PingInterval) await SendAsync(new PingMessage(0, 0), session.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Handles one client message; false ends the session.</summary>
    private async ValueTask<bool> HandleAsync(MmstPdu pdu, CancellationToken ct)
    {
        switch (pdu.MessageId)
        {
            case MmstMessageId.Connect:
                var connect = pdu.ReadMessage<ConnectMessage>();
                LogClient(_logger, _peer, connect.SubscriberName);
                var auth = _context.Options.BasicCredentials is null ? "" : "BASIC";
                await SendAsync(ReportConnectedExMessage.Create() with { AuthenPackage = auth }, ct).ConfigureAwait(false);
                return true;

            case MmstMessageId.FunnelInfo:
                await SendAsync(ReportFunnelInfoMessage.Create(_sessionId), ct).ConfigureAwait(false);
                return true;

            case MmstMessageId.ConnectFunnel:
                return await ConnectFunnelAsync(pdu.ReadMessage<ConnectFunnelMessage>(), ct).ConfigureAwait(false);

            case MmstMessageId.OpenFile:
                var open = pdu.ReadMessage<OpenFileMessage>();
                if (!_authenticated && open.BasicCredentials is { } given) _authenticated = CredentialsMatch(given);
                return await OpenFileAsync(open.FileName, open.PlayIncarnation, ct).ConfigureAwait(false);

            case MmstMessageId.SecurityResponse:
                var response = pdu.ReadMessage<SecurityResponseMessage>();
                _authenticated = CredentialsMatch(response.BasicCredentials);
                if (!_authenticated || _pendingFile is null)
                {
                    await SendAsync(ReportOpenFileMessage.Failed(MmsHResult.AccessDenied, response.PlayIncarnation), ct).ConfigureAwait(false);
                    return true;
                }
                return await OpenFileAsync(_pendingFile, _pendingIncarnation, ct).ConfigureAwait(false);

            case MmstMessageId.ReadBlock:
                await SendHeaderAsync(pdu.ReadMessage<ReadBlockMessage>().PlayIncarnation, ct).ConfigureAwait(false);
                return true;

            case MmstMessageId.StreamSwitch:
                SelectStreams(pdu.ReadMessage<StreamSwitchMessage>());
                await SendAsync(new ReportStreamSwitchMessage(MmsHResult.Ok), ct).ConfigureAwait(false);
                return true;

            case MmstMessageId.StartPlaying:
                await StartPlayAsync(pdu.ReadMessage<StartPlayingMessage>(), ct).ConfigureAwait(false);
                return true;

            case MmstMessageId.StopPlaying:
                var stop = pdu.ReadMessage<StopPlayingMessage>();
                await StopPlayAsync().ConfigureAwait(false);
                await SendAsync(new ReportEndOfStreamMessage(MmsHResult.Ok, stop.PlayIncarnation), ct).ConfigureAwait(false);
                return true;

            case MmstMessageId.StartStriding:
                // Fast forward/rewind is not offered (no CanStride attribute); refuse it cleanly.
                var stride = pdu.ReadMessage<StartStridingMessage>();
                await SendAsync(new ReportStartStridingMessage(MmsHResult.BadParameter, stride.PlayIncarnation, 0), ct).ConfigureAwait(false);
                return true;

            case MmstMessageId.CloseFile:
                return false;

            default:
                // Pong, Logging, CancelReadBlock and unknown messages need no answer (docs/protocol/servers.md#s3.1.12, docs/protocol/servers.md#s3.1.13).
                return true;
        }
    }

    private async ValueTask<bool> ConnectFunnelAsync(ConnectFunnelMessage funnel, CancellationToken ct)
    {
        var name = MmstFunnelName.Parse(funnel.FunnelName);
        if (name.Transport == MmstFunnelTransport.Udp)
        {
            // Only the port matters; data goes to the address the TCP connection came from (docs/protocol/mmst.md#s1.5.4).
            if (_udp is null || _context.Faults.Refuses("mmsu") || name.Port is not { } port)
            {
                await SendAsync(new ReportDisconnectedFunnelMessage(MmsHResult.BadParameter, 0), ct).ConfigureAwait(false);
                return true;
            }
            _udpTarget = new IPEndPoint(((IPEndPoint)_socket.RemoteEndPoint!).Address, port);
        }
        await SendAsync(ReportConnectedFunnelMessage.Accepted(), ct).ConfigureAwait(false);
        return true;
    }

    private async ValueTask<bool> OpenFileAsync(string fileName, uint incarnation, CancellationToken ct)
    {
        var name = fileName.TrimStart('/');
        if (_context.Options.Redirects.TryGetValue(name, out var target))
        {
            await SendAsync(new ReportRedirectMessage(MmsHResult.Ok, 1, target), ct).ConfigureAwait(false);
            return false; // the server closes after a redirect (docs/protocol/mmst.md#s1.5.11)
        }
        if (!_authenticated)
        {
            _pendingFile = name;
            _pendingIncarnation = incarnation;
            await SendAsync(SecurityChallengeMessage.ForBasic(incarnation, _sessionId, "MmsGateway origin"), ct).ConfigureAwait(false);
            return true;
        }
        _media = _context.Catalog.Find(name, out var failure);
        if (_media is null)
        {
            var hr = failure == LookupFailure.NotFound ? MmsHResult.FileNotFound : MmsHResult.FileFailedToOpen;
            await SendAsync(ReportOpenFileMessage.Failed(hr, incarnation), ct).ConfigureAwait(false);
            return true;
        }
        lock (_selectionLock)
        {
            _selection = new AsfStreamSelection(_media.Header);
            _selectionGiven = false;
        }
        // Live: exactly 0x02000000, which vlc and libmms recognise (docs/protocol/mmst.md#s1.5.6); on demand: seekable and stridable.
        var attributes = _media.IsLive ? MmstFileAttributes.Broadcast : MmstFileAttributes.OnDemand;
        await SendAsync(ReportOpenFileMessage.Create(incarnation, attributes, _media.DurationSeconds, (uint)_media.PacketSize,
            (ulong)_media.PacketCount, _media.Bitrate, (uint)_media.HeaderBytes.Length), ct).ConfigureAwait(false);
        LogOpened(_logger, _peer, name, _media.IsLive);
        return true;
    }

    /// <summary>0x11 first, then the header as data packets: 0x04 on every piece but the last, 0x0C on the last (docs/protocol/mmst.md#s1.3).</summary>
    private async Task SendHeaderAsync(uint incarnation, CancellationToken ct)
    {
        await SendAsync(new ReportReadBlockMessage(MmsHResult.Ok, incarnation, 0), ct).ConfigureAwait(false);
        if (_media is null) return;
        var header = _media.HeaderBytes;
        const int maxPiece = ushort.MaxValue - MmsDataPacketHeader.Size;
        for (int offset = 0, piece = 0; offset < header.Length; offset += maxPiece, piece++)
        {
            var length = Math.Min(maxPiece, header.Length - offset);
            var last = offset + length == header.Length;
            var flags = last ? MmsDataPacketFlags.HeaderPieceFinal : MmsDataPacketFlags.HeaderPieceMore;
            var payload = header.AsMemory(offset, length);
            if (_udpTarget is not null) await _udp!.SendHeaderPieceAsync(_udpTarget, (uint)piece, (byte)incarnation, flags, payload, ct).ConfigureAwait(false);
            else await SendDataAsync((uint)piece, (byte)incarnation, flags, payload, ct).ConfigureAwait(false);
        }
    }

    private void SelectStreams(StreamSwitchMessage message)
    {
        lock (_selectionLock)
        {
            if (_selection is null) return;
            // The first 0x33 is a complete selection; later ones may change single streams (docs/protocol/selection.md#s5.1).
            _selection.Select(message.Entries.Select(e => ((int)e.Source, (int)e.Destination, (ThinningLevel)Math.Min((int)e.ThinningLevel, 2))),
                unlistedOff: !_selectionGiven);
            _selectionGiven = true;
        }
    }

    private async Task StartPlayAsync(StartPlayingMessage message, CancellationToken ct)
    {
        // libmms seeks with a new 0x07 and no 0x09: always abort the running play first (docs/protocol/mmst.md#s1.6.2).
        await StopPlayAsync().ConfigureAwait(false);
        if (_media is null || _selection is null)
        {
            await SendAsync(new ReportStartedPlayingMessage(MmsHResult.BadParameter, message.PlayIncarnation, OpenFileId, 0), ct).ConfigureAwait(false);
            return;
        }
        var point = message.StartPoint;
        var start = point.Kind switch
        {
            MmstStartPointKind.LocationId => MediaStart.AtPacket(point.LocationId),
            MmstStartPointKind.AsfOffset => MediaStart.AtPacket(Math.Max(0, (point.AsfOffset - _media.HeaderBytes.Length) / _media.PacketSize)),
            MmstStartPointKind.Position => MediaStart.AtTime(TimeSpan.FromSeconds(point.Position)),
            _ => MediaStart.Beginning,
        };
        _playIncarnation = (byte)message.PlayIncarnation;
        _dataSequence = 0;
        _udp?.StartPlay(_sessionId);
        await SendAsync(new ReportStartedPlayingMessage(MmsHResult.Ok, message.PlayIncarnation, OpenFileId, 0), ct).ConfigureAwait(false);

        lock (_selectionLock) _selection.Resynchronize();
        var feed = _media.OpenFeed(start, DeliveredStreams());
        _playCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var playToken = _playCts.Token;
        var incarnation = message.PlayIncarnation;
        _play = Task.Run(async () =>
        {
            using (feed)
            {
                try
                {
                    var pace = _udpTarget is null ? (TimeSpan?)null : _context.Options.UdpBurst;
                    var outcome = await new PacketPump(_context).RunAsync(feed, _selection, _selectionLock, this, playToken, pace).ConfigureAwait(false);
                    if (outcome == PumpOutcome.Disconnect)
                    {
                        _socket.Close();
                        return;
                    }
                    // Over UDP the end-of-stream message must not overtake the last datagrams and their resends.
                    if (_udpTarget is not null) await Task.Delay(UdpDrainTime, _context.Time, playToken).ConfigureAwait(false);
                    await SendAsync(new ReportEndOfStreamMessage(MmsHResult.Ok, incarnation), playToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
                {
                }
            }
        }, CancellationToken.None);
    }

    private Asf.AsfStreamSet DeliveredStreams()
    {
        lock (_selectionLock) return _selection!.Delivered;
    }

    private async Task StopPlayAsync()
    {
        if (_playCts is null) return;
        await _playCts.CancelAsync().ConfigureAwait(false);
        await _play.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _playCts.Dispose();
        _playCts = null;
    }

    private bool CredentialsMatch(string given)
    {
        var expected = _context.Options.BasicCredentials!;
        var base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(expected));
        return given == base64 || given == expected || given == "Basic " + base64;
    }

    // IPacketSink: media packets carry the StartPlaying incarnation and an 8-bit sequence in AFFlags (docs/protocol/mmst.md#s1.3).
    ValueTask IPacketSink.SendPacketAsync(ReadOnlyMemory<byte> packet, uint locationId, CancellationToken ct)
    {
        if (_udpTarget is not null) return _udp!.SendMediaAsync(_sessionId, _udpTarget, locationId, _playIncarnation, packet, ct);
        return SendDataAsync(locationId, _playIncarnation, _dataSequence++, packet, ct);
    }

    async ValueTask IPacketSink.SendRawAsync(ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            _writes.Begin();
            await _stream.WriteAsync(bytes, ct).ConfigureAwait(false);
            _writes.End();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async ValueTask SendDataAsync(uint locationId, byte incarnation, byte flags, ReadOnlyMemory<byte> payload, CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var total = MmsDataPacketHeader.Size + payload.Length;
            if (_dataBuffer.Length < total) _dataBuffer = new byte[total];
            MmsDataPacketHeader.ForPayload(locationId, incarnation, flags, payload.Length).Write(_dataBuffer);
            payload.Span.CopyTo(_dataBuffer.AsSpan(MmsDataPacketHeader.Size));
            _writes.Begin();
            await _stream.WriteAsync(_dataBuffer.AsMemory(0, total), ct).ConfigureAwait(false);
            _writes.End();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async ValueTask SendAsync<TMessage>(TMessage message, CancellationToken ct)
        where TMessage : struct, IMmstMessage<TMessage>
    {
        await _writeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            _out.ResetWrittenCount();
            MmstMessageWriter.Write(_out, message, _seq++);
            _writes.Begin();
            await _stream.WriteAsync(_out.WrittenMemory, ct).ConfigureAwait(false);
            _writes.End();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "MMST {Peer}: {What}")]
    private static partial void LogSession(ILogger logger, string peer, string what);

    [LoggerMessage(Level = LogLevel.Information, Message = "MMST {Peer}: client {Subscriber}")]
    private static partial void LogClient(ILogger logger, string peer, string subscriber);

    [LoggerMessage(Level = LogLevel.Information, Message = "MMST {Peer}: opened {Name} (live: {Live})")]
    private static partial void LogOpened(ILogger logger, string peer, string name, bool live);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MMST {Peer}: {Problem}")]
    private static partial void LogProtocolError(ILogger logger, string peer, string problem);
}
