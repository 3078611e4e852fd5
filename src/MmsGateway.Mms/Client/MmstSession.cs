using System.Buffers;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using MmsGateway.Asf;
using MmsGateway.Mms.Mmst;
using MmsGateway.Mms.Sessions;
using Microsoft.Extensions.Logging;

namespace MmsGateway.Mms.Client;

/// <summary>
/// An MMS-over-TCP client session (protocol.md §1, the canonical sequence of §1.6.1, MS-MMSP 4.3): Connect →
/// ConnectFunnel → OpenFile → ReadBlock + header pieces → StreamSwitch → StartPlaying → data packets, with Pings
/// answered, stale incarnations dropped (§1.6.5), seeks by StopPlaying / StartPlaying (§1.6.2) and playlist entry
/// changes (§1.5.11). Control messages and data share the one TCP connection, cut apart by
/// <see cref="MmstFraming.TryReadPdu"/>.
/// <para>
/// With an <see cref="MmsuDataChannel"/> the same session is MMSU (protocol.md §1.8): the funnel names a local UDP
/// port, FunnelInfo gives the client id for resend requests, header pieces and media arrive as datagrams, and a
/// background loop reads the control connection (pings, acknowledgements, end of stream) while the reader takes
/// packets from the channel's reorder window.
/// </para>
/// </summary>
internal sealed partial class MmstSession : IMmsSession
{
    /// <summary>ReadBlock incarnation: every open client uses 2 (§1.5.7); header pieces echo it.</summary>
    private const uint HeaderIncarnation = 2;

    /// <summary>First StartPlaying incarnation: 4 as every open client (§1.5.9); later plays count up (§1.6.5).</summary>
    private const uint FirstPlayIncarnation = 4;

    private const uint OpenFileIncarnation = 1;

    /// <summary>ReadBlock tries over UDP before giving up (MS-MMSP 3.1.6.1: the Header timer, at most 4 retries).</summary>
    private const int MmsuHeaderTries = 4;

    /// <summary>
    /// MMSU: the control connection is quiet while data flows over UDP except for the server's pings; a server drops a
    /// silent client after its idle timeout, 3600 s recommended (§1.5.10), so that bounds the wait here too.
    /// </summary>
    private static readonly TimeSpan ControlIdleTimeout = TimeSpan.FromSeconds(3600);

    private readonly MmsClientOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly MmsConnection _connection;
    private readonly string _host;
    private readonly Uri _requestUrl;
    private readonly Guid _clientGuid;
    private readonly SingleReaderGate _gate = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly ArrayBufferWriter<byte> _sendBuffer = new(512);
    private readonly MmsHeaderAssembler _assembler;
    private readonly SessionHeader _current;

    private int _sendSeq;
    private int _commandsReceived;
    private uint _openFileId = 1;
    private uint _playIncarnation = FirstPlayIncarnation;
    private MmstFileAttributes _attributes;
    private uint _headerSizeHint;
    private AsfStreamSet _selected;
    private ReadState _state = ReadState.Playing;
    private UInt128 _earlierPlayIncarnations0;
    private UInt128 _earlierPlayIncarnations1;
    private long _stalePackets;

    /// <summary>
    /// When the current run of dropped data packets (wrong play incarnation) began, 0 when the last PDU was usable.
    /// Bytes keep the receive deadline alive, so a server sending nothing but unusable packets (garbage whose
    /// incarnation byte happens to differ) would otherwise look alive forever while no packet reaches the caller.
    /// </summary>
    private long _unusableSince;

    // MMSU only.
    private readonly MmsuDataChannel? _udp;
    private uint _fileBitrate;
    private Task _controlLoop = Task.CompletedTask;
    private volatile MmsClientException? _controlError;
    private volatile bool _udpEnded;
    private long _udpEndedAt;
    private volatile TaskCompletionSource? _stopAck;
    private volatile TaskCompletionSource? _startAck;

    private enum ReadState
    {
        Playing,

        /// <summary>ReportEndOfStream hr 1 seen: a ReportStreamChange follows (§1.5.11).</summary>
        AwaitingStreamChange,

        /// <summary>ReportStreamChange seen: header pieces of the next entry follow (byte 4 = 0xFF).</summary>
        CollectingHeader,

        Ended,
    }

    private enum ReadAction
    {
        NeedMore,
        Continue,
        Packet,
        EndOfStream,
        HeaderChanged,
        SendPong,
    }

