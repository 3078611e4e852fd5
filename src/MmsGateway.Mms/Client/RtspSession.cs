using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using MmsGateway.Asf;
using MmsGateway.Asf.Objects;
using MmsGateway.Mms.Rtsp;
using MmsGateway.Mms.Sessions;
using Microsoft.Extensions.Logging;

namespace MmsGateway.Mms.Client;

/// <summary>
/// An MS-RTSP client session (docs/protocol/rtsp.md#s2): OPTIONS, DESCRIBE (the ASF header from the SDP's
/// <c>a=pgmpu</c>, docs/protocol/rtsp.md#s3.2), one SETUP per selected stream (selecting a stream is setting it up,
/// docs/protocol/rtsp.md#s6.1), PLAY, GET_PARAMETER keep-alives at half the session timeout, TEARDOWN on dispose.
/// <para>
/// RTSPT: the RTP packets come interleaved on the RTSP connection (docs/protocol/rtsp.md#s9), read by the one reader
/// together with answers and the server's own requests (end of stream, ANNOUNCE, docs/protocol/rtsp.md#s5). RTSPU:
/// RTP and RTCP arrive on local UDP ports (<see cref="RtspUdpChannel"/>), the connection carries only RTSP. Either way
/// the x-asf-pf payloads go through one <see cref="AsfRtpDepacketizer"/>, which rebuilds full-size ASF packets and
/// counts what was lost or torn (<see cref="Losses"/>).
/// </para>
/// <para>
/// Requests sent while the stream plays (keep-alive, stream switch) are not waited for: their answers are read by
/// <see cref="ReadAsync"/>, which fails if a stream switch was refused (as MMST's ReportStreamSwitch is consumed by the
/// reader). A seek takes the reader's turn and waits for its PAUSE and PLAY answers itself.
/// </para>
/// </summary>
internal sealed partial class RtspSession : IMmsSession, IUpstreamLossReport
{
    /// <summary>
    /// One RTSP message must fit the connection's receive buffer (<see cref="MmsConnection.Capacity"/>), so the SDP is
    /// held to less than that; the ASF header within it to <see cref="MmsClientOptions.MaxHeaderSize"/>.
    /// </summary>
    private const int MaxSdpBytes = 192 * 1024;

    /// <summary>Supported tokens of WMP (docs/protocol/rtsp.md#s2.2).</summary>
    private const string SupportedTokens =
        "com.microsoft.wm.srvppair, com.microsoft.wm.sswitch, com.microsoft.wm.eosmsg, com.microsoft.wm.predstrm";

    /// <summary>Default session timeout when the SETUP answer names none (RFC 2326 12.37: 60 s).</summary>
    private const int DefaultSessionTimeoutSeconds = 60;

    private static readonly TimeSpan TeardownTimeout = TimeSpan.FromSeconds(1);

    private readonly string _host;
    private readonly int _port;
    private readonly MmsClientOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly string _userAgent;
    private readonly RtspClientAuthenticator? _authenticator;
    private readonly RtspLimits _limits;
    private readonly SingleReaderGate _gate = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly MmsHeaderAssembler _assembler;
    private readonly SessionHeader _current;
    private readonly ConcurrentDictionary<int, string> _pending = new();
    private readonly Dictionary<int, StreamSetup> _setups = [];
    private readonly Dictionary<int, int> _levels = [];
    private readonly HashSet<byte> _rtpChannels = [];
    private readonly HashSet<byte> _rtcpChannels = [];

    private MmsConnection? _connection;
    private RtspUdpChannel? _udp;
    private long _lostBefore;
    private long _tornBefore;
    private AsfRtpDepacketizer? _depacketizer;
    private ITimer? _keepAliveTimer;
    private Task<bool>? _controlReceive;
    private SdpSession? _sdp;
    private readonly string _requestUrl;
    private string _aggregateUrl;
    private string? _sessionId;
    private int _sessionTimeoutSeconds = DefaultSessionTimeoutSeconds;
    private string? _playlistGenId;
    private string? _server;
    private int _cseq;
    private bool _playing;
    private bool _broadcast;
    private volatile bool _endOfStream;
    private volatile MmsClientException? _asyncError;
    private bool _pendingHeaderChange;
    private AsfStreamSet _selected;
    private uint _packetIndex;
    private long _unknownChannelFrames;
    private long _packetPairFrames;
    private long _malformedRtp;
    private long _staleFrames;

    /// <summary>One stream set up: its SDP description and the URL that selected it (used again to switch it, docs/protocol/rtsp.md#s6.2).</summary>
    private sealed record StreamSetup(SdpMedia Media, string SelectUrl);

    private RtspSession(Uri url, string host, int port, MmsProtocol protocol, MmsClientOptions options, Guid clientGuid,
        ILogger logger)
    {
        Url = MmsUrl.Redact(url);
        Protocol = protocol;
        _host = host;
        _port = port;
        _options = options;
        _time = options.TimeProvider;
        _logger = logger;

        // MS-RTSP 2.2.6.12: the same GUID in every request of the session (docs/protocol/rtsp.md#s2.2).
        _userAgent = $"WMPlayer/{options.RtspPlayerVersion} guid/{clientGuid.ToString("D").ToUpperInvariant()}";
        _requestUrl = MmsUrl.RtspUrl(url, port);
        _aggregateUrl = _requestUrl;
        if (!string.IsNullOrEmpty(url.UserInfo))
        {
            string[] parts = url.UserInfo.Split(':', 2);
            _authenticator = new RtspClientAuthenticator(Uri.UnescapeDataString(parts[0]),
                parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : string.Empty);
        }

        int maxHeader = Math.Min(options.MaxHeaderSize, MaxSdpBytes);
        _limits = new RtspLimits
        {
            MaxContentLength = MaxSdpBytes,
            MaxSdpBytes = MaxSdpBytes,
            MaxAsfHeaderBytes = maxHeader,
        };
        _assembler = new MmsHeaderAssembler(options.MaxHeaderSize, Url);
        _current = new SessionHeader(Url);
    }

    public MmsProtocol Protocol { get; }

    public Uri Url { get; }

    public AsfHeader Header => _current.Header;

    public ReadOnlyMemory<byte> HeaderBytes => _current.Bytes;

    /// <summary>
    /// Live: the SDP range has no end (<c>npt=0-</c>, docs/protocol/rtsp.md#s3.3), or the header's broadcast flag is set.
    /// </summary>
    public bool IsBroadcast => _broadcast || _current.Header.IsBroadcast;

    public AsfStreamSet SelectedStreams => _selected;

