using System.Buffers;
using System.Globalization;
using System.Net;
using MmsGateway.Asf;
using MmsGateway.Mms.Mmst;
using MmsGateway.Mms.Sessions;
using Microsoft.Extensions.Logging;

namespace MmsGateway.Mms.Client;

/// <summary>
/// The MMST control connection (docs/protocol/mmst.md#s1), shared by the session over TCP (<see cref="MmstSession"/>,
/// the data on this same connection) and over UDP (<see cref="MmsuSession"/>, docs/protocol/mmsu.md#s1.8): cutting
/// PDUs off the receive buffer (<see cref="MmstFraming"/>), numbered sends, the handshake up to ReportOpenFile, the
/// stream selection and StartPlaying, the play incarnations (docs/protocol/mmst.md#s1.6.5), the current header and
/// CloseFile at the end. The read loops, seeks and the data path are the sessions'.
/// </summary>
internal sealed partial class MmstControlChannel : IAsyncDisposable
{
    /// <summary>ReadBlock incarnation: every open client uses 2 (docs/protocol/mmst.md#s1.5.7); header pieces echo it.</summary>
    public const uint HeaderIncarnation = 2;

    private const uint OpenFileIncarnation = 1;

    private readonly MmsClientOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Uri _requestUrl;
    private readonly MmstFunnelTransport _transport;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly ArrayBufferWriter<byte> _sendBuffer = new(512);

    private int _sendSeq;
    private int _commandsReceived;
    private MmstPlayIncarnations _incarnations = new();
    private MmstFileAttributes _attributes;
    private long _stalePackets;

    public MmstControlChannel(Uri requestUrl, MmsConnection connection, MmstFunnelTransport transport,
        MmsClientOptions options, ILogger logger)
    {
        _requestUrl = requestUrl;
        Url = MmsUrl.Redact(requestUrl);
        Connection = connection;
        _transport = transport;
        _options = options;
        _time = options.TimeProvider;
        _logger = logger;
        Assembler = new MmsHeaderAssembler(options.MaxHeaderSize, Url);
        Header = new SessionHeader(Url);
    }

    public Uri Url { get; }

    public MmsConnection Connection { get; }

    public string Endpoint => Connection.Endpoint;

    /// <summary>The header pieces being collected (the handshake's, or the next playlist entry's).</summary>
    public MmsHeaderAssembler Assembler { get; }

    public SessionHeader Header { get; }

    public uint OpenFileId { get; private set; } = 1;

    /// <summary>From ReportOpenFile: the header's size (vlc's rule for its end) and the file's bit rate.</summary>
    public uint HeaderSizeHint { get; set; }

    public uint FileBitrate { get; private set; }

    public uint PlayIncarnation => _incarnations.Current;

    public AsfStreamSet Selected { get; private set; }

    /// <summary>ReportOpenFile says broadcast (vlc's test: the 0x02 byte, docs/protocol/mmst.md#s1.5.6), or the header's broadcast flag does.</summary>
    public bool IsBroadcast =>
        (_attributes & (MmstFileAttributes.Broadcast | MmstFileAttributes.Live)) != 0
        || (_attributes == MmstFileAttributes.None && Header.Header.IsBroadcast);

    /// <summary>Data packets dropped because they carried an earlier play incarnation (or came on the wrong transport).</summary>
    public long StalePackets => Interlocked.Read(ref _stalePackets);

    public void CountStale() => Interlocked.Increment(ref _stalePackets);

    /// <summary>The incarnation of the play after a seek (docs/protocol/mmst.md#s1.6.5).</summary>
    public uint NextPlayIncarnation() => _incarnations.Next();

    /// <summary>
    /// A ReportEndOfStream for a play this client has already replaced: the answer to the StopPlaying of a seek, or
    /// the natural end the server sent before it read the StopPlaying (both arrive once the new play started).
    /// </summary>
    public bool IsStale(ReportEndOfStreamMessage end) => _incarnations.IsEarlier(end.PlayIncarnation);

