using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using MmsGateway.Asf.Selection;
using MmsGateway.Mms;
using MmsGateway.Mms.Rtsp;
using MmsGateway.Origin.Media;

namespace MmsGateway.Origin.Rtsp;

/// <summary>
/// One MS-RTSP connection and the session on it (docs/protocol/rtsp.md#s2): answers each request in order as a
/// Windows Media server does (the per-method table, docs/protocol/rtsp.md#s2.8), streams the selected ASF streams
/// in one RTP carrier (<see cref="RtpCarrier"/>) interleaved on this connection or over UDP, and ends on-demand
/// content with the end-of-stream request, RTCP BYE and a close (docs/protocol/rtsp.md#s5.4). The request reader and
/// the play loop share the connection; writes are serialised by a lock so a response never splits a frame.
/// </summary>
internal sealed partial class RtspServerSession
{
    /// <summary>The name that switches ffmpeg (and GStreamer) onto their WMS path (docs/protocol/rtsp.md#s0.1).</summary>
    public const string ServerName = "WMServer/9.0.0.3372";

    /// <summary>GET_PARAMETER listed: VLC sends keep-alives only then (docs/protocol/rtsp.md#s0.1).</summary>
    public const string PublicMethods = "OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER, SET_PARAMETER";

    /// <summary>We send end-of-stream requests and honour stream switches (docs/protocol/rtsp.md#s2.2, MS-RTSP 2.2.6.10).</summary>
    public const string SupportedFeatures = "com.microsoft.wm.eosmsg, com.microsoft.wm.sswitch";

    private const string LogConnectStatsType = "application/x-wms-Logconnectstats";
    private static readonly TimeSpan UdpDrainTime = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan TcpBurst = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan EndLinger = TimeSpan.FromSeconds(3);

    private readonly RtspServer _server;
    private readonly OriginContext _context;
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Shaping.WriteWatchdog _writes;
    private readonly ArrayBufferWriter<byte> _out = new(16 * 1024);
    private readonly Lock _selectionLock = new();
    private readonly List<RtspSetupStream> _setups = [];
    private readonly string _peer;
    private readonly IPAddress _peerAddress;
    private readonly string _sessionId = NewSessionId();
    private readonly uint _playlistGenId = OriginContext.NewSessionId();
    private readonly CancellationTokenSource _connection = new();
    private long _lastHeard;
    private int _serverCSeq;
    private bool _authenticated;
    private bool _firstRequest = true;

    private OriginMedia? _media;
    private SdpSession? _sdp;
    private string? _aggregateUrl;
    private AsfStreamSelection? _selection;
    private RtpCarrier? _carrier;
    private RtspLowerTransport? _lower;
    private RtspUdpPair? _avPorts;
    private RtspUdpPair? _rtxPorts;
    private IPEndPoint? _rtxTarget;
    private readonly List<Task> _udpLoops = [];
    private CancellationTokenSource? _playCts;
    private Task _play = Task.CompletedTask;
    private bool _playing;
    private bool _paused;
    private bool _ended;
    private CancellationToken _sessionToken;

    public RtspServerSession(RtspServer server, Socket socket)
    {
        _server = server;
        _context = server.Context;
        _socket = socket;
        _socket.NoDelay = true;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _logger = _context.Loggers.CreateLogger<RtspServerSession>();
        var remote = socket.RemoteEndPoint as IPEndPoint;
        _peer = remote?.ToString() ?? "?";
        _peerAddress = remote?.Address ?? IPAddress.Loopback;
        if (_peerAddress.IsIPv4MappedToIPv6) _peerAddress = _peerAddress.MapToIPv4();
        _authenticated = server.Authenticator is null;
        _writes = new Shaping.WriteWatchdog(_context.Time);
    }

    private TimeSpan SessionTimeout => _context.Options.RtspSessionTimeout;