    private MmstSession(Uri url, string host, MmsConnection connection, MmsClientOptions options, Guid clientGuid,
        ILogger logger, MmsuDataChannel? udp)
    {
        _udp = udp;
        _requestUrl = url;
        Url = MmsUrl.Redact(url);
        _host = host;
        _connection = connection;
        _options = options;
        _time = options.TimeProvider;
        _clientGuid = clientGuid;
        _logger = logger;
        _assembler = new MmsHeaderAssembler(options.MaxHeaderSize, Url);
        _current = new SessionHeader(Url);
    }

    public MmsProtocol Protocol => _udp is null ? MmsProtocol.Mmst : MmsProtocol.Mmsu;

    /// <summary>MMSU: the data channel's counters (resend requests, recovered and lost packets); null over TCP.</summary>
    internal MmsuDataChannel? DataChannel => _udp;

    public Uri Url { get; }

    public AsfHeader Header => _current.Header;

    public ReadOnlyMemory<byte> HeaderBytes => _current.Bytes;

    /// <summary>ReportOpenFile says broadcast (vlc's test: the 0x02 byte, §1.5.6), or the header's broadcast flag does.</summary>
    public bool IsBroadcast =>
        (_attributes & (MmstFileAttributes.Broadcast | MmstFileAttributes.Live)) != 0
        || (_attributes == MmstFileAttributes.None && _current.Header.IsBroadcast);

    public AsfStreamSet SelectedStreams => _selected;

    /// <summary>Data packets dropped because they carried an earlier play incarnation.</summary>
    public long StalePackets => Interlocked.Read(ref _stalePackets);

    private string Endpoint => _connection.Endpoint;