    /// <summary>
    /// Steps 1–4 of the canonical sequence (docs/protocol/mmst.md#s1.6.1): Connect, FunnelInfo (when asked for, or for MMSU, whose resend
    /// requests carry its nCubs), ConnectFunnel naming <paramref name="funnelPort"/>, OpenFile with authentication and
    /// redirects. Returns ReportFunnelInfo's nCubs (0 when not asked).
    /// </summary>
    public async Task<uint> OpenAsync(Guid clientGuid, int funnelPort, long deadline, CancellationToken cancellationToken)
    {
        string fileName = MmsUrl.MmstFileName(_requestUrl);

        // 1. Connect → ReportConnectedEX (docs/protocol/mmst.md#s1.5.1, docs/protocol/mmst.md#s1.5.2). The subscriber name carries a stable client GUID.
        string subscriber = string.Create(CultureInfo.InvariantCulture,
            $"NSPlayer/{_options.PlayerVersion}; {{{clientGuid:D}}}; Host: {Url.DnsSafeHost}");
        await SendAsync(ConnectMessage.Create(subscriber), MmsClientStep.Handshake, Remaining(deadline),
            cancellationToken).ConfigureAwait(false);
        MmstPdu pdu = await ExpectAsync(MmsClientStep.Handshake, deadline, MmstMessageId.ReportConnectedEx,
            cancellationToken).ConfigureAwait(false);
        var connected = pdu.ReadMessage<ReportConnectedExMessage>();
        CheckHResult(connected.HResult, MmsClientStep.Handshake, "ReportConnectedEX");
        LogConnected(_logger, Url, connected.ServerVersionInfo, connected.AuthenPackage);

        // 2. FunnelInfo → ReportFunnelInfo: optional over TCP (ffmpeg sends it), needed for MMSU, whose resend
        //    requests carry its nCubs as the client id (docs/protocol/mmst.md#s1.5.3, docs/protocol/mmsu.md#s1.8.7).
        uint cubs = 0;
        bool udp = _transport == MmstFunnelTransport.Udp;
        if (_options.SendFunnelInfo || udp)
        {
            await SendAsync(new FunnelInfoMessage(FunnelInfoMessage.NoPacketPair), MmsClientStep.Handshake,
                Remaining(deadline), cancellationToken).ConfigureAwait(false);
            pdu = await ExpectAsync(MmsClientStep.Handshake, deadline, MmstMessageId.ReportFunnelInfo,
                cancellationToken).ConfigureAwait(false);
            var funnelInfo = pdu.ReadMessage<ReportFunnelInfoMessage>();
            CheckHResult(funnelInfo.HResult, MmsClientStep.Handshake, "ReportFunnelInfo");
            cubs = funnelInfo.Cubs;
        }

        // 3. ConnectFunnel \\<local ip>\TCP\<local port> (MMSU: \\<local ip>\UDP\<udp port>) →
        //    ReportConnectedFunnel, or 0x03 on refusal (docs/protocol/mmst.md#s1.5.4, docs/protocol/mmsu.md#s1.8.3).
        var local = Connection.LocalEndPoint as IPEndPoint;
        string localAddress = local?.Address.IsIPv4MappedToIPv6 == true
            ? local.Address.MapToIPv4().ToString()
            : local?.Address.ToString() ?? "0.0.0.0";
        var funnel = new MmstFunnelName(_transport, localAddress, funnelPort);
        await SendAsync(ConnectFunnelMessage.Create(funnel), MmsClientStep.Funnel, Remaining(deadline),
            cancellationToken).ConfigureAwait(false);
        pdu = await ExpectAsync(MmsClientStep.Funnel, deadline, MmstMessageId.ReportConnectedFunnel,
            cancellationToken, MmstMessageId.ReportDisconnectedFunnel).ConfigureAwait(false);
        if (pdu.MessageId == MmstMessageId.ReportDisconnectedFunnel)
        {
            uint hr = pdu.ReadMessage<ReportDisconnectedFunnelMessage>().HResult;
            throw new MmsClientException(MmsClientErrorKind.ServerError, MmsClientStep.Funnel, Url,
                $"the server refused the {(udp ? "UDP" : "TCP")} funnel (ReportDisconnectedFunnel, HRESULT 0x{hr:X8})")
            {
                ServerHResult = hr,
                MmsuFallback = udp,
            };
        }

        CheckHResult(pdu.ReadMessage<ReportConnectedFunnelMessage>().HResult, MmsClientStep.Funnel,
            "ReportConnectedFunnel");

        // 4. OpenFile → ReportOpenFile | SecurityChallenge | ReportRedirect (docs/protocol/mmst.md#s1.5.5, docs/protocol/mmst.md#s1.5.6, docs/protocol/mmst.md#s1.5.11).
        ReportOpenFileMessage opened = await OpenFileAsync(fileName, MmsUrl.BasicCredentials(_requestUrl), deadline,
            cancellationToken).ConfigureAwait(false);
        _attributes = opened.Attributes;
        HeaderSizeHint = opened.HeaderSize;
        if (opened.OpenFileId != 0) OpenFileId = opened.OpenFileId;
        FileBitrate = opened.BitRate;
        LogOpened(_logger, Url, fileName, (uint)opened.Attributes, opened.PacketSize, opened.HeaderSize);
        return cubs;
    }