    public async Task RunAsync(CancellationToken serverStopping)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(serverStopping, _connection.Token);
        _sessionToken = cts.Token;
        var reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024));
        _lastHeard = _context.Time.GetTimestamp();
        var timeout = TimeoutAsync(cts);
        var watchdog = _writes.RunAsync(_socket, _context.Options.IdleTimeout, cts.Token);
        LogSession(_logger, _peer, "connected");
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cts.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                var keepGoing = true;
                while (keepGoing)
                {
                    var sequence = new SequenceReader<byte>(buffer);
                    // GStreamer sends our end-of-stream request back to us with a NUL after its body that its
                    // Content-Length does not count (docs/protocol/rtsp.md#s5.4): a NUL between messages is skipped.
                    if (sequence.TryPeek(out var next) && next == 0)
                    {
                        buffer = buffer.Slice(1);
                        continue;
                    }
                    var kind = RtspInterleaved.Peek(ref sequence);
                    if (kind == RtspStreamItem.NeedMoreData) break;
                    if (kind == RtspStreamItem.InterleavedFrame)
                    {
                        // RTCP receiver reports (and anything else) from the client on its odd channels: proof of life only.
                        if (!RtspInterleaved.TryRead(ref sequence, out _)) break;
                        _lastHeard = _context.Time.GetTimestamp();
                        buffer = buffer.Slice(sequence.Position);
                        continue;
                    }
                    if (!RtspHeadParser.TryParseMessage(ref sequence, RtspLimits.Default, out var head, out var bodySequence)) break;
                    var body = bodySequence.ToArray();
                    buffer = buffer.Slice(sequence.Position);
                    keepGoing = await HandleAsync(head, body, cts.Token).ConfigureAwait(false);
                }
                if (!keepGoing) return;
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted) return;
            }
        }
        catch (MmsProtocolException e)
        {
            LogProtocolError(_logger, _peer, e.Message);
            await RespondAsync(400, null, new RtspHeaders().Add("CSeq", "0"), cts.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException or OverflowException)
        {
            // A request we did not foresee: end this connection, keep the server (and say what it was).
            LogProtocolError(_logger, _peer, $"closing after an unexpected {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            await cts.CancelAsync().ConfigureAwait(false);
            await StopPlayAsync().ConfigureAwait(false);
            await timeout.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await watchdog.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await reader.CompleteAsync().ConfigureAwait(false);
            await _stream.DisposeAsync().ConfigureAwait(false);
            _avPorts?.Dispose();
            _rtxPorts?.Dispose();
            await Task.WhenAll(_udpLoops).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _connection.Dispose();
            LogSession(_logger, _peer, "closed");
        }
    }

    /// <summary>
    /// Drops a session that has not been heard from within twice its timeout (docs/protocol/rtsp.md#s2.5: ffmpeg
    /// pings at half of it, VLC 2 s before it; RTCP receiver reports count too). A TCP session that is streaming is
    /// kept: its writes have their own deadline, and ffmpeg sends nothing while reading a fast on-demand burst.
    /// </summary>
    private async Task TimeoutAsync(CancellationTokenSource session)
    {
        var limit = SessionTimeout * 2;
        var period = TimeSpan.FromSeconds(Math.Clamp(SessionTimeout.TotalSeconds / 4, 0.25, 5));
        try
        {
            while (true)
            {
                await Task.Delay(period, _context.Time, session.Token).ConfigureAwait(false);
                if (_playing && _lower == RtspLowerTransport.Tcp) continue;
                if (_context.Time.GetElapsedTime(Volatile.Read(ref _lastHeard)) < limit) continue;
                LogSession(_logger, _peer, "session timeout");
                await session.CancelAsync().ConfigureAwait(false);
                _socket.Close();
                return;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Answers one message; false closes the connection.</summary>
    private async ValueTask<bool> HandleAsync(RtspMessageHead head, byte[] body, CancellationToken ct)
    {
        // A client's answer to one of our requests (the end of stream: 200, 501 from ffmpeg, 405 from live555,
        // docs/protocol/rtsp.md#s5.4) needs nothing more.
        if (!head.IsRequest) return true;
        Volatile.Write(ref _lastHeard, _context.Time.GetTimestamp());
        if (_firstRequest && _context.Faults.ResetDuringHandshake)
        {
            _socket.LingerState = new LingerOption(true, 0); // close with RST
            return false;
        }
        _firstRequest = false;
        var headers = new RtspHeaders().Add("CSeq", head.Headers["CSeq"] ?? "0").Add("Server", ServerName);
        LogRequest(_logger, _peer, head.Method, head.Uri);
        switch (head.Method)
        {
            case RtspMethods.Options:
                headers.Add("Public", PublicMethods).Add("Supported", SupportedFeatures);
                await RespondAsync(200, null, headers, ct).ConfigureAwait(false);
                return true;
            case RtspMethods.Describe:
                if (!await AuthorizeAsync(head, headers, ct).ConfigureAwait(false)) return true;
                await DescribeAsync(head, headers, ct).ConfigureAwait(false);
                return true;
            case RtspMethods.Setup:
                if (!await AuthorizeAsync(head, headers, ct).ConfigureAwait(false)) return true;
                await SetupAsync(head, body, headers, ct).ConfigureAwait(false);
                return true;
            case RtspMethods.Play:
                if (!await AuthorizeAsync(head, headers, ct).ConfigureAwait(false)) return true;
                if (!await CheckSessionAsync(head, headers, ct).ConfigureAwait(false)) return true;
                await PlayAsync(head, headers, ct).ConfigureAwait(false);
                return true;
            case RtspMethods.Pause:
                if (!await CheckSessionAsync(head, headers, ct).ConfigureAwait(false)) return true;
                await StopPlayAsync().ConfigureAwait(false);
                _paused = true;
                headers.Add("Session", _sessionId);
                await RespondAsync(200, null, headers, ct).ConfigureAwait(false);
                return true;
            case RtspMethods.GetParameter:
                // The keep-alive (docs/protocol/rtsp.md#s2.5): an empty 200.
                if (head.Session is not null && !await CheckSessionAsync(head, headers, ct).ConfigureAwait(false)) return true;
                if (head.Session is not null) headers.Add("Session", _sessionId);
                await RespondAsync(200, null, headers, ct).ConfigureAwait(false);
                return true;
            case RtspMethods.SetParameter:
                if (head.Session is not null && !await CheckSessionAsync(head, headers, ct).ConfigureAwait(false)) return true;
                await SetParameterAsync(head, body, headers, ct).ConfigureAwait(false);
                return true;
            case RtspMethods.Teardown:
                return await TeardownAsync(head, headers, ct).ConfigureAwait(false);
            default:
                headers.Add("Public", PublicMethods);
                await RespondAsync(501, null, headers, ct).ConfigureAwait(false);
                return true;
        }
    }

    /// <summary>
    /// Basic or Digest when the origin has credentials (docs/protocol/rtsp.md#s8): 401 with both challenges until a
    /// request on this connection carries valid ones; OPTIONS stays open, as ffmpeg needs its answer first.
    /// </summary>
    private async ValueTask<bool> AuthorizeAsync(RtspMessageHead head, RtspHeaders headers, CancellationToken ct)
    {
        if (_authenticated || _server.Authenticator is not { } authenticator) return true;
        var outcome = authenticator.Verify(head.Headers["Authorization"], head.Method, out var user);
        if (outcome == RtspAuthResult.Accepted)
        {
            _authenticated = true;
            LogAuthenticated(_logger, _peer, user ?? "?");
            return true;
        }
        foreach (var challenge in authenticator.Challenges(stale: outcome == RtspAuthResult.Stale)) headers.Add("WWW-Authenticate", challenge);
        await RespondAsync(401, null, headers, ct).ConfigureAwait(false);
        return false;
    }

    /// <summary>454 unless the request names this connection's session (after a SETUP made one).</summary>
    private async ValueTask<bool> CheckSessionAsync(RtspMessageHead head, RtspHeaders headers, CancellationToken ct)
    {
        if (_setups.Count == 0)
        {
            await RespondAsync(455, null, headers, ct).ConfigureAwait(false);
            return false;
        }
        if (head.Session is { } given && given.Id != _sessionId)
        {
            await RespondAsync(454, null, headers, ct).ConfigureAwait(false);
            return false;
        }
        return true;
    }

    private async Task DescribeAsync(RtspMessageHead head, RtspHeaders headers, CancellationToken ct)
    {
        var path = MediaPath(head.Uri);
        if (path is null)
        {
            await RespondAsync(400, null, headers, ct).ConfigureAwait(false);
            return;
        }
        if (_context.Options.Redirects.TryGetValue(path, out var target))
        {
            headers.Add("Location", target);
            await RespondAsync(302, null, headers, ct).ConfigureAwait(false);
            return;
        }
        if (!Describe(path, head.Uri, out var status))
        {
            await RespondAsync(status, null, headers, ct).ConfigureAwait(false);
            return;
        }
        var media = _media!;
        headers.Add("Content-Type", "application/sdp")
            .Add("Content-Base", _aggregateUrl!)
            .Add("X-Playlist-Gen-Id", _playlistGenId.ToString(CultureInfo.InvariantCulture))
            // 0 = pre-recorded, anything else a broadcast (docs/protocol/rtsp.md#s2.2).
            .Add("X-Broadcast-Id", media.IsLive ? BroadcastId(media.Name).ToString(CultureInfo.InvariantCulture) : "0")
            .Add("Supported", SupportedFeatures)
            .Add("Cache-Control", media.IsLive
                ? "no-cache"
                : string.Create(CultureInfo.InvariantCulture, $"x-wms-content-size={media.HeaderBytes.Length + (media.PacketCount * media.PacketSize)}, max-age=86399, must-revalidate, proxy-revalidate"))
            .Add("Vary", "Accept");
        await RespondAsync(200, null, headers, ct, _sdpBytes).ConfigureAwait(false);
        LogDescribed(_logger, _peer, media.Name, media.IsLive);
    }

    private byte[] _sdpBytes = [];

    /// <summary>Finds the media and writes its SDP (once per connection; a second DESCRIBE of other media replaces it).</summary>
    private bool Describe(string path, string requestUri, out int status)
    {
        status = 200;
        var media = _context.Catalog.Find(path, out var failure);
        if (media is null)
        {
            status = failure == LookupFailure.Unreadable ? 500 : 404;
            return false;
        }
        if (_setups.Count > 0 && !ReferenceEquals(media, _media))
        {
            status = 455; // one session, one presentation
            return false;
        }
        var query = requestUri.IndexOf('?', StringComparison.Ordinal);
        var aggregate = (query < 0 ? requestUri : requestUri[..query]).TrimEnd('/') + "/";
        var local = (_socket.LocalEndPoint as IPEndPoint)?.Address ?? IPAddress.Loopback;
        if (local.IsIPv4MappedToIPv6) local = local.MapToIPv4();
        string text;
        try
        {
            text = WmsSdpWriter.Write(new WmsSdpOptions
            {
                AsfHeader = media.HeaderBytes,
                ControlUrl = aggregate,
                Live = media.IsLive,
                SessionId = _sessionId,
                Address = local.ToString(),
            });
        }
        catch (Exception e) when (e is ArgumentException or MmsProtocolException)
        {
            // A header no peer could read from SDP even compacted (docs/protocol/rtsp.md#s0.3): refuse, keep the connection.
            LogProtocolError(_logger, _peer, $"cannot describe {media.Name}: {e.Message}");
            status = 500;
            return false;
        }
        _sdpBytes = Encoding.UTF8.GetBytes(text);
        _sdp = SdpParser.Parse(_sdpBytes, RtspLimits.Default);
        _media = media;
        _aggregateUrl = aggregate;
        return true;
    }

    private async Task SetupAsync(RtspMessageHead head, byte[] body, RtspHeaders headers, CancellationToken ct)
    {
        if (head.Session is { } given && given.Id != _sessionId)
        {
            await RespondAsync(454, null, headers, ct).ConfigureAwait(false);
            return;
        }
        // A SETUP without DESCRIBE on this connection: the presentation is the URL without its last segment.
        if (_sdp is null)
        {
            var path = MediaPath(head.Uri);
            var slash = path?.LastIndexOf('/') ?? -1;
            var parentUri = head.Uri.TrimEnd('/');
            if (path is null || slash <= 0 || !Describe(path[..slash], parentUri[..parentUri.LastIndexOf('/')], out _))
            {
                await RespondAsync(404, null, headers, ct).ConfigureAwait(false);
                return;
            }
        }
        if (FindMedia(head.Uri) is not { } described || described.StreamNumber is not { } streamNumber)
        {
            await RespondAsync(404, null, headers, ct).ConfigureAwait(false);
            return;
        }
        var isRtx = described.IsRetransmission;
        if (head.Headers["Transport"] is not { } transportText)
        {
            await RespondAsync(461, null, headers, ct).ConfigureAwait(false);
            return;
        }
        IReadOnlyList<RtspTransport> offered;
        try
        {
            offered = RtspTransport.ParseList(transportText);
        }
        catch (MmsProtocolException)
        {
            await RespondAsync(461, null, headers, ct).ConfigureAwait(false);
            return;
        }
        // Unicast RTP over the session's lower transport (the first SETUP chooses it); a 461 makes ffmpeg and VLC
        // try the other one (docs/protocol/rtsp.md#s2.3).
        var chosen = offered.FirstOrDefault(t => t.Profile.Equals("RTP/AVP", StringComparison.OrdinalIgnoreCase) && !t.Multicast
            && (_lower is null || t.Lower == _lower)
            && (t.Lower == RtspLowerTransport.Tcp || t.ClientPort is not null)
            && ValidPorts(t));
        if (chosen is null || (_context.Faults.Refuses("rtspu") && chosen.Lower == RtspLowerTransport.Udp))
        {
            await RespondAsync(461, null, headers, ct).ConfigureAwait(false);
            return;
        }

        var media = _media!;
        RtspTransport reply;
        RtspSetupStream setup;
        if (chosen.Lower == RtspLowerTransport.Tcp)
        {
            var channels = chosen.Interleaved ?? NextChannels();
            var rtpChannel = (byte)channels.First;
            var rtcpChannel = (byte)(channels.Second ?? channels.First + 1);
            if (!isRtx) _carrier ??= RtpCarrier.ForTcp(media.PacketSize, rtpChannel, WriteAsync);
            reply = chosen with { Interleaved = channels, Ssrc = _carrier?.Ssrc };
            setup = new RtspSetupStream(head.Uri, isRtx ? 0 : streamNumber, isRtx) { RtcpChannel = rtcpChannel };
        }
        else
        {
            var clientPort = chosen.ClientPort!.Value;
            var rtpTarget = new IPEndPoint(_peerAddress, clientPort.First);
            var rtcpTarget = new IPEndPoint(_peerAddress, clientPort.Second ?? clientPort.First + 1);
            RtspUdpPair pair;
            try
            {
                pair = isRtx ? _rtxPorts ??= OpenUdp(retransmission: true) : _avPorts ??= OpenUdp(retransmission: false);
            }
            catch (SocketException e)
            {
                LogProtocolError(_logger, _peer, $"no UDP ports for SETUP: {e.SocketErrorCode}");
                await RespondAsync(461, null, headers, ct).ConfigureAwait(false);
                return;
            }
            if (isRtx) _rtxTarget = rtpTarget;
            else _carrier ??= RtpCarrier.ForUdp(media.PacketSize, pair.Rtp, rtpTarget, _server);
            // client_port echoed as sent: ffmpeg takes the port of later streams from it (docs/protocol/rtsp.md#s0.5).
            reply = chosen with { ServerPort = new RtspPortPair(pair.RtpPort, pair.RtpPort + 1), Ssrc = _carrier?.Ssrc };
            setup = new RtspSetupStream(head.Uri, isRtx ? 0 : streamNumber, isRtx) { RtcpTarget = rtcpTarget };
        }
        _lower = chosen.Lower;
        // A SelectStream body in SETUP asks for key frames only (docs/protocol/rtsp.md#s6.1).
        if (!isRtx && IsStreamSwitch(head) && body.Length > 0)
        {
            foreach (var entry in WmsStreamSwitch.Parse(body, RtspLimits.Default))
                if (entry.NewStream == (uint)streamNumber) setup.Level = (ThinningLevel)Math.Clamp(entry.ThinLevel, 0, 2);
        }
        _setups.RemoveAll(s => s.StreamNumber == setup.StreamNumber && s.IsRetransmission == isRtx);
        _setups.Add(setup);
        if (!isRtx && _playing)
        {
            // Selecting a stream mid-session (MS-RTSP 3.2.5.6): it starts at its next key frame.
            lock (_selectionLock) _selection?.Select([(0xFFFF, streamNumber, setup.Level)], unlistedOff: false);
        }
        headers.Add("Session", new RtspSessionHeader(_sessionId, (int)SessionTimeout.TotalSeconds).ToString())
            .Add("Transport", reply.Format())
            .Add("X-Playlist-Gen-Id", _playlistGenId.ToString(CultureInfo.InvariantCulture));
        await RespondAsync(200, null, headers, ct).ConfigureAwait(false);
        LogSetup(_logger, _peer, head.Uri, reply.Format());
    }

    /// <summary>Channels fit a byte and ports a UDP port number; anything else is a transport we cannot serve.</summary>
    private static bool ValidPorts(RtspTransport transport) =>
        (transport.Interleaved is not { } channels || (channels.First is >= 0 and < 255 && channels.Second is null or (>= 0 and <= 255)))
        && (transport.ClientPort is not { } ports || (ports.First is > 0 and < IPEndPoint.MaxPort && ports.Second is null or (> 0 and <= IPEndPoint.MaxPort)));

    private RtspPortPair NextChannels()
    {
        var used = _setups.Select(s => s.RtcpChannel).DefaultIfEmpty((byte)255).Max();
        var first = used == 255 ? 0 : used + 1;
        return new RtspPortPair(first, first + 1);
    }

    private RtspUdpPair OpenUdp(bool retransmission)
    {
        var pair = RtspUdpPair.Open(((IPEndPoint)_socket.LocalEndPoint!).Address);
        var token = _connection.Token;
        _udpLoops.Add(ReceiveUdpAsync(pair.Rtp, retransmission, token));
        _udpLoops.Add(ReceiveUdpAsync(pair.Rtcp, retransmission, token));
        return pair;
    }

    /// <summary>
    /// What arrives on the server ports: punch packets and receiver reports (proof of life,
    /// docs/protocol/rtsp.md#s7.3) and, on the rtx pair, generic NACKs, answered with the lost RTP packets sent
    /// again to the client's rtx port (docs/protocol/rtsp.md#s7.1).
    /// </summary>
    private async Task ReceiveUdpAsync(Socket socket, bool retransmission, CancellationToken ct)
    {
        var buffer = new byte[2048];
        var resend = new byte[RtpCarrier.MaxRtpPacket];
        var lost = new ushort[RtcpGenericNack.MaxLost];
        EndPoint any = new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, ct).ConfigureAwait(false);
                var from = (IPEndPoint)received.RemoteEndPoint;
                if (!Normalise(from.Address).Equals(_peerAddress)) continue; // only the session's own client
                Volatile.Write(ref _lastHeard, _context.Time.GetTimestamp());
                var datagram = buffer.AsSpan(0, received.ReceivedBytes);
                if (!retransmission || _carrier is not { } carrier || _rtxTarget is not { } target) continue;
                if (datagram.Length < 12 || datagram[1] != (byte)RtcpPacketType.TransportFeedback) continue;
                var count = RtcpGenericNack.Parse(datagram, out _, out _, lost);
                var sent = 0;
                for (var i = 0; i < count; i++)
                {
                    var length = carrier.CopyFromHistory(lost[i], resend);
                    if (length == 0) continue;
                    _server.CountRetransmitted(1); // counted first: a client may see the packet before the send returns
                    await socket.SendToAsync(resend.AsMemory(0, length), SocketFlags.None, target, ct).ConfigureAwait(false);
                    sent++;
                }
                LogRetransmitted(_logger, _peer, count, sent);
            }
            catch (MmsProtocolException e)
            {
                LogProtocolError(_logger, _peer, $"ignoring a malformed NACK: {e.Message}");
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionRefused)
            {
                // ICMP port unreachable from a client port that closed: keep serving.
            }
            catch (SocketException)
            {
                return;
            }
        }
    }

    private static IPAddress Normalise(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private async Task PlayAsync(RtspMessageHead head, RtspHeaders headers, CancellationToken ct)
    {
        var media = _media!;
        var carrier = _carrier;
        if (carrier is null)
        {
            // Only the rtx stream was set up: nothing to carry.
            await RespondAsync(455, null, headers, ct).ConfigureAwait(false);
            return;
        }
        RtspNptRange? range = null;
        if (head.Headers["Range"] is { } rangeText)
        {
            if (!RtspNptRange.TryParse(rangeText, out var parsed))
            {
                await RespondAsync(457, null, headers, ct).ConfigureAwait(false);
                return;
            }
            range = parsed;
        }
        var resume = range is null && _paused;
        await StopPlayAsync().ConfigureAwait(false);

        // npt runs on the SDP's a=range axis, which starts at the preroll on demand (docs/protocol/rtsp.md#s3.3).
        var nptStart = _sdp?.Range?.StartSeconds ?? 0;
        var nptEnd = _sdp?.Range?.EndSeconds;
        MediaStart start;
        double playFrom;
        if (media.IsLive)
        {
            start = MediaStart.Beginning;
            playFrom = 0;
        }
        else if (range?.StartSeconds is { } from)
        {
            var contentTime = Math.Max(0, from - nptStart);
            start = contentTime > 0 ? MediaStart.AtTime(TimeSpan.FromSeconds(contentTime)) : MediaStart.Beginning;
            playFrom = nptStart + contentTime;
        }
        else if (resume && carrier.LastLocationId is { } last)
        {
            start = MediaStart.AtPacket(last + 1);
            playFrom = Math.Max(nptStart, carrier.LastTimestamp / 1000.0);
        }
        else
        {
            start = MediaStart.Beginning;
            playFrom = nptStart;
        }

        AsfStreamSelection selection;
        lock (_selectionLock)
        {
            _selection ??= new AsfStreamSelection(media.Header);
            _selection.Select(_setups.Where(s => !s.IsRetransmission).Select(s => (0xFFFF, s.StreamNumber, s.Level)), unlistedOff: true);
            _selection.Resynchronize();
            selection = _selection;
        }
        var rtpInfo = RtpInfoHeader.Format(_setups.Where(s => !s.IsRetransmission)
            .Select(s => new RtpInfoEntry(s.Url, carrier.NextSequence, (uint)(playFrom * 1000))));
        headers.Add("Session", _sessionId)
            .Add("Range", new RtspNptRange(playFrom, media.IsLive ? null : nptEnd).Format())
            .Add("RTP-Info", rtpInfo);
        // Echoed when sent (MS-RTSP 3.2.5.8).
        if (head.Headers["X-Accelerate-Streaming"] is { } accelerate) headers.Add("X-Accelerate-Streaming", accelerate);
        _paused = false;
        _ended = false;
        await RespondAsync(200, null, headers, ct).ConfigureAwait(false);

        var feed = media.OpenFeed(start, selection.Delivered);
        _playCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var playToken = _playCts.Token;
        // On demand is paced by send times after a fast start, as WMS streams (a whole file in one burst would
        // overrun a UDP receiver); live paces itself.
        TimeSpan? pace = media.IsLive ? null : carrier.IsUdp ? _context.Options.UdpBurst : TcpBurst;
        _playing = true;
        LogPlay(_logger, _peer, media.Name, selection.Delivered.ToString(), playFrom);
        _play = Task.Run(async () =>
        {
            using (feed)
            {
                try
                {
                    var outcome = await new PacketPump(_context).RunAsync(feed, selection, _selectionLock, carrier, playToken, pace, fullSize: true).ConfigureAwait(false);
                    if (outcome == PumpOutcome.Disconnect)
                    {
                        _socket.Close();
                        return;
                    }
                    if (carrier.IsUdp) await Task.Delay(UdpDrainTime, _context.Time, playToken).ConfigureAwait(false);
                    await EndOfStreamAsync(carrier, playToken).ConfigureAwait(false);
                    _ended = true;
                    _playing = false;
                    // WMS closes after the end of stream; ffmpeg and VLC end on BYE and the close (docs/protocol/rtsp.md#s5.4).
                    await Task.Delay(EndLinger, _context.Time, playToken).ConfigureAwait(false);
                    LogSession(_logger, _peer, "closing after the end of stream");
                    await _connection.CancelAsync().ConfigureAwait(false);
                    _socket.Close();
                }
                catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
                {
                }
                finally
                {
                    _playing = false;
                }
            }
        }, CancellationToken.None);
    }

    /// <summary>
    /// The end of on-demand content (docs/protocol/rtsp.md#s5.1): the X-Notice 2101 SET_PARAMETER, then one RTCP
    /// BYE compound per media description (ffmpeg stops when it has counted as many as it has streams, the rtx stream
    /// included: docs/protocol/rtsp.md#s5.4), spread over the RTCP channels or ports of the streams set up.
    /// </summary>
    private async Task EndOfStreamAsync(RtpCarrier carrier, CancellationToken ct)
    {
        var body = new WmsEndOfStream { SessionId = _sessionId, EndOfFile = true }.Format();
        var first = _setups.FirstOrDefault(s => !s.IsRetransmission);
        var headers = new RtspHeaders()
            .Add("CSeq", Interlocked.Increment(ref _serverCSeq).ToString(CultureInfo.InvariantCulture))
            .Add("Server", ServerName)
            .Add("Content-Type", WmsEndOfStream.ContentType)
            .Add("X-Notice", RtspNotice.EndOfStream.Format())
            .Add("Session", _sessionId);
        if (first is not null) headers.Add("RTP-Info", RtpInfoHeader.Format([new RtpInfoEntry(first.Url, carrier.NextSequence, null)]));
        await WriteFormattedAsync(o => RtspHeadWriter.WriteRequest(o, RtspMethods.SetParameter, _aggregateUrl!, headers, body), ct).ConfigureAwait(false);

        var goodbye = new byte[RtspInterleaved.HeaderSize + RtcpGoodbye.Size];
        var length = RtcpGoodbye.Write(goodbye.AsSpan(RtspInterleaved.HeaderSize), carrier.Ssrc, carrier.LastTimestamp, carrier.PacketCount, carrier.OctetCount, _context.Time.GetUtcNow());
        var streams = _setups.Where(s => !s.IsRetransmission).ToList();
        var rtx = _setups.FirstOrDefault(s => s.IsRetransmission);
        var byes = Math.Max(_sdp?.Media.Count ?? streams.Count, streams.Count);
        for (var i = 0; i < byes && streams.Count > 0; i++)
        {
            if (carrier.IsUdp)
            {
                var target = i == byes - 1 && rtx?.RtcpTarget is { } rtxTarget ? rtxTarget : streams[i % streams.Count].RtcpTarget!;
                var socket = ReferenceEquals(target, rtx?.RtcpTarget) ? _rtxPorts!.Rtcp : _avPorts!.Rtcp;
                await socket.SendToAsync(goodbye.AsMemory(RtspInterleaved.HeaderSize, length), SocketFlags.None, target, ct).ConfigureAwait(false);
            }
            else
            {
                RtspInterleaved.WriteHeader(goodbye, streams[i % streams.Count].RtcpChannel, length);
                await WriteAsync(goodbye, ct).ConfigureAwait(false);
            }
        }
        LogSession(_logger, _peer, "end of stream sent");
    }

    private async Task SetParameterAsync(RtspMessageHead head, byte[] body, RtspHeaders headers, CancellationToken ct)
    {
        if (IsStreamSwitch(head))
        {
            // MS-RTSP 2.2.7.10.3 (docs/protocol/rtsp.md#s6.2): replace OldStream by NewStream, or the same stream on both
            // sides to change its thinning; the replacement starts at its next key frame (docs/protocol/rtsp.md#s6.3).
            var entries = WmsStreamSwitch.Parse(body, RtspLimits.Default);
            var changes = entries.Select(e => (Source: StreamOrNone(e.OldStream), Destination: StreamOrNone(e.NewStream), Level: (ThinningLevel)Math.Clamp(e.ThinLevel, 0, 2))).ToList();
            lock (_selectionLock)
            {
                _selection ??= new AsfStreamSelection(_media!.Header);
                _selection.Select(changes, unlistedOff: false);
            }
            foreach (var (source, destination, level) in changes)
            {
                if (destination != 0xFFFF)
                {
                    var url = entries.FirstOrDefault(e => StreamOrNone(e.NewStream) == destination).NewStreamUri ?? head.Uri;
                    if (_setups.FirstOrDefault(s => s.StreamNumber == destination && !s.IsRetransmission) is { } existing) existing.Level = level;
                    else _setups.Add(new RtspSetupStream(url, destination, false) { Level = level, RtcpChannel = _setups.FirstOrDefault()?.RtcpChannel ?? 1, RtcpTarget = _setups.FirstOrDefault()?.RtcpTarget });
                }
                if (source != 0xFFFF && source != destination) _setups.RemoveAll(s => s.StreamNumber == source && !s.IsRetransmission);
            }
            LogSwitched(_logger, _peer, string.Join("; ", changes.Select(c => $"{c.Source}->{c.Destination} level {(int)c.Level}")));
        }
        // LogConnect statistics from WMP (docs/protocol/rtsp.md#s2.5) and anything else: accepted and not stored.
        if (head.Session is not null) headers.Add("Session", _sessionId);
        await RespondAsync(200, null, headers, ct).ConfigureAwait(false);
    }

    private static int StreamOrNone(uint stream) => stream == WmsStreamSwitchEntry.NoStream || stream is 0 or > 127 ? 0xFFFF : (int)stream;

    private static bool IsStreamSwitch(RtspMessageHead head) =>
        head.ContentType is { } type && type.StartsWith(WmsStreamSwitch.ContentType, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// TEARDOWN of one stream's URL deselects it (MS-RTSP 2.2.7.10.2) while others remain; of the presentation (or the
    /// last stream) it ends the session and the connection.
    /// </summary>
    private async Task<bool> TeardownAsync(RtspMessageHead head, RtspHeaders headers, CancellationToken ct)
    {
        if (head.Session is { } given && given.Id != _sessionId && _setups.Count > 0)
        {
            await RespondAsync(454, null, headers, ct).ConfigureAwait(false);
            return true;
        }
        var stream = _sdp is null ? null : FindMedia(head.Uri);
        var setup = stream is null ? null : _setups.FirstOrDefault(s => s.Url == head.Uri || (s.StreamNumber == stream.StreamNumber && !s.IsRetransmission));
        if (setup is not null && _setups.Count(s => !s.IsRetransmission) > 1 && !setup.IsRetransmission)
        {
            _setups.Remove(setup);
            lock (_selectionLock) _selection?.Select([(setup.StreamNumber, 0xFFFF, ThinningLevel.Off)], unlistedOff: false);
            headers.Add("Session", _sessionId);
            await RespondAsync(200, null, headers, ct).ConfigureAwait(false);
            return true;
        }
        await StopPlayAsync().ConfigureAwait(false);
        await RespondAsync(200, null, headers, ct).ConfigureAwait(false);
        LogSession(_logger, _peer, _ended ? "teardown after the end of stream" : "teardown");
        return false;
    }

    /// <summary>The described media description a SETUP or TEARDOWN URL names: aggregate URL + "/" + its control.</summary>
    private SdpMedia? FindMedia(string uri)
    {
        if (_sdp is null || _aggregateUrl is null) return null;
        var requestPath = PathOf(uri)?.Trim('/');
        if (requestPath is null) return null;
        foreach (var media in _sdp.Media)
        {
            var resolved = _sdp.ResolveControl(media, _aggregateUrl);
            if (PathOf(resolved)?.Trim('/') == requestPath) return media;
        }
        return null;
    }

    private static string? PathOf(string uri) =>
        Uri.TryCreate(uri, UriKind.Absolute, out var parsed) ? Uri.UnescapeDataString(parsed.AbsolutePath) : null;

    /// <summary>The catalog name in a request URL: its path, without slashes around it.</summary>
    private static string? MediaPath(string uri) => PathOf(uri)?.Trim('/');

    private static uint BroadcastId(string name) => (uint)Math.Max(1, name.Aggregate(17, (h, c) => unchecked((h * 31) + c)) & int.MaxValue);

    /// <summary>20 decimal digits, as WMS session ids are (docs/protocol/rtsp.md#s2.9).</summary>
    private static string NewSessionId() =>
        string.Create(CultureInfo.InvariantCulture, $"{Random.Shared.NextInt64(1_000_000_000, 9_999_999_999)}{Random.Shared.NextInt64(1_000_000_000, 9_999_999_999)}");

    private async Task StopPlayAsync()
    {
        if (_playCts is null) return;
        await _playCts.CancelAsync().ConfigureAwait(false);
        await _play.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _playCts.Dispose();
        _playCts = null;
        _playing = false;
    }

    private Task RespondAsync(int status, string? reason, RtspHeaders headers, CancellationToken ct, byte[]? body = null) =>
        WriteFormattedAsync(o => RtspHeadWriter.WriteResponse(o, status, reason, headers, body), ct);

    private async Task WriteFormattedAsync(Func<IBufferWriter<byte>, int> format, CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            _out.ResetWrittenCount();
            format(_out);
            _writes.Begin();
            // Once begun, a write finishes (or the session ends): a write cancelled half-way, by a PAUSE stopping
            // the play loop, would leave a torn frame that desynchronises the client (docs/protocol/rtsp.md#s9.3).
            await _stream.WriteAsync(_out.WrittenMemory, _sessionToken).ConfigureAwait(false);
            _writes.End();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Interleaved frames (and the garbage fault's bytes) onto the connection, between whole messages.</summary>
    private async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            _writes.Begin();
            await _stream.WriteAsync(bytes, _sessionToken).ConfigureAwait(false);
            _writes.End();
        }
        finally
        {
            _writeLock.Release();
        }
    }
}