    /// <summary>Connects and plays from the start. Throws <see cref="MmsClientException"/> or <see cref="MmsRedirectException"/>.</summary>
    /// <param name="udp">MMSU: data over UDP (protocol.md §1.8) instead of the control connection.</param>
    public static async Task<MmstSession> ConnectAsync(Uri url, string host, int port, MmsClientOptions options,
        Guid clientGuid, ILogger logger, CancellationToken cancellationToken, bool udp = false)
    {
        MmsConnection connection = await MmsConnection.ConnectAsync(url, host, port, options.ConnectTimeout,
            options.TimeProvider, cancellationToken).ConfigureAwait(false);
        MmsuDataChannel? channel = null;
        try
        {
            if (udp)
            {
                channel = MmsuDataChannel.Open(url, (IPEndPoint)connection.LocalEndPoint!,
                    ((IPEndPoint)connection.RemoteEndPoint!).Address, options, logger);
            }

            var session = new MmstSession(url, host, connection, options, clientGuid, logger, channel);
            await session.HandshakeAsync(MmsUrl.MmstFileName(url), MmsUrl.BasicCredentials(url), cancellationToken)
                .ConfigureAwait(false);
            if (channel is not null) session._controlLoop = Task.Run(session.ControlLoopAsync, CancellationToken.None);
            else connection.BatchStreamingReceives(options.ReceiveBatchWindow); // the packets come on this connection
            return session;
        }
        catch
        {
            if (channel is not null) await channel.DisposeAsync().ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public ValueTask<MmsReadResult> ReadAsync(CancellationToken cancellationToken) =>
        _udp is null ? ReadTcpAsync(cancellationToken) : ReadUdpAsync(_udp, cancellationToken);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // no allocation per packet
    private async ValueTask<MmsReadResult> ReadTcpAsync(CancellationToken cancellationToken)
    {
        await _gate.EnterAsync(this, cancellationToken).ConfigureAwait(false);
        try
        {
            _gate.ThrowIfClosed(this);
            while (true)
            {
                if (_state == ReadState.Ended) return MmsReadResult.EndOfStream;
                switch (ProcessOne(out MmsReadResult result))
                {
                    case ReadAction.Packet:
                    case ReadAction.EndOfStream:
                        return result;
                    case ReadAction.HeaderChanged:
                        // The new entry's streams: tell the server what to send, as libmms does (§1.5.11). Its
                        // ReportStreamSwitch comes back through this loop.
                        await SendSelectionAsync(MmsSelection.Initial(_current.Header, _options), MmsClientStep.Read,
                            cancellationToken).ConfigureAwait(false);
                        return MmsReadResult.HeaderChanged;
                    case ReadAction.SendPong:
                        await SendAsync(new PongMessage(0, 0), MmsClientStep.Read, _options.ReadTimeout,
                            cancellationToken).ConfigureAwait(false);
                        break;
                    case ReadAction.NeedMore:
                        if (!await _connection.ReceiveAsync(MmsClientStep.Read, _options.ReadTimeout, cancellationToken)
                                .ConfigureAwait(false))
                        {
                            throw MmsErrors.Closed(Url, MmsClientStep.Read, Endpoint);
                        }

                        break;
                }
            }
        }
        finally
        {
            _gate.Exit();
        }
    }

    /// <summary>
    /// Sends a StreamSwitch (0x33) listing every stream (§5.4). The ReportStreamSwitch (0x21) is consumed by
    /// <see cref="ReadAsync"/>; selection changes apply to packets the server sends after it (§5.2 item 3).
    /// </summary>
    public async ValueTask SelectStreamsAsync(IReadOnlyList<StreamSelection> selection,
        CancellationToken cancellationToken)
    {
        _gate.ThrowIfClosed(this);
        await SendSelectionAsync(selection, MmsClientStep.StreamSelection, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>StopPlaying → ReportEndOfStream → StartPlaying at the new time with a new incarnation (§1.6.2).</summary>
    public async ValueTask SeekAsync(TimeSpan position, CancellationToken cancellationToken)
    {
        _gate.ThrowIfClosed(this);
        ArgumentOutOfRangeException.ThrowIfLessThan(position, TimeSpan.Zero);
        if (IsBroadcast)
        {
            throw new MmsClientException(MmsClientErrorKind.NotSupported, MmsClientStep.Seek, Url,
                "live content cannot be seeked");
        }

        if (_udp is not null)
        {
            await SeekUdpAsync(_udp, position, cancellationToken).ConfigureAwait(false);
            return;
        }

        await _gate.EnterAsync(this, cancellationToken).ConfigureAwait(false);
        try
        {
            _gate.ThrowIfClosed(this);
            long deadline = MmsErrors.Deadline(_time, _options.HandshakeTimeout);
            await SendAsync(new StopPlayingMessage(_openFileId, _playIncarnation), MmsClientStep.Seek,
                _options.HandshakeTimeout, cancellationToken).ConfigureAwait(false);
            while (true)
            {
                MmstPdu pdu = await NextAsync(MmsClientStep.Seek, deadline, allowData: true, cancellationToken)
                    .ConfigureAwait(false);
                if (!pdu.IsCommand)
                {
                    Interlocked.Increment(ref _stalePackets);
                    continue;
                }

                if (HandleAcknowledgement(pdu)) continue;
                if (pdu.MessageId == MmstMessageId.ReportEndOfStream && !IsStale(pdu.ReadMessage<ReportEndOfStreamMessage>()))
                {
                    break; // the answer to StopPlaying (or the natural end that crossed it; its answer is stale later)
                }
            }

            _state = ReadState.Playing;
            uint incarnation = NextPlayIncarnation();
            LogSeek(_logger, Url, position.TotalSeconds, incarnation);
            await StartPlayingAsync(StartPlayingMessage.FromTime(position.TotalSeconds, _openFileId, _playIncarnation),
                MmsClientStep.Seek, deadline, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Exit();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_gate.TryClose()) return;
        _connection.Abort();
        _udp?.Signal.Set();
        await _controlLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        bool locked = await _gate.WaitForReaderAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        try
        {
            // CloseFile (0x0D) before closing, as ffmpeg and vlc do (§1.5.10); best effort.
            await SendAsync(new CloseFileMessage(1, _openFileId), MmsClientStep.Read, TimeSpan.FromSeconds(1),
                CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is MmsClientException or ObjectDisposedException)
        {
            LogCloseFailed(_logger, Url, e.Message);
        }
        finally
        {
            if (locked) _gate.Exit();
            await _connection.DisposeAsync().ConfigureAwait(false);
            if (_udp is not null) await _udp.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task HandshakeAsync(string fileName, string? basicCredentials, CancellationToken cancellationToken)
    {
        long deadline = MmsErrors.Deadline(_time, _options.HandshakeTimeout);

        // 1. Connect → ReportConnectedEX (§1.5.1, §1.5.2). The subscriber name carries a stable client GUID.
        string subscriber = string.Create(CultureInfo.InvariantCulture,
            $"NSPlayer/{_options.PlayerVersion}; {{{_clientGuid:D}}}; Host: {Url.DnsSafeHost}");
        await SendAsync(ConnectMessage.Create(subscriber), MmsClientStep.Handshake, Remaining(deadline),
            cancellationToken).ConfigureAwait(false);
        MmstPdu pdu = await ExpectAsync(MmsClientStep.Handshake, deadline, MmstMessageId.ReportConnectedEx,
            cancellationToken).ConfigureAwait(false);
        var connected = pdu.ReadMessage<ReportConnectedExMessage>();
        CheckHResult(connected.HResult, MmsClientStep.Handshake, "ReportConnectedEX");
        LogConnected(_logger, Url, connected.ServerVersionInfo, connected.AuthenPackage);

        // 2. FunnelInfo → ReportFunnelInfo: optional over TCP (ffmpeg sends it), needed for MMSU, whose resend
        //    requests carry its nCubs as the client id (§1.5.3, §1.8 item 7).
        if (_options.SendFunnelInfo || _udp is not null)
        {
            await SendAsync(new FunnelInfoMessage(FunnelInfoMessage.NoPacketPair), MmsClientStep.Handshake,
                Remaining(deadline), cancellationToken).ConfigureAwait(false);
            pdu = await ExpectAsync(MmsClientStep.Handshake, deadline, MmstMessageId.ReportFunnelInfo,
                cancellationToken).ConfigureAwait(false);
            var funnelInfo = pdu.ReadMessage<ReportFunnelInfoMessage>();
            CheckHResult(funnelInfo.HResult, MmsClientStep.Handshake, "ReportFunnelInfo");
            if (_udp is not null) _udp.ClientId = funnelInfo.Cubs;
        }

        // 3. ConnectFunnel \\<local ip>\TCP\<local port> (MMSU: \\<local ip>\UDP\<udp port>) →
        //    ReportConnectedFunnel, or 0x03 on refusal (§1.5.4, §1.8 item 3).
        var local = _connection.LocalEndPoint as IPEndPoint;
        string localAddress = local?.Address.IsIPv4MappedToIPv6 == true
            ? local.Address.MapToIPv4().ToString()
            : local?.Address.ToString() ?? "0.0.0.0";
        var funnel = _udp is null
            ? new MmstFunnelName(MmstFunnelTransport.Tcp, localAddress, local?.Port ?? 0)
            : new MmstFunnelName(MmstFunnelTransport.Udp, localAddress, _options.MmsuAdvertisedPort ?? _udp.LocalEndPoint.Port);
        await SendAsync(ConnectFunnelMessage.Create(funnel), MmsClientStep.Funnel, Remaining(deadline),
            cancellationToken).ConfigureAwait(false);
        pdu = await ExpectAsync(MmsClientStep.Funnel, deadline, MmstMessageId.ReportConnectedFunnel,
            cancellationToken, MmstMessageId.ReportDisconnectedFunnel).ConfigureAwait(false);
        if (pdu.MessageId == MmstMessageId.ReportDisconnectedFunnel)
        {
            uint hr = pdu.ReadMessage<ReportDisconnectedFunnelMessage>().HResult;
            throw new MmsClientException(MmsClientErrorKind.ServerError, MmsClientStep.Funnel, Url,
                $"the server refused the {(_udp is null ? "TCP" : "UDP")} funnel (ReportDisconnectedFunnel, HRESULT 0x{hr:X8})")
            {
                ServerHResult = hr,
                MmsuFallback = _udp is not null,
            };
        }

        CheckHResult(pdu.ReadMessage<ReportConnectedFunnelMessage>().HResult, MmsClientStep.Funnel,
            "ReportConnectedFunnel");

        // 4. OpenFile → ReportOpenFile | SecurityChallenge | ReportRedirect (§1.5.5, §1.5.6, §1.5.11).
        ReportOpenFileMessage opened = await OpenFileAsync(fileName, basicCredentials, deadline, cancellationToken)
            .ConfigureAwait(false);
        _attributes = opened.Attributes;
        _headerSizeHint = opened.HeaderSize;
        if (opened.OpenFileId != 0) _openFileId = opened.OpenFileId;
        _fileBitrate = opened.BitRate;
        if (_udp is not null) _udp.SourceId = (ushort)_openFileId;
        LogOpened(_logger, Url, fileName, (uint)opened.Attributes, opened.PacketSize, opened.HeaderSize);

        // 5. ReadBlock → ReportReadBlock + header pieces (§1.5.7; MMSU: the pieces come as datagrams, §1.8 item 5).
        if (_udp is null) await ReadHeaderAsync(deadline, cancellationToken).ConfigureAwait(false);
        else await ReadHeaderUdpAsync(_udp, deadline, cancellationToken).ConfigureAwait(false);

        // 6. StreamSwitch → ReportStreamSwitch (§1.5.8): every stream listed.
        IReadOnlyList<StreamSelection> selection = MmsSelection.Initial(_current.Header, _options);
        await SendSelectionAsync(selection, MmsClientStep.StreamSelection, cancellationToken).ConfigureAwait(false);
        pdu = await ExpectAsync(MmsClientStep.StreamSelection, deadline, MmstMessageId.ReportStreamSwitch,
            cancellationToken).ConfigureAwait(false);
        CheckHResult(pdu.ReadMessage<ReportStreamSwitchMessage>().HResult, MmsClientStep.StreamSelection,
            "ReportStreamSwitch");

        // 7. StartPlaying → ReportStartedPlaying (§1.5.9), from the start or from StartPosition (on-demand only).
        StartPlayingMessage start = _options.StartPosition is { } position && position > TimeSpan.Zero && !IsBroadcast
            ? StartPlayingMessage.FromTime(position.TotalSeconds, _openFileId, _playIncarnation)
            : StartPlayingMessage.FromBeginning(_openFileId, _playIncarnation);
        await StartPlayingAsync(start, MmsClientStep.Play, deadline, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ReportOpenFileMessage> OpenFileAsync(string fileName, string? basicCredentials, long deadline,
        CancellationToken cancellationToken)
    {
        await SendAsync(OpenFileMessage.Create(fileName, OpenFileIncarnation), MmsClientStep.OpenFile,
            Remaining(deadline), cancellationToken).ConfigureAwait(false);
        bool answered = false;
        while (true)
        {
            MmsClientStep step = answered ? MmsClientStep.Authentication : MmsClientStep.OpenFile;
            MmstPdu pdu = await ExpectAsync(step, deadline, MmstMessageId.ReportOpenFile, cancellationToken,
                MmstMessageId.SecurityChallenge, MmstMessageId.ReportRedirect).ConfigureAwait(false);
            switch (pdu.MessageId)
            {
                case MmstMessageId.ReportOpenFile:
                    var opened = pdu.ReadMessage<ReportOpenFileMessage>();
                    CheckHResult(opened.HResult, step, "ReportOpenFile");
                    return opened;

                case MmstMessageId.SecurityChallenge:
                    var challenge = pdu.ReadMessage<SecurityChallengeMessage>();
                    if (basicCredentials is null)
                    {
                        throw new MmsClientException(MmsClientErrorKind.AuthenticationRequired, MmsClientStep.OpenFile,
                            Url, $"the server asks for credentials ({challenge.TokenText}); put user:password in the URL");
                    }

                    if (answered)
                    {
                        throw new MmsClientException(MmsClientErrorKind.AuthenticationRequired,
                            MmsClientStep.Authentication, Url, "the server refused the credentials of the URL");
                    }

                    answered = true;
                    await SendAsync(SecurityResponseMessage.ForBasic(challenge.PlayIncarnation, challenge.Cookie,
                        basicCredentials), MmsClientStep.Authentication, Remaining(deadline), cancellationToken)
                        .ConfigureAwait(false);
                    break;

                default:
                    var redirect = pdu.ReadMessage<ReportRedirectMessage>();
                    if (MmsUrl.Resolve(_requestUrl, redirect.Location) is not Uri location)
                    {
                        throw MmsErrors.Malformed(Url, MmsClientStep.Redirect,
                            $"ReportRedirect names \"{redirect.Location}\", not an absolute URL");
                    }

                    throw new MmsRedirectException(location, MmsClientStep.OpenFile);
            }
        }
    }

    private async Task ReadHeaderAsync(long deadline, CancellationToken cancellationToken)
    {
        await SendAsync(ReadBlockMessage.Create(_openFileId, HeaderIncarnation), MmsClientStep.Header,
            Remaining(deadline), cancellationToken).ConfigureAwait(false);
        _assembler.Reset();
        while (true)
        {
            MmstPdu pdu = await NextAsync(MmsClientStep.Header, deadline, allowData: true, cancellationToken)
                .ConfigureAwait(false);
            if (pdu.IsCommand)
            {
                switch (pdu.MessageId)
                {
                    case MmstMessageId.ReportReadBlock:
                        CheckHResult(pdu.ReadMessage<ReportReadBlockMessage>().HResult, MmsClientStep.Header,
                            "ReportReadBlock");
                        continue;
                    case MmstMessageId.ReportEndOfStream:
                        CheckHResult(pdu.ReadMessage<ReportEndOfStreamMessage>().HResult, MmsClientStep.Header,
                            "ReportEndOfStream");
                        throw MmsErrors.Malformed(Url, MmsClientStep.Header, "ReportEndOfStream instead of the header");
                    default:
                        throw Unexpected(MmsClientStep.Header, pdu.MessageId, "header pieces");
                }
            }

            // vlc takes header pieces whatever their incarnation and stops at fileHeaderSize; ffmpeg/libmms stop at
            // AFFlags 0x08/0x0C (§1.3). Both rules end the header here.
            MmsDataPacketHeader piece = pdu.DataHeader;
            _assembler.Append(pdu.Payload, MmsClientStep.Header);
            if (MmsDataPacketFlags.IsFinalHeaderPiece(piece.AfFlags)
                || (_headerSizeHint > 0 && _assembler.Length >= _headerSizeHint))
            {
                break;
            }
        }

        InstallHeader(MmsClientStep.Header);
    }

    private async Task StartPlayingAsync(StartPlayingMessage start, MmsClientStep step, long deadline,
        CancellationToken cancellationToken)
    {
        _udp?.BeginPlay((byte)start.PlayIncarnation, _current.Header.PacketSize); // before the first datagram can come
        await SendAsync(start, step, Remaining(deadline), cancellationToken).ConfigureAwait(false);
        while (true)
        {
            MmstPdu pdu = await NextAsync(step, deadline, allowData: true, cancellationToken).ConfigureAwait(false);
            if (!pdu.IsCommand)
            {
                if (pdu.DataHeader.PlayIncarnation == (byte)_playIncarnation)
                {
                    // Data before ReportStartedPlaying (libmms tolerates it): keep it for ReadAsync.
                    _connection.Unconsume((int)pdu.Packet.Length);
                    return;
                }

                Interlocked.Increment(ref _stalePackets);
                continue;
            }

            switch (pdu.MessageId)
            {
                case var _ when pdu.MessageId != MmstMessageId.ReportStartedPlaying && HandleAcknowledgement(pdu):
                    continue;
                case MmstMessageId.ReportStartedPlaying:
                    CheckHResult(pdu.ReadMessage<ReportStartedPlayingMessage>().HResult, step, "ReportStartedPlaying");
                    return;
                case MmstMessageId.ReportEndOfStream:
                    var end = pdu.ReadMessage<ReportEndOfStreamMessage>();
                    if (IsStale(end)) continue;
                    CheckHResult(end.HResult, step, "ReportEndOfStream");
                    _state = ReadState.Ended; // nothing to play from there (e.g. a seek past the end)
                    return;
                default:
                    throw Unexpected(step, pdu.MessageId, "ReportStartedPlaying");
            }
        }
    }

    /// <summary>The next command (or data packet), Pings answered and unknown commands skipped.</summary>
    private async ValueTask<MmstPdu> NextAsync(MmsClientStep step, long deadline, bool allowData,
        CancellationToken cancellationToken)
    {
        while (true)
        {
            if (TryNext(step, allowData, out MmstPdu pdu))
            {
                if (!pdu.IsCommand) return pdu;
                switch (pdu.MessageId)
                {
                    case MmstMessageId.Ping:
                        await SendAsync(new PongMessage(0, 0), step, Remaining(deadline), cancellationToken)
                            .ConfigureAwait(false);
                        continue;
                    case MmstMessageId.ReportReadBlock when _udp is not null:
                        // MMSU: the answers to the ReadBlock tries of the header phase (§1.8 item 5).
                        CheckHResult(pdu.ReadMessage<ReportReadBlockMessage>().HResult, MmsClientStep.Header,
                            "ReportReadBlock");
                        continue;
                    case var id when MmstDirection.Of(id) != MmstDirection.ToClient || !IsKnown(id):
                        LogIgnored(_logger, Url, (uint)id);
                        continue;
                    default:
                        return pdu;
                }
            }

            if (!await _connection.ReceiveAsync(step, Remaining(deadline), cancellationToken).ConfigureAwait(false))
            {
                throw MmsErrors.Closed(Url, step, Endpoint);
            }
        }
    }

    /// <summary>The next command, which must be <paramref name="expected"/> or one of <paramref name="alternatives"/>.</summary>
    private async ValueTask<MmstPdu> ExpectAsync(MmsClientStep step, long deadline, MmstMessageId expected,
        CancellationToken cancellationToken, params MmstMessageId[] alternatives)
    {
        MmstPdu pdu = await NextAsync(step, deadline, allowData: false, cancellationToken).ConfigureAwait(false);
        if (pdu.MessageId != expected && Array.IndexOf(alternatives, pdu.MessageId) < 0)
        {
            throw Unexpected(step, pdu.MessageId, expected.ToString());
        }

        return pdu;
    }

    /// <summary>Cuts one PDU off the receive buffer. Bytes that are not MMST are "not an MMS server" at first.</summary>
    private bool TryNext(MmsClientStep step, bool allowData, out MmstPdu pdu)
    {
        var reader = new SequenceReader<byte>(_connection.Buffered);
        try
        {
            bool complete = allowData
                ? MmstFraming.TryReadPdu(ref reader, out pdu)
                : MmstFraming.TryReadCommand(ref reader, out pdu);
            if (!complete) return false;
        }
        catch (MmsProtocolException e)
        {
            if (_commandsReceived == 0)
            {
                bool http = _connection.BufferedLength >= 5 && _connection.Buffered.FirstSpan[..5].SequenceEqual("HTTP/"u8);
                throw new MmsClientException(MmsClientErrorKind.NotMmsServer, step, Url, http
                    ? $"{Endpoint} answered in HTTP, not MMST"
                    : $"{Endpoint} does not answer in MMST ({e.Message})", e);
            }

            throw MmsErrors.Malformed(Url, step, e.Message, e);
        }

        _connection.Consume(reader.Consumed);
        if (pdu.IsCommand) _commandsReceived++;
        return true;
    }

    /// <summary>One step of the read loop: cut a PDU and decide what it means (§1.6.1 rows 7–8, §1.5.10, §1.5.11).</summary>
    private ReadAction ProcessOne(out MmsReadResult result)
    {
        result = default;
        if (!TryNext(MmsClientStep.Read, allowData: true, out MmstPdu pdu)) return ReadAction.NeedMore;

        if (!pdu.IsCommand)
        {
            MmsDataPacketHeader data = pdu.DataHeader;
            if (data.PlayIncarnation == (byte)_playIncarnation && _state == ReadState.Playing)
            {
                _unusableSince = 0;
                result = MmsReadResult.ForPacket(_current.Repad(pdu.Payload.First, MmsClientStep.Read, "data packet"), data.LocationId); // one segment
                return ReadAction.Packet;
            }

            if (_state == ReadState.CollectingHeader)
            {
                _assembler.Append(pdu.Payload, MmsClientStep.Read);
                if (MmsDataPacketFlags.IsFinalHeaderPiece(data.AfFlags)
                    || (_headerSizeHint > 0 && _assembler.Length >= _headerSizeHint))
                {
                    InstallHeader(MmsClientStep.Read);
                    _state = ReadState.Playing;
                    LogHeaderChanged(_logger, Url, _current.Bytes.Length, _current.Header.Streams.Count);
                    return ReadAction.HeaderChanged;
                }

                return ReadAction.Continue;
            }

            // An earlier play incarnation (before a seek) or packet-pair filler (§1.6.5): drop it.
            Interlocked.Increment(ref _stalePackets);
            CheckUnusableRun();
            return ReadAction.Continue;
        }

        _unusableSince = 0;

        if (HandleAcknowledgement(pdu)) return ReadAction.Continue;
        switch (pdu.MessageId)
        {
            case MmstMessageId.Ping:
                return ReadAction.SendPong;

            case MmstMessageId.ReportEndOfStream:
                var end = pdu.ReadMessage<ReportEndOfStreamMessage>();
                if (IsStale(end)) return ReadAction.Continue;
                if (end.HResult == MmsHResult.Ok)
                {
                    _state = ReadState.Ended;
                    LogEndOfStream(_logger, Url, StalePackets);
                    result = MmsReadResult.EndOfStream;
                    return ReadAction.EndOfStream;
                }

                if (end.HResult == MmsHResult.EntryFinished)
                {
                    _state = ReadState.AwaitingStreamChange;
                    return ReadAction.Continue;
                }

                throw MmsErrors.FromHResult(Url, MmsClientStep.Read, "ReportEndOfStream", end.HResult);

            case MmstMessageId.ReportStreamChange:
                var change = pdu.ReadMessage<ReportStreamChangeMessage>();
                CheckHResult(change.HResult, MmsClientStep.Read, "ReportStreamChange");
                _state = ReadState.CollectingHeader;
                _headerSizeHint = change.HeaderSize;
                _assembler.Reset();
                return ReadAction.Continue;

            case MmstMessageId.ReportRedirect:
                throw new MmsClientException(MmsClientErrorKind.NotSupported, MmsClientStep.Read, Url,
                    "the server redirected the session while it was playing");

            default:
                LogIgnored(_logger, Url, (uint)pdu.MessageId);
                return ReadAction.Continue;
        }
    }

    /// <summary>
    /// Ends the session when nothing but dropped data packets has arrived for a whole read deadline: what follows a
    /// seek is dropped for a moment only, a stream of them is a broken server (random bytes framed as data).
    /// </summary>
    private void CheckUnusableRun()
    {
        long now = _time.GetTimestamp();
        if (_unusableSince == 0)
        {
            _unusableSince = now;
            return;
        }

        if (_time.GetElapsedTime(_unusableSince, now) < _options.ReadTimeout) return;
        throw new MmsClientException(MmsClientErrorKind.TimedOut, MmsClientStep.Read, Url, string.Create(CultureInfo.InvariantCulture,
            $"no usable data from {Endpoint} for {_options.ReadTimeout.TotalSeconds:0.#} s: only data packets of another play incarnation ({StalePackets} dropped)"));
    }

    /// <summary>ReportStreamSwitch and ReportStartedPlaying arriving during playback: check hr, nothing else.</summary>
    private bool HandleAcknowledgement(MmstPdu pdu)
    {
        switch (pdu.MessageId)
        {
            case MmstMessageId.ReportStreamSwitch:
                CheckHResult(pdu.ReadMessage<ReportStreamSwitchMessage>().HResult, MmsClientStep.StreamSelection,
                    "ReportStreamSwitch");
                return true;
            case MmstMessageId.ReportStartedPlaying when _state != ReadState.Ended:
                CheckHResult(pdu.ReadMessage<ReportStartedPlayingMessage>().HResult, MmsClientStep.Play,
                    "ReportStartedPlaying");
                return true;
            default:
                return false;
        }
    }

    private void InstallHeader(MmsClientStep step)
    {
        _current.Install(_assembler, step);
        LogHeader(_logger, Url, _current.Bytes.Length, _current.Header.Streams.Count, _current.PacketSize,
            _current.Header.IsBroadcast);
    }

    private async ValueTask SendSelectionAsync(IReadOnlyList<StreamSelection> selection, MmsClientStep step,
        CancellationToken cancellationToken)
    {
        (StreamSwitchEntry[] entries, AsfStreamSet selected) = MmsSelection.Build(_current.Header, selection);
        await SendAsync(new StreamSwitchMessage(entries), step, _options.HandshakeTimeout, cancellationToken)
            .ConfigureAwait(false);
        _selected = selected;
        LogSelection(_logger, Url, MmsGateway.Mms.Mmsh.MmshStreamSwitch.Format(entries));
    }

    /// <summary>The next play incarnation: 9..0xFE per MS-MMSP after the clients' 4, never 0xCE (§1.1 collision note).</summary>
    private uint NextPlayIncarnation()
    {
        MarkEarlier((byte)_playIncarnation);
        uint next = _playIncarnation + 1;
        if (next == 0xCE) next++;
        if (next > 0xFE) next = 9;
        _playIncarnation = next;
        UnmarkEarlier((byte)next);
        return next;
    }

    /// <summary>
    /// A ReportEndOfStream for a play this client has already replaced: the answer to the StopPlaying of a seek, or
    /// the natural end the server sent before it read the StopPlaying (both arrive once the new play started). Only
    /// incarnations this session used before count, so a server that puts something else in the field still ends
    /// the stream.
    /// </summary>
    private bool IsStale(ReportEndOfStreamMessage end) =>
        end.PlayIncarnation <= 0xFF && end.PlayIncarnation != (byte)_playIncarnation && IsEarlier((byte)end.PlayIncarnation);

    private void MarkEarlier(byte incarnation)
    {
        if (incarnation < 128) _earlierPlayIncarnations0 |= UInt128.One << incarnation;
        else _earlierPlayIncarnations1 |= UInt128.One << (incarnation - 128);
    }

    private void UnmarkEarlier(byte incarnation)
    {
        if (incarnation < 128) _earlierPlayIncarnations0 &= ~(UInt128.One << incarnation);
        else _earlierPlayIncarnations1 &= ~(UInt128.One << (incarnation - 128));
    }

    private bool IsEarlier(byte incarnation) => incarnation < 128
        ? (_earlierPlayIncarnations0 & (UInt128.One << incarnation)) != 0
        : (_earlierPlayIncarnations1 & (UInt128.One << (incarnation - 128))) != 0;

    private async ValueTask SendAsync<TMessage>(TMessage message, MmsClientStep step, TimeSpan timeout,
        CancellationToken cancellationToken)
        where TMessage : struct, IMmstMessage<TMessage>
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _sendBuffer.ResetWrittenCount();
            MmstMessageWriter.Write(_sendBuffer, message, _sendSeq++);
            await _connection.SendAsync(_sendBuffer.WrittenMemory, step, timeout, cancellationToken)
                .ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private void CheckHResult(uint hr, MmsClientStep step, string reply)
    {
        if (hr != MmsHResult.Ok) throw MmsErrors.FromHResult(Url, step, reply, hr);
    }

    private MmsClientException Unexpected(MmsClientStep step, MmstMessageId id, string expected) =>
        MmsErrors.Malformed(Url, step, string.Create(CultureInfo.InvariantCulture,
            $"expected {expected}, got message 0x{(uint)id:X8} ({Name(id)})"));

    private TimeSpan Remaining(long deadline) => MmsErrors.Remaining(_time, deadline);

    private static bool IsKnown(MmstMessageId id) => Enum.IsDefined(id);

    private static string Name(MmstMessageId id) => Enum.IsDefined(id) ? id.ToString() : "unknown";
}