    /// <summary>What the server said it is (<c>Server:</c> of OPTIONS or DESCRIBE).</summary>
    public string? Server => _server;

    /// <summary>The RTSP session identifier.</summary>
    public string? SessionId => _sessionId;

    /// <summary>
    /// What was lost on the way, for logs and metrics (as <see cref="MmsuSession.DataChannel"/> exposes MMSU's):
    /// the depacketizer's counters (sequence gaps, torn and oversize packets ...) and the frames and datagrams dropped
    /// before it.
    /// </summary>
    public RtspLosses Losses => new(
        _depacketizer?.Statistics ?? default,
        Interlocked.Read(ref _unknownChannelFrames),
        Interlocked.Read(ref _packetPairFrames),
        Interlocked.Read(ref _malformedRtp),
        Interlocked.Read(ref _staleFrames),
        _udp?.ForeignDatagrams ?? 0,
        _udp?.NacksSent ?? 0,
        _udp?.Recovered ?? 0);

    /// <summary>
    /// For the gateway's metrics: RTSPU packets recovered after a gap was noticed, RTP packets never received and
    /// ASF packets torn by them (docs/protocol/rtsp.md#s4.4), over the session's depacketizers so far.
    /// </summary>
    public UpstreamLossCounts LossCounts
    {
        get
        {
            AsfRtpDepacketizerStatistics current = _depacketizer?.Statistics ?? default;
            return new UpstreamLossCounts(_udp?.Recovered ?? 0,
                _lostBefore + current.LostRtpPackets, _tornBefore + current.TornPackets);
        }
    }

    private MmsConnection Connection => _connection!;

    private string Endpoint => _connection?.Endpoint ?? MmsUrl.Format(_host, _port);