    /// <summary>
    /// Steps 6–7 (docs/protocol/mmst.md#s1.5.8, docs/protocol/mmst.md#s1.5.9): StreamSwitch with every stream listed → ReportStreamSwitch, then StartPlaying from
    /// the start or from <see cref="MmsClientOptions.StartPosition"/> (on-demand only). True when the server ended
    /// the stream instead (nothing to play from there).
    /// </summary>
    public async Task<bool> SelectAndPlayAsync(long deadline, CancellationToken cancellationToken)
    {
        await SendSelectionAsync(MmsSelection.Initial(Header.Header, _options), MmsClientStep.StreamSelection,
            cancellationToken).ConfigureAwait(false);
        MmstPdu pdu = await ExpectAsync(MmsClientStep.StreamSelection, deadline, MmstMessageId.ReportStreamSwitch,
            cancellationToken).ConfigureAwait(false);
        CheckHResult(pdu.ReadMessage<ReportStreamSwitchMessage>().HResult, MmsClientStep.StreamSelection,
            "ReportStreamSwitch");

        StartPlayingMessage start = _options.StartPosition is { } position && position > TimeSpan.Zero && !IsBroadcast
            ? StartPlayingMessage.FromTime(position.TotalSeconds, OpenFileId, PlayIncarnation)
            : StartPlayingMessage.FromBeginning(OpenFileId, PlayIncarnation);
        return await StartPlayingAsync(start, MmsClientStep.Play, deadline, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// StartPlaying → ReportStartedPlaying. Data that comes first (libmms tolerates it) stays in the buffer for the
    /// reader; true when a ReportEndOfStream answers instead (e.g. a seek past the end).
    /// </summary>
    public async Task<bool> StartPlayingAsync(StartPlayingMessage start, MmsClientStep step, long deadline,
        CancellationToken cancellationToken)
    {
        await SendAsync(start, step, Remaining(deadline), cancellationToken).ConfigureAwait(false);
        while (true)
        {
            MmstPdu pdu = await NextAsync(step, deadline, allowData: true, cancellationToken).ConfigureAwait(false);
            if (!pdu.IsCommand)
            {
                if (pdu.DataHeader.PlayIncarnation == (byte)PlayIncarnation)
                {
                    Connection.Unconsume((int)pdu.Packet.Length); // for the reader
                    return false;
                }

                CountStale();
                continue;
            }

            switch (pdu.MessageId)
            {
                case var _ when pdu.MessageId != MmstMessageId.ReportStartedPlaying && HandleAcknowledgement(pdu, playing: true):
                    continue;
                case MmstMessageId.ReportStartedPlaying:
                    CheckHResult(pdu.ReadMessage<ReportStartedPlayingMessage>().HResult, step, "ReportStartedPlaying");
                    return false;
                case MmstMessageId.ReportEndOfStream:
                    var end = pdu.ReadMessage<ReportEndOfStreamMessage>();
                    if (IsStale(end)) continue;
                    CheckHResult(end.HResult, step, "ReportEndOfStream");
                    return true;
                default:
                    throw Unexpected(step, pdu.MessageId, "ReportStartedPlaying");
            }
        }
    }

    /// <summary>
    /// Sends a StreamSwitch (0x33) listing every stream of the current header (docs/protocol/selection.md#s5.4); the ReportStreamSwitch (0x21)
    /// is the reader's to check. Selection changes apply to packets the server sends after it (docs/protocol/selection.md#s5.2.3).
    /// </summary>
    public async ValueTask SendSelectionAsync(IReadOnlyList<StreamSelection> selection, MmsClientStep step,
        CancellationToken cancellationToken)
    {
        (StreamSwitchEntry[] entries, AsfStreamSet selected) = MmsSelection.Build(Header.Header, selection);
        await SendAsync(new StreamSwitchMessage(entries), step, _options.HandshakeTimeout, cancellationToken)
            .ConfigureAwait(false);
        Selected = selected;
        LogSelection(_logger, Url, MmsGateway.Mms.Mmsh.MmshStreamSwitch.Format(entries));
    }

    /// <summary>Makes the collected header current.</summary>
    public void InstallHeader(MmsClientStep step)
    {
        Header.Install(Assembler, step);
        LogHeader(_logger, Url, Header.Bytes.Length, Header.Header.Streams.Count, Header.PacketSize,
            Header.Header.IsBroadcast);
    }

    /// <summary>
    /// ReportStreamSwitch, and ReportStartedPlaying while <paramref name="playing"/>, arriving during playback: check
    /// hr, nothing else. False for any other message.
    /// </summary>
    public bool HandleAcknowledgement(MmstPdu pdu, bool playing)
    {
        switch (pdu.MessageId)
        {
            case MmstMessageId.ReportStreamSwitch:
                CheckHResult(pdu.ReadMessage<ReportStreamSwitchMessage>().HResult, MmsClientStep.StreamSelection,
                    "ReportStreamSwitch");
                return true;
            case MmstMessageId.ReportStartedPlaying when playing:
                CheckHResult(pdu.ReadMessage<ReportStartedPlayingMessage>().HResult, MmsClientStep.Play,
                    "ReportStartedPlaying");
                return true;
            default:
                return false;
        }
    }

    /// <summary>The next command (or data packet), Pings answered and unknown commands skipped.</summary>
    public async ValueTask<MmstPdu> NextAsync(MmsClientStep step, long deadline, bool allowData,
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
                    case MmstMessageId.ReportReadBlock when _transport == MmstFunnelTransport.Udp:
                        // MMSU: the answers to the ReadBlock tries of the header phase (docs/protocol/mmsu.md#s1.8.5).
                        CheckHResult(pdu.ReadMessage<ReportReadBlockMessage>().HResult, MmsClientStep.Header,
                            "ReportReadBlock");
                        continue;
                    case var id when MmstDirection.Of(id) != MmstDirection.ToClient || !Enum.IsDefined(id):
                        LogIgnored((uint)id);
                        continue;
                    default:
                        return pdu;
                }
            }

            if (!await Connection.ReceiveAsync(step, Remaining(deadline), cancellationToken).ConfigureAwait(false))
            {
                throw MmsErrors.Closed(Url, step, Endpoint);
            }
        }
    }

    /// <summary>The next command, which must be <paramref name="expected"/> or one of <paramref name="alternatives"/>.</summary>
    public async ValueTask<MmstPdu> ExpectAsync(MmsClientStep step, long deadline, MmstMessageId expected,
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
    public bool TryNext(MmsClientStep step, bool allowData, out MmstPdu pdu)
    {
        var reader = new SequenceReader<byte>(Connection.Buffered);
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
                bool http = Connection.BufferedLength >= 5 && Connection.Buffered.FirstSpan[..5].SequenceEqual("HTTP/"u8);
                throw new MmsClientException(MmsClientErrorKind.NotMmsServer, step, Url, http
                    ? $"{Endpoint} answered in HTTP, not MMST"
                    : $"{Endpoint} does not answer in MMST ({e.Message})", e);
            }

            throw MmsErrors.Malformed(Url, step, e.Message, e);
        }

        Connection.Consume(reader.Consumed);
        if (pdu.IsCommand) _commandsReceived++;
        return true;
    }

    public async ValueTask SendAsync<TMessage>(TMessage message, MmsClientStep step, TimeSpan timeout,
        CancellationToken cancellationToken)
        where TMessage : struct, IMmstMessage<TMessage>
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _sendBuffer.ResetWrittenCount();
            MmstMessageWriter.Write(_sendBuffer, message, _sendSeq++);
            await Connection.SendAsync(_sendBuffer.WrittenMemory, step, timeout, cancellationToken)
                .ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>CloseFile (0x0D) before closing, as ffmpeg and vlc do (docs/protocol/mmst.md#s1.5.10); best effort.</summary>
    public async Task SendCloseFileAsync()
    {
        try
        {
            await SendAsync(new CloseFileMessage(1, OpenFileId), MmsClientStep.Read, TimeSpan.FromSeconds(1),
                CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is MmsClientException or ObjectDisposedException)
        {
            LogCloseFailed(_logger, Url, e.Message);
        }
    }

    public ValueTask DisposeAsync() => Connection.DisposeAsync();

    public void CheckHResult(uint hr, MmsClientStep step, string reply)
    {
        if (hr != MmsHResult.Ok) throw MmsErrors.FromHResult(Url, step, reply, hr);
    }

    public MmsClientException Unexpected(MmsClientStep step, MmstMessageId id, string expected) =>
        MmsErrors.Malformed(Url, step, string.Create(CultureInfo.InvariantCulture,
            $"expected {expected}, got message 0x{(uint)id:X8} ({(Enum.IsDefined(id) ? id.ToString() : "unknown")})"));

    public TimeSpan Remaining(long deadline) => MmsErrors.Remaining(_time, deadline);

    public void LogIgnored(uint messageId) => LogIgnored(_logger, Url, messageId);

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
}