    public static async Task<RtspSession> ConnectAsync(Uri url, string host, int port, MmsProtocol protocol,
        MmsClientOptions options, Guid clientGuid, ILogger logger, CancellationToken cancellationToken)
    {
        var session = new RtspSession(url, host, port, protocol, options, clientGuid, logger);
        try
        {
            await session.OpenAsync(cancellationToken).ConfigureAwait(false);
            return session;
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // no allocation per packet
    public async ValueTask<MmsReadResult> ReadAsync(CancellationToken cancellationToken)
    {
        await _gate.EnterAsync(this, cancellationToken).ConfigureAwait(false);
        try
        {
            _gate.ThrowIfClosed(this);
            return _udp is null
                ? await ReadInterleavedAsync(cancellationToken).ConfigureAwait(false)
                : await ReadUdpAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Exit();
        }
    }

    /// <summary>
    /// MS-RTSP SelectStream (docs/protocol/rtsp.md#s6.2): one SET_PARAMETER per change, on the URL that selected the old
    /// stream: a stream replaced by another of its kind (OldStream, NewStream), the same stream on both sides to turn
    /// key-frames-only thinning on or off, a new stream with OldStream 4294967295. Not waited for: the reader fails if
    /// the server refuses it.
    /// </summary>
    public async ValueTask SelectStreamsAsync(IReadOnlyList<StreamSelection> selection,
        CancellationToken cancellationToken)
    {
        _gate.ThrowIfClosed(this);
        ArgumentNullException.ThrowIfNull(selection);
        (_, AsfStreamSet selected) = MmsSelection.Build(_current.Header, selection);
        var wanted = new Dictionary<int, int>();
        foreach (StreamSelection s in selection)
        {
            if (s.ThinningLevel != StreamSelection.Off) wanted[s.StreamNumber] = s.ThinningLevel;
        }

        List<(int Old, int New, int Level)> changes = PlanSwitch(wanted);
        long deadline = MmsErrors.Deadline(_time, _options.HandshakeTimeout);
        foreach ((int oldStream, int newStream, int level) in changes)
        {
            string url = oldStream > 0 && _setups.TryGetValue(oldStream, out StreamSetup? old) ? old.SelectUrl : _aggregateUrl;
            var entry = new WmsStreamSwitchEntry(
                oldStream > 0 ? (uint)oldStream : WmsStreamSwitchEntry.NoStream,
                newStream > 0 ? (uint)newStream : WmsStreamSwitchEntry.NoStream,
                level,
                oldStream > 0 ? StreamUrl(oldStream) : null,
                newStream > 0 ? StreamUrl(newStream) : null);
            var headers = new RtspHeaders().Add("Content-Type", WmsStreamSwitch.ContentType);
            int cseq = await SendRequestAsync(RtspMethods.SetParameter, url, headers, WmsStreamSwitch.Format([entry]),
                MmsClientStep.StreamSelection, deadline, cancellationToken).ConfigureAwait(false);
            _pending[cseq] = RtspMethods.SetParameter;

            // The new stream is switched from now on with the URL that selected the old one (MS-RTSP 2.2.7.10.3).
            if (oldStream > 0 && _setups.Remove(oldStream, out StreamSetup? replaced))
            {
                if (newStream > 0 && MediaOf(newStream) is { } media) _setups[newStream] = new StreamSetup(media, replaced.SelectUrl);
            }
            else if (newStream > 0 && oldStream <= 0 && MediaOf(newStream) is { } media)
            {
                _setups[newStream] = new StreamSetup(media, url);
            }

            LogSwitch(_logger, Url, oldStream, newStream, level);
        }

        _levels.Clear();
        foreach ((int stream, int level) in wanted) _levels[stream] = level;
        _selected = selected;
    }

    /// <summary>PAUSE, then PLAY with the new npt range (preroll included, docs/protocol/rtsp.md#s2.6, docs/protocol/rtsp.md#s3.3).</summary>
    public async ValueTask SeekAsync(TimeSpan position, CancellationToken cancellationToken)
    {
        _gate.ThrowIfClosed(this);
        ArgumentOutOfRangeException.ThrowIfLessThan(position, TimeSpan.Zero);
        if (IsBroadcast)
        {
            throw new MmsClientException(MmsClientErrorKind.NotSupported, MmsClientStep.Seek, Url,
                "live content cannot be seeked");
        }

        await _gate.EnterAsync(this, cancellationToken).ConfigureAwait(false);
        try
        {
            _gate.ThrowIfClosed(this);
            if (_asyncError is { } error) throw error;
            long deadline = MmsErrors.Deadline(_time, _options.HandshakeTimeout);
            _playing = false;
            await ExchangeAsync(RtspMethods.Pause, _aggregateUrl, new RtspHeaders(), default, MmsClientStep.Seek, deadline,
                cancellationToken).ConfigureAwait(false);
            _depacketizer!.Reset();
            _udp?.Restart();
            _endOfStream = false;
            await PlayAsync(position, MmsClientStep.Seek, deadline, cancellationToken).ConfigureAwait(false);
            LogSeek(_logger, Url, position.TotalSeconds);
        }
        finally
        {
            _gate.Exit();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_gate.TryClose()) return;
        _keepAliveTimer?.Dispose();
        if (_connection is { } connection)
        {
            if (_sessionId is not null)
            {
                // TEARDOWN on close (docs/protocol/rtsp.md#s2.7), not waited for: the connection closes right after.
                try
                {
                    await SendRequestAsync(RtspMethods.Teardown, _aggregateUrl, new RtspHeaders(), default,
                        MmsClientStep.Read, MmsErrors.Deadline(_time, TeardownTimeout), CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception e) when (e is MmsClientException or ObjectDisposedException or OperationCanceledException)
                {
                    // The connection is gone already.
                }
            }

            connection.Abort();
        }

        _udp?.Abort();
        if (_depacketizer is not null)
        {
            RtspLosses losses = Losses;
            LogSummary(_logger, Url, Protocol, losses.Depacketizer.PacketsOut, losses.Depacketizer.SequenceGaps,
                losses.Depacketizer.LostRtpPackets, losses.Depacketizer.TornPackets, losses.UnknownChannelFrames + losses.MalformedRtp,
                losses.ForeignDatagrams, losses.NacksSent, losses.Recovered);
        }

        bool locked = await _gate.WaitForReaderAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        try
        {
            // The connection receive an RTSPU reader keeps across reads ends with the abort: observe it.
            if (_controlReceive is Task pending) await pending.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (_connection is not null) await _connection.DisposeAsync().ConfigureAwait(false);
            if (_udp is not null) await _udp.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            if (locked) _gate.Exit();
        }
    }

    /// <summary>The handshake up to the PLAY answer, within <see cref="MmsClientOptions.HandshakeTimeout"/>.</summary>
    private async Task OpenAsync(CancellationToken cancellationToken)
    {
        _connection = await MmsConnection.ConnectAsync(Url, _host, _port, _options.ConnectTimeout, _time, cancellationToken)
            .ConfigureAwait(false);
        long deadline = MmsErrors.Deadline(_time, _options.HandshakeTimeout);

        // OPTIONS (docs/protocol/rtsp.md#s2.1). A server that is not RTSP answers in something else or not at all:
        // this first answer has the connect timeout, so that rollover moves on quickly.
        long optionsDeadline = Math.Min(deadline, MmsErrors.Deadline(_time, _options.ConnectTimeout));
        (RtspMessageHead options, _) = await ExchangeAsync(RtspMethods.Options, _requestUrl, new RtspHeaders(), default,
            MmsClientStep.Handshake, optionsDeadline, cancellationToken, checkStatus: false).ConfigureAwait(false);
        _server = options.Headers["Server"];
        if (options.StatusCode is 401 or 407 || options.StatusCode is >= 300 and < 400) CheckStatus(options, MmsClientStep.Handshake);

        await DescribeAsync(deadline, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<StreamSelection> selection = MmsSelection.Initial(_current.Header, _options);
        (_, _selected) = MmsSelection.Build(_current.Header, selection);
        foreach (StreamSelection s in selection)
        {
            if (s.ThinningLevel != StreamSelection.Off) _levels[s.StreamNumber] = s.ThinningLevel;
        }

        if (Protocol == MmsProtocol.Rtspu)
        {
            IPAddress server = ((IPEndPoint)Connection.RemoteEndPoint!).Address;
            _udp = RtspUdpChannel.Open(Url, server, (IPEndPoint)Connection.LocalEndPoint!, _options, _logger,
                _current.Header.FileProperties.PrerollMs);
        }

        await SetupAsync(deadline, cancellationToken).ConfigureAwait(false);
        _depacketizer = new AsfRtpDepacketizer(_current.PacketSize);

        // Key-frames-only streams of the initial selection: the same stream on both sides (docs/protocol/rtsp.md#s6.2).
        foreach ((int stream, int level) in _levels)
        {
            if (level != StreamSelection.KeyFramesOnly || !_setups.TryGetValue(stream, out StreamSetup? setup)) continue;
            var entry = new WmsStreamSwitchEntry((uint)stream, (uint)stream, level, setup.SelectUrl, setup.SelectUrl);
            await ExchangeAsync(RtspMethods.SetParameter, setup.SelectUrl,
                new RtspHeaders().Add("Content-Type", WmsStreamSwitch.ContentType), WmsStreamSwitch.Format([entry]),
                MmsClientStep.StreamSelection, deadline, cancellationToken).ConfigureAwait(false);
        }

        if (_udp is not null) await _udp.PunchAsync(cancellationToken).ConfigureAwait(false);
        TimeSpan? start = IsBroadcast ? null : _options.StartPosition ?? TimeSpan.Zero;
        await PlayAsync(start, MmsClientStep.Play, deadline, cancellationToken).ConfigureAwait(false);
        if (_udp is not null)
        {
            await _udp.AwaitFirstDatagramAsync(Protocol, deadline, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            Connection.BatchStreamingReceives(_options.ReceiveBatchWindow);
        }

        // Keep-alive at half the session timeout (docs/protocol/rtsp.md#s2.5), from a timer: it must go out even while
        // nobody reads.
        TimeSpan period = TimeSpan.FromSeconds(Math.Max(1, _sessionTimeoutSeconds / 2.0));
        _keepAliveTimer = _time.CreateTimer(static state => ((RtspSession)state!).OnKeepAlive(), this, period, period);
        LogPlaying(_logger, Url, Protocol, _sessionId, _setups.Count, _server);
    }

    /// <summary>DESCRIBE (docs/protocol/rtsp.md#s2.2): the SDP, the ASF header from its pgmpu, X-Playlist-Gen-Id.</summary>
    private async Task DescribeAsync(long deadline, CancellationToken cancellationToken)
    {
        var headers = new RtspHeaders()
            .Add("Accept", "application/sdp")
            .Add("Accept-Charset", "UTF-8, *;q=0.1")
            .Add("X-Accept-Authentication", "Digest, Basic")
            .Add("Accept-Language", "en-US, *;q=0.1")
            .Add("Supported", SupportedTokens);
        (RtspMessageHead response, byte[] body) = await ExchangeAsync(RtspMethods.Describe, _requestUrl, headers, default,
            MmsClientStep.Describe, deadline, cancellationToken).ConfigureAwait(false);
        _server = response.Headers["Server"] ?? _server;
        _playlistGenId = response.Headers["X-Playlist-Gen-Id"];
        string baseUrl = response.Headers["Content-Base"] ?? response.Headers["Content-Location"] ?? _requestUrl;
        InstallSdp(body, response.ContentType, MmsClientStep.Describe);
        _aggregateUrl = CheckRequestUrl(_sdp!.AggregateControl(CheckRequestUrl(baseUrl, "Content-Base")), "the SDP's a=control");
        if (response.Headers["X-Broadcast-Id"] is { } broadcastId && broadcastId.Trim() != "0"
            && _sdp.Range is null)
        {
            _broadcast = true;
        }

        LogDescribed(_logger, Url, _server, _sdp.Media.Count, _current.Bytes.Length, _playlistGenId);
    }

    /// <summary>Parses an SDP (DESCRIBE, ANNOUNCE) and installs its ASF header; false when the header did not change.</summary>
    private bool InstallSdp(byte[] body, string? contentType, MmsClientStep step)
    {
        if (contentType is not null && !contentType.StartsWith("application/sdp", StringComparison.OrdinalIgnoreCase))
        {
            throw MmsErrors.Malformed(Url, step, $"the answer is {contentType}, not application/sdp");
        }

        SdpSession sdp;
        try
        {
            sdp = SdpParser.Parse(body, _limits);
        }
        catch (MmsProtocolException e)
        {
            throw MmsErrors.Malformed(Url, step, $"the SDP does not parse: {e.Message}", e);
        }

        if (sdp.AsfHeader is not { IsEmpty: false } blob)
        {
            throw MmsErrors.Malformed(Url, step,
                "the SDP carries no ASF header (a=pgmpu:data:application/vnd.ms.wms-hdr.asfv1;base64,...): not a Windows Media server");
        }

        _assembler.Reset();
        _assembler.Append(new ReadOnlySequence<byte>(blob), step);
        _sdp = sdp;
        if (sdp.Range is { } range) _broadcast = range.EndSeconds is null;
        if (_current.Bytes.Length > 0 && _current.IsCurrent(_assembler)) return false;
        _current.Install(_assembler, step);
        return true;
    }

    /// <summary>
    /// One SETUP per selected stream that has a media description (docs/protocol/rtsp.md#s2.3): interleaved channel pairs
    /// 0-1, 2-3 ... over TCP; over UDP the one client port pair for every stream and the rtx stream on its own pair.
    /// </summary>
    private async Task SetupAsync(long deadline, CancellationToken cancellationToken)
    {
        SdpSession sdp = _sdp!;
        var media = new List<SdpMedia>();
        foreach (SdpMedia m in sdp.Media)
        {
            if (!m.IsRetransmission && m.StreamNumber is int number && _selected.Contains(number)) media.Add(m);
        }

        if (media.Count == 0)
        {
            throw new MmsClientException(MmsClientErrorKind.MalformedReply, MmsClientStep.Describe, Url,
                $"the SDP describes none of the selected streams ({_selected}): it has {sdp.Media.Count} media descriptions");
        }

        for (int i = 0; i < media.Count; i++)
        {
            string url = CheckRequestUrl(sdp.ResolveControl(media[i], _aggregateUrl), "a media a=control");
            string transport = _udp is { } udp
                ? $"RTP/AVP/UDP;unicast;client_port={udp.RtpPort}-{udp.RtpPort + 1};mode=play"
                : $"RTP/AVP/TCP;unicast;interleaved={2 * i}-{(2 * i) + 1};mode=play";
            RtspTransport answer = await SetupOneAsync(url, transport, deadline, cancellationToken).ConfigureAwait(false);
            if (_udp is { } channel)
            {
                if (answer.Lower != RtspLowerTransport.Udp || answer.ServerPort is not { } serverPort)
                {
                    throw new MmsClientException(MmsClientErrorKind.ServerError, MmsClientStep.Play, Url,
                        $"the SETUP answer's transport \"{answer.Format()}\" is not UDP with a server_port") { RtspuFallback = true };
                }

                channel.SetServer(serverPort.First, serverPort.Second ?? serverPort.First + 1, answer.Ssrc);
            }
            else
            {
                if (answer.Lower != RtspLowerTransport.Tcp)
                {
                    throw MmsErrors.Malformed(Url, MmsClientStep.Play, $"the SETUP answer's transport \"{answer.Format()}\" is not TCP");
                }

                RtspPortPair channels = answer.Interleaved ?? new RtspPortPair(2 * i, (2 * i) + 1);
                _rtpChannels.Add((byte)channels.First);
                _rtcpChannels.Add((byte)(channels.Second ?? channels.First + 1));
            }

            _setups[media[i].StreamNumber!.Value] = new StreamSetup(media[i], url);
        }

        // The rtx stream over UDP: its own port pair, where NACKs are answered (docs/protocol/rtsp.md#s7.1). Optional.
        if (_udp is { } rtx && sdp.Media.FirstOrDefault(m => m.IsRetransmission) is { } rtxMedia)
        {
            try
            {
                RtspTransport answer = await SetupOneAsync(CheckRequestUrl(sdp.ResolveControl(rtxMedia, _aggregateUrl), "the rtx a=control"),
                    $"RTP/AVP/UDP;unicast;client_port={rtx.RtxPort}-{rtx.RtxPort + 1};mode=play", deadline, cancellationToken)
                    .ConfigureAwait(false);
                if (answer.ServerPort is { } port) rtx.SetRetransmission(port.First);
            }
            catch (MmsClientException e) when (e.Kind is MmsClientErrorKind.ServerError or MmsClientErrorKind.NotSupported
                                                   or MmsClientErrorKind.NotFound or MmsClientErrorKind.MalformedReply)
            {
                LogNoRtx(_logger, Url, e.Detail);
            }
        }
    }

    private async Task<RtspTransport> SetupOneAsync(string url, string transport, long deadline,
        CancellationToken cancellationToken)
    {
        (RtspMessageHead response, _) = await ExchangeAsync(RtspMethods.Setup, url,
            new RtspHeaders().Add("Transport", transport), default, MmsClientStep.Play, deadline, cancellationToken)
            .ConfigureAwait(false);
        if (response.Session is not { } session)
        {
            throw MmsErrors.Malformed(Url, MmsClientStep.Play, "the SETUP answer has no Session header");
        }

        _sessionId ??= session.Id;
        if (session.TimeoutSeconds is int timeout and > 0) _sessionTimeoutSeconds = timeout;
        string? value = response.Headers["Transport"];
        IReadOnlyList<RtspTransport> transports;
        try
        {
            transports = value is null ? [] : RtspTransport.ParseList(value);
        }
        catch (MmsProtocolException e)
        {
            throw MmsErrors.Malformed(Url, MmsClientStep.Play, $"the SETUP answer's Transport does not parse: {e.Message}", e);
        }

        if (transports.Count != 1)
        {
            throw MmsErrors.Malformed(Url, MmsClientStep.Play,
                $"the SETUP answer carries {transports.Count} transports, not exactly one (docs/protocol/rtsp.md#s0.5)");
        }

        return transports[0];
    }

    /// <summary>PLAY on the aggregate URL; <paramref name="position"/> null = live (<c>npt=0-</c>... not sent: from now).</summary>
    private async Task PlayAsync(TimeSpan? position, MmsClientStep step, long deadline, CancellationToken cancellationToken)
    {
        var headers = new RtspHeaders();
        if (position is { } at)
        {
            // npt is the ASF presentation time, preroll included (docs/protocol/rtsp.md#s3.3).
            double npt = (_current.Header.FileProperties.PrerollMs / 1000.0) + at.TotalSeconds;
            headers.Add("Range", new RtspNptRange(npt, null).Format());
        }
        else
        {
            headers.Add("Range", "npt=0.000-");
        }

        headers.Add("Bandwidth", "2147483647");
        if (_playlistGenId is not null) headers.Add("X-Playlist-Seek-Id", _playlistGenId);
        (RtspMessageHead response, _) = await ExchangeAsync(RtspMethods.Play, _aggregateUrl, headers, default, step,
            deadline, cancellationToken).ConfigureAwait(false);
        if (response.Headers["X-Notice"] is { } notice) OnNotice(notice);
        _playing = true;
    }

    /// <summary>
    /// Plans a selection change as switch entries (docs/protocol/rtsp.md#s6.2): each stream leaving is paired with one
    /// coming of the same type; level changes of a kept stream are (N, N, level).
    /// </summary>
    private List<(int Old, int New, int Level)> PlanSwitch(Dictionary<int, int> wanted)
    {
        var changes = new List<(int, int, int)>();
        var leaving = _levels.Keys.Where(s => !wanted.ContainsKey(s)).ToList();
        foreach ((int stream, int level) in wanted)
        {
            if (_levels.TryGetValue(stream, out int was))
            {
                if (was != level) changes.Add((stream, stream, level));
                continue;
            }

            AsfStreamType? type = _current.Header.FindStream(stream)?.Type;
            int partner = leaving.FirstOrDefault(s => _current.Header.FindStream(s)?.Type == type);
            if (partner > 0) leaving.Remove(partner);
            changes.Add((partner, stream, level));
        }

        foreach (int stream in leaving) changes.Add((stream, 0, StreamSelection.Off));
        return changes;
    }

    /// <summary>A URL from the server that goes on a request line: no spaces or control characters, not empty.</summary>
    private string CheckRequestUrl(string url, string what)
    {
        if (url.Length == 0 || url.Length > 4096 || url.Any(c => c <= ' ' || c == 0x7F))
        {
            throw MmsErrors.Malformed(Url, MmsClientStep.Describe,
                $"{what} gives the URL \"{MetafileSniffer.Preview(Encoding.Latin1.GetBytes(url))}\", which cannot be a request URL");
        }

        return url;
    }

    private SdpMedia? MediaOf(int stream) => _sdp?.Media.FirstOrDefault(m => m.StreamNumber == stream && !m.IsRetransmission);

    private string? StreamUrl(int stream) => _setups.TryGetValue(stream, out StreamSetup? setup) ? setup.SelectUrl
        : MediaOf(stream) is { } media ? _sdp!.ResolveControl(media, _aggregateUrl) : null;

    /// <summary>Reads interleaved frames, answers and server requests until a packet, a header change or the end.</summary>
    private async ValueTask<MmsReadResult> ReadInterleavedAsync(CancellationToken cancellationToken)
    {
        MmsConnection connection = Connection;
        AsfRtpDepacketizer depacketizer = _depacketizer!;
        while (true)
        {
            if (_pendingHeaderChange)
            {
                _pendingHeaderChange = false;
                return MmsReadResult.HeaderChanged;
            }

            if (depacketizer.TryDequeue(out ReadOnlyMemory<byte> packet)) return MmsReadResult.ForPacket(packet, _packetIndex++);
            if (_asyncError is { } error) throw error;
            if (_endOfStream)
            {
                LogEndOfStream(_logger, Url, _packetIndex, depacketizer.Statistics.SequenceGaps);
                return MmsReadResult.EndOfStream;
            }

            if (ProcessBuffered(connection, MmsClientStep.Read, awaitedCSeq: null, out _)) continue;
            if (!await connection.ReceiveAsync(MmsClientStep.Read, _options.ReadTimeout, cancellationToken).ConfigureAwait(false))
            {
                return Closed(connection);
            }
        }
    }

    /// <summary>
    /// Takes packets from the UDP channel; the connection (answers, the end-of-stream request) is read by one receive
    /// kept across calls, whose completion wakes the same signal as a datagram.
    /// </summary>
    private async ValueTask<MmsReadResult> ReadUdpAsync(CancellationToken cancellationToken)
    {
        MmsConnection connection = Connection;
        RtspUdpChannel udp = _udp!;
        long deadline = MmsErrors.Deadline(_time, _options.ReadTimeout);
        while (true)
        {
            AsfRtpDepacketizer depacketizer = _depacketizer!;
            if (_pendingHeaderChange)
            {
                _pendingHeaderChange = false;
                return MmsReadResult.HeaderChanged;
            }

            if (depacketizer.TryDequeue(out ReadOnlyMemory<byte> packet)) return MmsReadResult.ForPacket(packet, _packetIndex++);
            if (_asyncError is { } error) throw error;
            if (_controlReceive is { IsCompleted: true } received)
            {
                _controlReceive = null;
                if (!await received.ConfigureAwait(false) && !_endOfStream) return Closed(connection);
            }

            if (_controlReceive is null)
            {
                while (ProcessBuffered(connection, MmsClientStep.Read, awaitedCSeq: null, out _))
                {
                }
            }

            switch (udp.TryTake(depacketizer))
            {
                case RtspUdpTake.Pushed:
                    deadline = MmsErrors.Deadline(_time, _options.ReadTimeout);
                    continue;
                case RtspUdpTake.Ended:
                    _endOfStream = true;
                    break;
            }

            if (_endOfStream && udp.Drained(endOfStream: true))
            {
                LogEndOfStream(_logger, Url, _packetIndex, depacketizer.Statistics.SequenceGaps);
                return MmsReadResult.EndOfStream;
            }

            TimeSpan wait = MmsErrors.Remaining(_time, deadline);
            if (wait <= TimeSpan.Zero)
            {
                throw new MmsClientException(MmsClientErrorKind.TimedOut, MmsClientStep.Read, Url,
                    string.Create(CultureInfo.InvariantCulture,
                        $"no RTP over UDP from {Endpoint} for {_options.ReadTimeout.TotalSeconds:0.###} s"));
            }

            if (_controlReceive is null && !connection.IsDrained)
            {
                // The server's requests and answers come at any time; the session's lifetime bounds this receive.
                Task<bool> next = connection.ReceiveAsync(MmsClientStep.Read, TimeSpan.FromDays(1), CancellationToken.None).AsTask();
                _controlReceive = next;
                _ = next.ContinueWith(static (_, state) => ((RtspUdpChannel)state!).Signal.Set(), udp,
                    CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            await udp.Signal.WaitAsync(udp.NextWake(wait), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The connection closed: the end when the server said so (or every declared packet came), else lost.</summary>
    private MmsReadResult Closed(MmsConnection connection)
    {
        if (_endOfStream) return MmsReadResult.EndOfStream;
        ulong declared = _current.Header.FileProperties.DataPacketsCount;
        if (!IsBroadcast && declared > 0 && _packetIndex >= declared)
        {
            _endOfStream = true;
            return MmsReadResult.EndOfStream;
        }

        throw MmsErrors.Closed(Url, MmsClientStep.Read, connection.Endpoint);
    }

    /// <summary>
    /// Handles one item of the connection's buffer (docs/protocol/rtsp.md#s9.3): a frame goes to the depacketizer (while
    /// playing), an answer completes its request, a server request is answered. False when more bytes are needed.
    /// <paramref name="awaited"/> is the answer with <paramref name="awaitedCSeq"/>, when that was the item.
    /// </summary>
    private bool ProcessBuffered(MmsConnection connection, MmsClientStep step, int? awaitedCSeq,
        out (RtspMessageHead Head, byte[] Body)? awaited)
    {
        awaited = null;
        if (connection.BufferedLength == 0) return false;
        var reader = new SequenceReader<byte>(connection.Buffered);
        RtspStreamItem item;
        try
        {
            item = RtspInterleaved.Peek(ref reader);
        }
        catch (MmsProtocolException e)
        {
            throw NotRtsp(connection, step, e);
        }

        if (item == RtspStreamItem.NeedMoreData) return false;
        if (item == RtspStreamItem.InterleavedFrame)
        {
            if (!RtspInterleaved.TryRead(ref reader, out RtspInterleavedFrame frame)) return false;
            OnFrame(frame, step);
            connection.Consume(reader.Consumed);
            return true;
        }

        RtspMessageHead head;
        ReadOnlySequence<byte> body;
        try
        {
            if (!RtspHeadParser.TryParseMessage(ref reader, _limits, out head!, out body)) return false;
        }
        catch (MmsProtocolException e)
        {
            throw NotRtsp(connection, step, e);
        }

        if (!head.Version.StartsWith("RTSP/", StringComparison.OrdinalIgnoreCase))
        {
            // An HTTP server on the port (the MMSH port of an mms:// URL with an explicit port): not RTSP, roll over.
            throw new MmsClientException(MmsClientErrorKind.NotMmsServer, step, Url,
                $"{connection.Endpoint} answers in {head.Version}, not RTSP{(head.IsRequest ? string.Empty : $" ({head.StatusCode} {head.ReasonPhrase})")}");
        }

        byte[] bodyBytes = body.IsEmpty ? [] : body.ToArray();
        connection.Consume(reader.Consumed);
        if (head.IsRequest)
        {
            OnServerRequest(head, bodyBytes);
            return true;
        }

        if (awaitedCSeq is int expected && head.CSeq == expected)
        {
            awaited = (head, bodyBytes);
            return true;
        }

        OnAsyncResponse(head);
        return true;
    }

    private MmsClientException NotRtsp(MmsConnection connection, MmsClientStep step, MmsProtocolException e)
    {
        if (connection.BytesReceived <= connection.BufferedLength && !_playing)
        {
            // Nothing RTSP has come yet: this is another kind of server on the port (rollover goes on).
            string preview = MetafileSniffer.Preview(connection.Buffered.Slice(0, Math.Min(connection.BufferedLength, 40)).ToArray());
            return new MmsClientException(MmsClientErrorKind.NotMmsServer, step, Url,
                $"{connection.Endpoint} does not answer in RTSP (\"{preview}\")", e);
        }

        return MmsErrors.Malformed(Url, step, $"RTSP stream from {connection.Endpoint}: {e.Message}", e);
    }

    /// <summary>One interleaved frame: RTP of a set-up channel into the depacketizer, RTCP checked for BYE, others counted.</summary>
    private void OnFrame(in RtspInterleavedFrame frame, MmsClientStep step)
    {
        if (frame.IsPacketPair)
        {
            _packetPairFrames++; // bandwidth probes (docs/protocol/rtsp.md#s9.2)
            return;
        }

        ReadOnlySequence<byte> payload = frame.Payload;
        ReadOnlySpan<byte> span = payload.IsSingleSegment ? payload.FirstSpan : payload.ToArray();
        if (_rtcpChannels.Contains(frame.Channel))
        {
            try
            {
                if (RtcpCompound.ContainsBye(span) && _playing)
                {
                    LogBye(_logger, Url);
                    _endOfStream = true;
                }
            }
            catch (MmsProtocolException)
            {
                _malformedRtp++;
            }

            return;
        }

        if (!_rtpChannels.Contains(frame.Channel))
        {
            _unknownChannelFrames++; // a channel nobody set up (docs/protocol/rtsp.md#s9.4)
            return;
        }

        if (!_playing || step != MmsClientStep.Read || _depacketizer is null)
        {
            _staleFrames++; // before PLAY's answer, or the old position during a seek
            return;
        }

        try
        {
            _depacketizer.Push(span);
        }
        catch (MmsProtocolException)
        {
            _malformedRtp++;
        }
    }

    /// <summary>
    /// A request from the server (docs/protocol/rtsp.md#s5): the end-of-stream SET_PARAMETER, ANNOUNCE with a new SDP,
    /// OPTIONS (200); anything else 501 as ffmpeg answers (docs/protocol/rtsp.md#s5.4).
    /// </summary>
    private void OnServerRequest(RtspMessageHead request, byte[] body)
    {
        int status = 200;
        switch (request.Method)
        {
            case RtspMethods.Options:
                break;
            case RtspMethods.SetParameter:
                bool notice = request.Headers["X-Notice"] is { } text && OnNotice(text);
                if (string.Equals(request.ContentType, WmsEndOfStream.ContentType, StringComparison.OrdinalIgnoreCase) && body.Length > 0)
                {
                    try
                    {
                        WmsEndOfStream end = WmsEndOfStream.Parse(body, _limits);
                        if (end.EndOfPlaylistEntry)
                        {
                            // A server-side playlist moves on: ANNOUNCE with the next entry's SDP follows (docs/protocol/rtsp.md#s5.2).
                            _endOfStream = false;
                        }
                        else if (end.EndOfFile || notice)
                        {
                            _endOfStream = true;
                        }
                    }
                    catch (MmsProtocolException)
                    {
                        status = 400;
                    }
                }

                if (_endOfStream) LogEndNotice(_logger, Url, request.Headers["X-Notice"]);
                break;
            case RtspMethods.Announce:
                try
                {
                    if (InstallSdp(body, request.ContentType, MmsClientStep.Read))
                    {
                        _pendingHeaderChange = true;
                        if (_depacketizer is null || _depacketizer.PacketSize != _current.PacketSize)
                        {
                            // LossCounts stay cumulative across the new depacketizer.
                            AsfRtpDepacketizerStatistics before = _depacketizer?.Statistics ?? default;
                            _lostBefore += before.LostRtpPackets;
                            _tornBefore += before.TornPackets;
                            _depacketizer = new AsfRtpDepacketizer(_current.PacketSize);
                        }

                        LogHeaderChanged(_logger, Url, _current.Bytes.Length, _current.Header.Streams.Count);
                    }

                    _endOfStream = false;
                    if (request.Headers["X-Playlist-Gen-Id"] is { } gen) _playlistGenId = gen;
                }
                catch (MmsClientException e)
                {
                    _asyncError = e;
                    status = 400;
                }

                break;
            default:
                status = 501;
                break;
        }

        var headers = new RtspHeaders();
        if (request.CSeq is int cseq) headers.Add("CSeq", cseq.ToString(CultureInfo.InvariantCulture));
        if (_sessionId is not null) headers.Add("Session", _sessionId);
        headers.Add("User-Agent", _userAgent);
        var buffer = new ArrayBufferWriter<byte>(256);
        RtspHeadWriter.WriteResponse(buffer, status, null, headers);
        _ = SendRawAsync(buffer.WrittenMemory);
    }

    /// <summary>An X-Notice (docs/protocol/rtsp.md#s5.3): true when it ends the stream.</summary>
    private bool OnNotice(string value)
    {
        RtspNotice notice;
        try
        {
            notice = RtspNotice.Parse(value);
        }
        catch (MmsProtocolException)
        {
            return false;
        }

        switch (notice.Kind)
        {
            case RtspNoticeKind.EndOfStream:
                _endOfStream = true;
                return true;
            case RtspNoticeKind.IoError:
            case RtspNoticeKind.PermissionDenied:
                _asyncError ??= new MmsClientException(
                    notice.Kind == RtspNoticeKind.PermissionDenied ? MmsClientErrorKind.AccessDenied : MmsClientErrorKind.ServerError,
                    MmsClientStep.Read, Url, $"the server's notice {notice.Format()}");
                return true;
            default:
                return false;
        }
    }

    /// <summary>The answer to a request not waited for (keep-alive, stream switch).</summary>
    private void OnAsyncResponse(RtspMessageHead response)
    {
        if (response.Headers["X-Notice"] is { } notice) OnNotice(notice);
        if (response.CSeq is not int cseq || !_pending.TryRemove(cseq, out string? method)) return;
        if (response.StatusCode is >= 200 and < 300) return;
        if (method == RtspMethods.SetParameter)
        {
            _asyncError ??= new MmsClientException(
                response.StatusCode is 451 or 400 or 405 or 501 ? MmsClientErrorKind.NotSupported : MmsClientErrorKind.ServerError,
                MmsClientStep.StreamSelection, Url,
                $"the stream switch was answered RTSP {response.StatusCode} {response.ReasonPhrase}") { RtspStatusCode = response.StatusCode };
        }
        else if (response.StatusCode == 454)
        {
            _asyncError ??= new MmsClientException(MmsClientErrorKind.ConnectionLost, MmsClientStep.Read, Url,
                $"the server forgot the session ({method} answered 454 Session Not Found)") { RtspStatusCode = 454 };
        }
        else
        {
            LogAsyncRefused(_logger, Url, method, response.StatusCode);
        }
    }

    /// <summary>
    /// Sends a request and reads until its answer (handshake, seek): frames in between are dropped, server requests
    /// answered. A 401 is answered once with credentials from the URL (Digest preferred, docs/protocol/rtsp.md#s8);
    /// redirects and error statuses become exceptions unless <paramref name="checkStatus"/> is false.
    /// </summary>
    private async Task<(RtspMessageHead Head, byte[] Body)> ExchangeAsync(string method, string url, RtspHeaders headers,
        ReadOnlyMemory<byte> body, MmsClientStep step, long deadline, CancellationToken cancellationToken,
        bool checkStatus = true)
    {
        for (int attempt = 0; ; attempt++)
        {
            int cseq = await SendRequestAsync(method, url, headers, body, step, deadline, cancellationToken).ConfigureAwait(false);
            (RtspMessageHead Head, byte[] Body) answer = await AwaitAnswerAsync(cseq, step, deadline, cancellationToken)
                .ConfigureAwait(false);
            if (answer.Head.StatusCode is 401 && attempt == 0 && _authenticator is not null
                && _authenticator.OnChallenge(answer.Head.Headers))
            {
                continue;
            }

            if (checkStatus) CheckStatus(answer.Head, step);
            return answer;
        }
    }

    private async Task<(RtspMessageHead Head, byte[] Body)> AwaitAnswerAsync(int cseq, MmsClientStep step, long deadline,
        CancellationToken cancellationToken)
    {
        MmsConnection connection = Connection;
        while (true)
        {
            while (ProcessBuffered(connection, step, cseq, out (RtspMessageHead Head, byte[] Body)? answer))
            {
                if (answer is { } found) return found;
            }

            if (!await connection.ReceiveAsync(step, MmsErrors.Remaining(_time, deadline), cancellationToken).ConfigureAwait(false))
            {
                throw connection.BytesReceived == 0
                    ? new MmsClientException(MmsClientErrorKind.NotMmsServer, step, Url,
                        $"{connection.Endpoint} closed the connection without an RTSP answer")
                    : MmsErrors.Closed(Url, step, connection.Endpoint);
            }
        }
    }

    /// <summary>Writes one request with the session's common headers (docs/protocol/rtsp.md#s2.2); returns its CSeq.</summary>
    private async Task<int> SendRequestAsync(string method, string url, RtspHeaders extra, ReadOnlyMemory<byte> body,
        MmsClientStep step, long deadline, CancellationToken cancellationToken)
    {
        int cseq = Interlocked.Increment(ref _cseq);
        var headers = new RtspHeaders().Add("CSeq", cseq.ToString(CultureInfo.InvariantCulture)).Add("User-Agent", _userAgent);
        foreach (KeyValuePair<string, string> field in extra) headers.Add(field.Key, field.Value);
        if (_sessionId is not null && method != RtspMethods.Options && method != RtspMethods.Describe) headers.Add("Session", _sessionId);
        if (_playlistGenId is not null && method is not (RtspMethods.Options or RtspMethods.Describe))
        {
            headers.Add("X-Playlist-Gen-Id", _playlistGenId); // echoed (MS-RTSP 2.2.6.22, docs/protocol/rtsp.md#s2.2)
        }

        if (_authenticator?.Authorize(method, url) is { } authorization) headers.Add("Authorization", authorization);
        var buffer = new ArrayBufferWriter<byte>(512 + body.Length);
        RtspHeadWriter.WriteRequest(buffer, method, url, headers, body.Span);
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Connection.SendAsync(buffer.WrittenMemory, step, MmsErrors.Remaining(_time, deadline), cancellationToken)
                .ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }

        return cseq;
    }

    private async Task SendRawAsync(ReadOnlyMemory<byte> data)
    {
        try
        {
            await _sendLock.WaitAsync().ConfigureAwait(false);
            try
            {
                await Connection.SendAsync(data, MmsClientStep.Read, _options.ReadTimeout, CancellationToken.None).ConfigureAwait(false);
            }
            finally
            {
                _sendLock.Release();
            }
        }
        catch (Exception e) when (e is MmsClientException or ObjectDisposedException)
        {
            // The reader sees the broken connection.
        }
    }

    private void OnKeepAlive()
    {
        if (_gate.IsClosed || !_playing) return;
        _ = KeepAliveAsync();
    }

    /// <summary>GET_PARAMETER with only the session (docs/protocol/rtsp.md#s2.5); its answer is read by the reader.</summary>
    private async Task KeepAliveAsync()
    {
        try
        {
            int cseq = await SendRequestAsync(RtspMethods.GetParameter, _aggregateUrl, new RtspHeaders(), default,
                MmsClientStep.Read, MmsErrors.Deadline(_time, _options.ReadTimeout), CancellationToken.None).ConfigureAwait(false);
            _pending[cseq] = RtspMethods.GetParameter;
            LogKeepAlive(_logger, Url, cseq);
        }
        catch (Exception e) when (e is MmsClientException or ObjectDisposedException or InvalidOperationException)
        {
            // The reader sees the broken connection.
        }
    }

    /// <summary>Redirects (3xx with Location), authentication, and the error statuses mapped like MMSH's (docs/protocol/rtsp.md#s2.8).</summary>
    private void CheckStatus(RtspMessageHead response, MmsClientStep step)
    {
        int status = response.StatusCode;
        if (status is >= 200 and < 300) return;
        if (status is >= 300 and < 400)
        {
            if (MmsUrl.Resolve(new Uri(_requestUrl), response.Headers["Location"]) is not Uri location)
            {
                throw MmsErrors.Malformed(Url, MmsClientStep.Redirect, $"RTSP {status} without a usable Location");
            }

            throw new MmsRedirectException(location, step);
        }

        if (status is 401 or 407)
        {
            throw new MmsClientException(MmsClientErrorKind.AuthenticationRequired,
                _authenticator is null ? step : MmsClientStep.Authentication, Url, _authenticator is null
                    ? $"RTSP {status} ({response.Headers["WWW-Authenticate"] ?? "no WWW-Authenticate"}); put user:password in the URL"
                    : $"RTSP {status}: the server refused the credentials of the URL") { RtspStatusCode = status };
        }

        MmsClientErrorKind kind = status switch
        {
            403 => MmsClientErrorKind.AccessDenied,
            404 or 410 => MmsClientErrorKind.NotFound,
            461 => MmsClientErrorKind.NotSupported,
            _ => MmsClientErrorKind.ServerError,
        };
        throw new MmsClientException(kind, step, Url,
            $"RTSP {status}{(string.IsNullOrEmpty(response.ReasonPhrase) ? string.Empty : " " + response.ReasonPhrase)}")
        {
            RtspStatusCode = status,

            // 461 Unsupported Transport on UDP: try TCP (docs/protocol/rtsp.md#s2.3).
            RtspuFallback = Protocol == MmsProtocol.Rtspu && status is 461 or 400 or 501,
        };
    }
}

/// <summary>What an RTSP session lost or dropped (<see cref="RtspSession.Losses"/>).</summary>
/// <param name="Depacketizer">Sequence gaps, lost RTP packets, torn and oversize ASF packets ... (docs/protocol/rtsp.md#s4).</param>
/// <param name="UnknownChannelFrames">Interleaved frames on channels no SETUP asked for (docs/protocol/rtsp.md#s9.4).</param>
/// <param name="PacketPairFrames">WMS packet-pair probes skipped (docs/protocol/rtsp.md#s9.2).</param>
/// <param name="MalformedRtp">Frames or datagrams whose RTP or RTCP header does not parse.</param>
/// <param name="StaleFrames">RTP before PLAY's answer or from before a seek.</param>
/// <param name="ForeignDatagrams">RTSPU datagrams from an address other than the server's.</param>
/// <param name="NacksSent">RTSPU retransmission requests sent (docs/protocol/rtsp.md#s7).</param>
/// <param name="Recovered">RTSPU packets that filled a gap after it was noticed.</param>
internal readonly record struct RtspLosses(
    AsfRtpDepacketizerStatistics Depacketizer,
    long UnknownChannelFrames,
    long PacketPairFrames,
    long MalformedRtp,
    long StaleFrames,
    long ForeignDatagrams,
    long NacksSent,
    long Recovered);
