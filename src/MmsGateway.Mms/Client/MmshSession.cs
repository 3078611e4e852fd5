using System.Buffers;
using System.Globalization;
using System.Text;
using System.Runtime.CompilerServices;
using MmsGateway.Asf;
using MmsGateway.Asf.Packets;
using MmsGateway.Mms.Http;
using MmsGateway.Mms.Mmsh;
using MmsGateway.Mms.Mmst;
using MmsGateway.Mms.Sessions;
using Microsoft.Extensions.Logging;

namespace MmsGateway.Mms.Client;

/// <summary>
/// An MMS-over-HTTP client session in non-pipelined mode (docs/protocol/mmsh.md#s2, MS-WMSP): a Describe on one connection
/// (status, client-id, features, <c>$H</c>), then a Play on a new one (<c>xPlayStrm=1</c>, client-id, every stream in
/// <c>stream-switch-entry</c>), whose body is read with the rules of docs/protocol/mmsh.md#s2.9: <c>$H</c> again, <c>$D</c> re-padded,
/// <c>$E</c>/<c>$C</c> for end and playlist changes, <c>$M</c>/<c>$P</c>/unknown chunks skipped. Stream selection and
/// seeks are new Play requests (docs/protocol/mmsh.md#s2.8, docs/protocol/selection.md#s5.4).
/// </summary>
internal sealed partial class MmshSession : IMmsSession
{
    /// <summary>Most of a non-MMSH body kept for <see cref="MmsClientException.Content"/> (a playlist, docs/protocol/asx.md#s6).</summary>
    private const int MaxSniffedBody = 64 * 1024;

    private readonly Uri _requestUrl;
    private readonly string _host;
    private readonly int _port;
    private readonly MmsClientOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly string _clientGuid;
    private readonly string? _credentials;
    private readonly SingleReaderGate _gate = new();
    private readonly MmsHeaderAssembler _assembler;
    private readonly SessionHeader _current;

    private MmsConnection? _connection;
    private string? _authorization;
    private uint? _clientId;
    private uint _requestContext;
    private bool _hasFeatures;
    private bool _broadcastFeature;
    private bool _seekableFeature;
    private StreamSwitchEntry[] _entries = [];
    private AsfStreamSet _selected;
    private ReadState _state;
    private bool _headerAnnounced;
    private bool _pendingHeaderChange;
    private uint _lastSendTimeMs;
    private uint _lastLocationId;
    private long _packets;
    private long _handshakeDeadline;

    private enum ReadState
    {
        Streaming,

        /// <summary><c>$E</c> reason 1: a <c>$C</c> and the next entry's header follow (docs/protocol/mmsh.md#s2.5).</summary>
        AwaitingChange,

        /// <summary>Reading <c>$H</c> pieces (after <c>$C</c>, or a header the server sent on its own).</summary>
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
    }

    private enum HeaderScan
    {
        NeedMore,
        Continue,

        /// <summary>The header is complete (final AFFlags, or a non-<c>$H</c> chunk follows it).</summary>
        Complete,

        /// <summary>The body ended with <c>$E</c> before any data.</summary>
        Ended,
    }

    private MmshSession(Uri url, string host, int port, MmsClientOptions options, Guid clientGuid, ILogger logger)
    {
        _requestUrl = url;
        Url = MmsUrl.Redact(url);
        _host = host;
        _port = port;
        _options = options;
        _time = options.TimeProvider;
        _logger = logger;
        _clientGuid = "{" + clientGuid.ToString("D") + "}";
        _credentials = MmsUrl.BasicCredentials(url);
        _assembler = new MmsHeaderAssembler(options.MaxHeaderSize, Url);
        _current = new SessionHeader(Url);
    }

    public MmsProtocol Protocol => MmsProtocol.Mmsh;

    public Uri Url { get; }

    public AsfHeader Header => _current.Header;

    public ReadOnlyMemory<byte> HeaderBytes => _current.Bytes;

    /// <summary>
    /// <c>features</c> contains <c>broadcast</c>; without a features token (vlc assumes broadcast, libmms seekable,
    /// docs/protocol/mmsh.md#s2.6) the header's broadcast flag decides.
    /// </summary>
    public bool IsBroadcast => _hasFeatures ? _broadcastFeature : _current.Header.IsBroadcast;

    public AsfStreamSet SelectedStreams => _selected;

    /// <summary>The server-assigned session id (Pragma client-id).</summary>
    public uint? ClientId => _clientId;

    /// <summary>The URL's own name, not the address connected to (which the endpoint policy may have pinned).</summary>
    private string HostHeader => MmsUrl.Format(Url.DnsSafeHost, _port);

    public static async Task<MmshSession> ConnectAsync(Uri url, string host, int port, MmsClientOptions options,
        Guid clientGuid, ILogger logger, CancellationToken cancellationToken)
    {
        var session = new MmshSession(url, host, port, options, clientGuid, logger);
        try
        {
            await session.DescribeAsync(cancellationToken).ConfigureAwait(false);
            (StreamSwitchEntry[] entries, AsfStreamSet selected) =
                MmsSelection.Build(session._current.Header, MmsSelection.Initial(session._current.Header, options));
            uint? start = session.IsBroadcast ? null : (uint)(options.StartPosition?.TotalMilliseconds ?? 0);
            session._connection = await session.PlayAsync(entries, start, MmsClientStep.Play,
                session._handshakeDeadline, cancellationToken).ConfigureAwait(false);
            session._entries = entries;
            session._selected = selected;
            session._pendingHeaderChange = false; // a different header in the Play response simply replaces Describe's
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
            MmsConnection connection = _connection!;
            if (_pendingHeaderChange)
            {
                _pendingHeaderChange = false;
                return MmsReadResult.HeaderChanged;
            }

            while (true)
            {
                if (_state == ReadState.Ended) return MmsReadResult.EndOfStream;
                switch (ProcessOne(connection, out MmsReadResult result))
                {
                    case ReadAction.Packet:
                    case ReadAction.EndOfStream:
                    case ReadAction.HeaderChanged:
                        return result;
                    case ReadAction.NeedMore:
                        if (!await connection.ReceiveAsync(MmsClientStep.Read, _options.ReadTimeout, cancellationToken)
                                .ConfigureAwait(false))
                        {
                            return EndOfBody(connection);
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

    /// <summary>A new Play at the current position with the new entries (docs/protocol/selection.md#s5.4: "simply re-Play").</summary>
    public async ValueTask SelectStreamsAsync(IReadOnlyList<StreamSelection> selection,
        CancellationToken cancellationToken)
    {
        _gate.ThrowIfClosed(this);
        ArgumentNullException.ThrowIfNull(selection);
        await _gate.EnterAsync(this, cancellationToken).ConfigureAwait(false);
        try
        {
            _gate.ThrowIfClosed(this);
            (StreamSwitchEntry[] entries, AsfStreamSet selected) = MmsSelection.Build(_current.Header, selection);
            uint? position = IsBroadcast ? null : _lastSendTimeMs;
            await ReplayAsync(entries, position, MmsClientStep.StreamSelection, cancellationToken).ConfigureAwait(false);
            _selected = selected;
        }
        finally
        {
            _gate.Exit();
        }
    }

    /// <summary>A new Play with <c>stream-time</c> = position in ms, no preroll added (as ffmpeg sends it, docs/protocol/mmsh.md#s2.8).</summary>
    public async ValueTask SeekAsync(TimeSpan position, CancellationToken cancellationToken)
    {
        _gate.ThrowIfClosed(this);
        ArgumentOutOfRangeException.ThrowIfLessThan(position, TimeSpan.Zero);
        if (IsBroadcast || (_hasFeatures && !_seekableFeature))
        {
            throw new MmsClientException(MmsClientErrorKind.NotSupported, MmsClientStep.Seek, Url,
                IsBroadcast ? "live content cannot be seeked" : "the server does not announce the 'seekable' feature");
        }

        uint milliseconds = (uint)Math.Min(uint.MaxValue - 1, (ulong)position.TotalMilliseconds);
        await _gate.EnterAsync(this, cancellationToken).ConfigureAwait(false);
        try
        {
            _gate.ThrowIfClosed(this);
            await ReplayAsync(_entries, milliseconds, MmsClientStep.Seek, cancellationToken).ConfigureAwait(false);
            LogSeek(_logger, Url, milliseconds);
        }
        finally
        {
            _gate.Exit();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_gate.TryClose()) return;
        _connection?.Abort();
        bool locked = await _gate.WaitForReaderAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        try
        {
            // Non-pipelined mode: closing the Play connection ends the session (docs/protocol/mmsh.md#s2.8); no Stop request needed.
            // Read after the lock: a re-Play that was running may have replaced it.
            if (_connection is not null) await _connection.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            if (locked) _gate.Exit();
        }
    }

    private async Task ReplayAsync(StreamSwitchEntry[] entries, uint? streamTimeMs, MmsClientStep step,
        CancellationToken cancellationToken)
    {
        long deadline = MmsErrors.Deadline(_time, _options.HandshakeTimeout);
        MmsConnection next = await PlayAsync(entries, streamTimeMs, step, deadline, cancellationToken, newSession: true)
            .ConfigureAwait(false);
        MmsConnection? previous = _connection;
        _connection = next;
        _entries = entries;
        if (previous is not null) await previous.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Describe (docs/protocol/mmsh.md#s2.6): retried once with Basic credentials from the URL after a 401.</summary>
    private async Task DescribeAsync(CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            MmsConnection connection = await OpenAsync(_handshakeDeadline, cancellationToken).ConfigureAwait(false);

            // The handshake deadline runs from the first TCP connect (which has its own ConnectTimeout).
            if (_handshakeDeadline == 0) _handshakeDeadline = MmsErrors.Deadline(_time, _options.HandshakeTimeout);
            long deadline = _handshakeDeadline;
            await using (connection.ConfigureAwait(false))
            {
                MmshResponse response = await RequestAsync(connection, MmsClientStep.Describe,
                    (request, writer) => request.WriteDescribe(writer, ++_requestContext), deadline, cancellationToken)
                    .ConfigureAwait(false);
                if (response.StatusCode == 401 && _authorization is null && _credentials is not null && attempt == 0)
                {
                    _authorization = _credentials;
                    continue;
                }

                CheckStatus(response, MmsClientStep.Describe);
                _clientId = response.ClientId;
                _hasFeatures = response.HasFeatures;
                _broadcastFeature = response.HasFeature(MmshFeatures.Broadcast);
                _seekableFeature = response.HasFeature(MmshFeatures.Seekable);
                LogDescribed(_logger, Url, response.StatusCode, _clientId, string.Join(",", response.Features),
                    response.Headers["Server"]);

                await ExpectFramingAsync(connection, response, MmsClientStep.Describe, deadline, cancellationToken)
                    .ConfigureAwait(false);
                _assembler.Reset();
                while (true)
                {
                    HeaderScan scan = ScanHeader(connection, MmsClientStep.Describe);
                    if (scan is HeaderScan.Complete or HeaderScan.Ended) break;
                    if (scan == HeaderScan.NeedMore
                        && !await connection.ReceiveAsync(MmsClientStep.Describe, Remaining(deadline), cancellationToken)
                            .ConfigureAwait(false))
                    {
                        break; // vlc's rule: the Describe body ends after the $H (docs/protocol/interop.md#s10.16)
                    }
                }

                if (_assembler.Pieces == 0)
                {
                    throw MmsErrors.Malformed(Url, MmsClientStep.Describe, "the Describe response carries no $H header");
                }

                InstallHeader(MmsClientStep.Describe);
                return;
            }
        }
    }

    /// <summary>
    /// Play (docs/protocol/mmsh.md#s2.7) on a new connection, up to and including the header that starts its body. Data that follows
    /// stays in the returned connection's buffer. A header that differs from the current one replaces it and is
    /// reported by the next <see cref="ReadAsync"/>.
    /// </summary>
    /// <param name="newSession">
    /// Play without the client-id: a server refuses a Play for a session that is still streaming (hijack protection,
    /// MS-WMSP 3.2.5.6, docs/protocol/mmsh.md#s2.7), and the old Play connection stays open until the new one has its header.
    /// Open clients never send a client-id in Play at all (docs/protocol/mmsh.md#s2.7).
    /// </param>
    private async Task<MmsConnection> PlayAsync(StreamSwitchEntry[] entries, uint? streamTimeMs, MmsClientStep step,
        long deadline, CancellationToken cancellationToken, bool newSession = false)
    {
        for (int attempt = 0; ; attempt++)
        {
            MmsConnection connection = await OpenAsync(deadline, cancellationToken).ConfigureAwait(false);
            try
            {
                MmshResponse response = await RequestAsync(connection, step,
                    (request, writer) => request.WritePlay(writer, entries, streamTimeMs, ++_requestContext),
                    deadline, cancellationToken, withClientId: !newSession).ConfigureAwait(false);
                if (response.StatusCode == 401 && _authorization is null && _credentials is not null && attempt == 0)
                {
                    _authorization = _credentials;
                    await connection.DisposeAsync().ConfigureAwait(false);
                    continue;
                }

                CheckStatus(response, step);
                if (response.ClientId is uint clientId) _clientId = clientId;
                if (response.HasFeatures)
                {
                    _hasFeatures = true;
                    _broadcastFeature = response.HasFeature(MmshFeatures.Broadcast);
                    _seekableFeature = response.HasFeature(MmshFeatures.Seekable);
                }

                await ExpectFramingAsync(connection, response, step, deadline, cancellationToken).ConfigureAwait(false);
                _assembler.Reset();
                HeaderScan scan;
                while (true)
                {
                    scan = ScanHeader(connection, step);
                    if (scan is HeaderScan.Complete or HeaderScan.Ended) break;
                    if (scan == HeaderScan.NeedMore
                        && !await connection.ReceiveAsync(step, Remaining(deadline), cancellationToken)
                            .ConfigureAwait(false))
                    {
                        if (_assembler.Pieces > 0) break;
                        throw MmsErrors.Malformed(Url, step, "the Play response ended before any data");
                    }
                }

                // Every server resends the header (docs/protocol/interop.md#s10.12); one that does not keeps the Describe header.
                if (_assembler.Pieces > 0 && !SameAsCurrentHeader())
                {
                    InstallHeader(step);
                    _pendingHeaderChange = true;
                }

                _state = scan == HeaderScan.Ended ? ReadState.Ended : ReadState.Streaming;
                _packets = 0;
                connection.BatchStreamingReceives(_options.ReceiveBatchWindow);
                LogPlaying(_logger, Url, MmshStreamSwitch.Format(entries), streamTimeMs);
                return connection;
            }
            catch
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    private async Task<MmsConnection> OpenAsync(long deadline, CancellationToken cancellationToken)
    {
        TimeSpan timeout = _options.ConnectTimeout;
        if (deadline != 0)
        {
            TimeSpan left = Remaining(deadline);
            if (left <= TimeSpan.Zero)
            {
                throw new MmsClientException(MmsClientErrorKind.TimedOut, MmsClientStep.Connect, Url,
                    "the handshake deadline passed");
            }

            if (left < timeout) timeout = left;
        }

        return await MmsConnection.ConnectAsync(Url, _host, _port, timeout, _time, cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>Sends a request head and reads the response head.</summary>
    private async Task<MmshResponse> RequestAsync(MmsConnection connection, MmsClientStep step,
        Action<MmshClientRequest, IBufferWriter<byte>> write, long deadline, CancellationToken cancellationToken,
        bool withClientId = true)
    {
        var request = new MmshClientRequest(MmsUrl.HttpTarget(_requestUrl), HostHeader, _clientGuid)
        {
            UserAgent = "NSPlayer/" + _options.PlayerVersion,
            ClientId = withClientId ? _clientId : null,
        };
        var buffer = new ArrayBufferWriter<byte>(1024);
        write(request, buffer);
        ReadOnlyMemory<byte> head = buffer.WrittenMemory;
        if (_authorization is not null) head = MmshRequestHead.WithAuthorization(head.Span, "Basic " + _authorization);
        await connection.SendAsync(head, step, Remaining(deadline), cancellationToken).ConfigureAwait(false);

        while (true)
        {
            if (TryParseHead(connection, step, out MmshResponse? response)) return response;
            if (!await connection.ReceiveAsync(step, Remaining(deadline), cancellationToken).ConfigureAwait(false))
            {
                throw connection.BytesReceived == 0
                    ? new MmsClientException(MmsClientErrorKind.ConnectionLost, step, Url,
                        $"{connection.Endpoint} closed the connection without answering")
                    : MmsErrors.Malformed(Url, step, $"{connection.Endpoint} closed the connection inside the HTTP head");
            }
        }
    }

    private bool TryParseHead(MmsConnection connection, MmsClientStep step,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out MmshResponse? response)
    {
        response = null;
        ReadOnlySequence<byte> buffered = connection.Buffered;
        if (buffered.Length >= 5 && !buffered.FirstSpan[..5].SequenceEqual("HTTP/"u8))
        {
            throw new MmsClientException(MmsClientErrorKind.NotMmsServer, step, Url,
                $"{connection.Endpoint} does not answer in HTTP");
        }

        var reader = new SequenceReader<byte>(buffered);
        try
        {
            if (!MmshResponse.TryParse(ref reader, out response)) return false;
        }
        catch (MmsProtocolException e)
        {
            throw new MmsClientException(MmsClientErrorKind.NotMmsServer, step, Url,
                $"{connection.Endpoint} sent a malformed HTTP head: {e.Message}", e);
        }

        connection.Consume(reader.Consumed);
        connection.BeginBody(
            response.IsChunked ? HttpBodyFraming.Chunked
            : response.ContentLength is long length ? HttpBodyFraming.ContentLength
            : HttpBodyFraming.CloseDelimited,
            response.ContentLength ?? 0);
        return true;
    }

    /// <summary>Redirects (301/302/303/307/308, as vlc follows them, docs/protocol/mmsh.md#s2.6), 401, 404 and other errors.</summary>
    private void CheckStatus(MmshResponse response, MmsClientStep step)
    {
        int status = response.StatusCode;
        if (status is >= 200 and < 300) return;
        if (status is 301 or 302 or 303 or 307 or 308)
        {
            if (MmsUrl.Resolve(_requestUrl, response.Location) is not Uri location)
            {
                throw MmsErrors.Malformed(Url, MmsClientStep.Redirect, $"HTTP {status} without a usable Location");
            }

            throw new MmsRedirectException(location, step);
        }

        if (status is 401)
        {
            throw new MmsClientException(MmsClientErrorKind.AuthenticationRequired,
                _authorization is null ? step : MmsClientStep.Authentication, Url, _authorization is null
                    ? $"HTTP 401 ({response.Headers["WWW-Authenticate"] ?? "no WWW-Authenticate"}); put user:password in the URL"
                    : "HTTP 401: the server refused the credentials of the URL") { HttpStatusCode = status };
        }

        throw MmsErrors.FromHttpStatus(Url, step, status, response.ReasonPhrase);
    }

    /// <summary>
    /// The body must start with <c>$</c> framing (docs/protocol/mmsh.md#s2.5). Anything else is not MMSH: a metafile (<c>&lt;ASX</c>,
    /// <c>[Reference]</c>, docs/protocol/asx.md#s6) is reported as <see cref="MmsClientErrorKind.Playlist"/> with its bytes, so a resolver
    /// can follow it; a web page or a plain ASF file as <see cref="MmsClientErrorKind.NotMmsServer"/>.
    /// </summary>
    private async Task ExpectFramingAsync(MmsConnection connection, MmshResponse response, MmsClientStep step,
        long deadline, CancellationToken cancellationToken)
    {
        while (connection.BufferedLength == 0)
        {
            if (!await connection.ReceiveAsync(step, Remaining(deadline), cancellationToken).ConfigureAwait(false))
            {
                throw new MmsClientException(MmsClientErrorKind.NotMmsServer, step, Url,
                    $"HTTP {response.StatusCode} with an empty body ({response.ContentType ?? "no Content-Type"})")
                {
                    HttpStatusCode = response.StatusCode,
                };
            }
        }

        if ((connection.Buffered.FirstSpan[0] & 0x7F) == '$') return;

        try
        {
            while (connection.BufferedLength < MaxSniffedBody
                   && await connection.ReceiveAsync(step, Remaining(deadline), cancellationToken).ConfigureAwait(false))
            {
            }
        }
        catch (MmsClientException e) when (e.Kind is MmsClientErrorKind.TimedOut or MmsClientErrorKind.ConnectionLost)
        {
            // Classify what arrived.
        }

        ReadOnlySequence<byte> buffered = connection.Buffered;
        byte[] content = buffered.Slice(0, Math.Min(buffered.Length, MaxSniffedBody)).ToArray();
        string? kind = MetafileSniffer.Detect(content);
        if (kind is not null)
        {
            throw new MmsClientException(MmsClientErrorKind.Playlist, step, Url,
                $"the server sent {kind} ({response.ContentType ?? "no Content-Type"}) instead of MMSH framing")
            {
                Content = content,
                ContentType = response.ContentType,
                HttpStatusCode = response.StatusCode,
            };
        }

        bool asf = content.Length >= 16 && new Guid(content.AsSpan(0, 16)) == AsfGuids.Header;
        throw new MmsClientException(MmsClientErrorKind.NotMmsServer, step, Url, asf
            ? "the server sent a plain ASF file (HTTP download), not MMSH framing"
            : $"the body ({response.ContentType ?? "no Content-Type"}, \"{MetafileSniffer.Preview(content)}\") is not MMSH framing")
        {
            HttpStatusCode = response.StatusCode,
            ContentType = response.ContentType,
            PlainAsf = asf,
        };
    }

    /// <summary>One chunk of a Describe/Play body while the header is expected (docs/protocol/mmsh.md#s2.9 step 2).</summary>
    private HeaderScan ScanHeader(MmsConnection connection, MmsClientStep step)
    {
        var reader = new SequenceReader<byte>(connection.Buffered);
        MmshChunk chunk;
        try
        {
            if (!MmshFraming.TryReadChunk(ref reader, out chunk)) return HeaderScan.NeedMore;
        }
        catch (MmsProtocolException e)
        {
            throw MmsErrors.Malformed(Url, step, e.Message, e);
        }

        switch (chunk.Type)
        {
            case MmshChunkType.Header:
                _assembler.Append(chunk.Payload, step);
                connection.Consume(reader.Consumed);
                return chunk.IsFinalHeaderPiece ? HeaderScan.Complete : HeaderScan.Continue;
            case MmshChunkType.Data:
                // Not consumed: the header (if any) ended without a final flag (vlc's rule), data follows.
                return HeaderScan.Complete;
            case MmshChunkType.EndOfStream:
                connection.Consume(reader.Consumed);
                return chunk.Reason == MmshReason.EntryFinished ? HeaderScan.Continue : HeaderScan.Ended;
            case MmshChunkType.StreamChange:
                connection.Consume(reader.Consumed);
                _assembler.Reset();
                return HeaderScan.Continue;
            default:
                // $M, $P, $T: nothing this client needs.
                connection.Consume(reader.Consumed);
                return HeaderScan.Continue;
        }
    }

    /// <summary>One step of the read loop (docs/protocol/mmsh.md#s2.9 step 2).</summary>
    private ReadAction ProcessOne(MmsConnection connection, out MmsReadResult result)
    {
        result = default;
        var reader = new SequenceReader<byte>(connection.Buffered);
        MmshChunk chunk;
        try
        {
            if (!MmshFraming.TryReadChunk(ref reader, out chunk)) return ReadAction.NeedMore;
        }
        catch (MmsProtocolException e)
        {
            throw MmsErrors.Malformed(Url, MmsClientStep.Read, e.Message, e);
        }

        switch (chunk.Type)
        {
            case MmshChunkType.Data:
                if (_state == ReadState.AwaitingChange) _state = ReadState.Streaming;
                if (_state == ReadState.CollectingHeader)
                {
                    _state = ReadState.Streaming;
                    if (_assembler.Pieces > 0 && FinishHeader())
                    {
                        // Leave the $D for the next call: it belongs to the new header.
                        result = MmsReadResult.HeaderChanged;
                        return ReadAction.HeaderChanged;
                    }
                }

                connection.Consume(reader.Consumed);
                if (_state != ReadState.Streaming) return ReadAction.Continue;
                result = MmsReadResult.ForPacket(Repad(chunk.Payload), chunk.Preheader.LocationId);
                _lastLocationId = chunk.Preheader.LocationId;
                _packets++;
                return ReadAction.Packet;

            case MmshChunkType.Header:
                connection.Consume(reader.Consumed);
                if (_state != ReadState.CollectingHeader)
                {
                    // A header without $C before it: after $E reason 1 it is the next entry's; otherwise compare it
                    // with the current one when complete (a server may simply repeat it).
                    _headerAnnounced = _state == ReadState.AwaitingChange;
                    _state = ReadState.CollectingHeader;
                    _assembler.Reset();
                }

                _assembler.Append(chunk.Payload, MmsClientStep.Read);
                if (!chunk.IsFinalHeaderPiece) return ReadAction.Continue;
                _state = ReadState.Streaming;
                if (!FinishHeader()) return ReadAction.Continue;
                result = MmsReadResult.HeaderChanged;
                return ReadAction.HeaderChanged;

            case MmshChunkType.EndOfStream:
                connection.Consume(reader.Consumed);
                if (chunk.Reason == MmshReason.EntryFinished)
                {
                    _state = ReadState.AwaitingChange;
                    return ReadAction.Continue;
                }

                _state = ReadState.Ended;
                LogEndOfStream(_logger, Url, chunk.Reason, _packets);
                result = MmsReadResult.EndOfStream;
                return ReadAction.EndOfStream;

            case MmshChunkType.StreamChange:
                connection.Consume(reader.Consumed);
                _state = ReadState.CollectingHeader;
                _headerAnnounced = true;
                _assembler.Reset();
                return ReadAction.Continue;

            default:
                connection.Consume(reader.Consumed);
                return ReadAction.Continue;
        }
    }

    /// <summary>The body ended: a clean end after <c>$E</c>, or the header's packet count, else a lost connection.</summary>
    private MmsReadResult EndOfBody(MmsConnection connection)
    {
        if (_state == ReadState.CollectingHeader && _assembler.Pieces > 0)
        {
            _state = ReadState.Streaming;
            if (FinishHeader()) return MmsReadResult.HeaderChanged;
        }

        if (connection.BufferedLength > 0)
        {
            throw MmsErrors.Malformed(Url, MmsClientStep.Read,
                $"the body ended inside a chunk ({connection.BufferedLength} bytes left over)");
        }

        ulong declared = _current.Header.FileProperties.DataPacketsCount;
        if (!IsBroadcast && declared > 0 && _packets > 0 && _lastLocationId + 1UL >= declared)
        {
            _state = ReadState.Ended;
            LogEndOfStream(_logger, Url, uint.MaxValue, _packets);
            return MmsReadResult.EndOfStream;
        }

        throw MmsErrors.Closed(Url, MmsClientStep.Read, connection.Endpoint);
    }

    /// <summary>Installs the collected header; false when it equals the current one and no <c>$C</c> announced it.</summary>
    private bool FinishHeader()
    {
        if (!_headerAnnounced && SameAsCurrentHeader()) return false;
        InstallHeader(MmsClientStep.Read);
        _headerAnnounced = false;

        // The server keeps its stream selection by number; what it now sends is that intersected with the new header.
        AsfStreamSet kept = _selected.Intersect(_current.Header.AllStreams);
        _selected = kept.IsEmpty ? _current.Header.AllStreams : kept;
        LogHeaderChanged(_logger, Url, _current.Bytes.Length, _current.Header.Streams.Count);
        return true;
    }

    private bool SameAsCurrentHeader() => _current.IsCurrent(_assembler);

    private void InstallHeader(MmsClientStep step) => _current.Install(_assembler, step);

    /// <summary>The $D payload as a full-size packet (a slice of the receive buffer, or re-padded); notes its send time.</summary>
    private ReadOnlyMemory<byte> Repad(ReadOnlySequence<byte> payload)
    {
        ReadOnlyMemory<byte> received = payload.First; // the receive buffer is one segment
        ReadOnlyMemory<byte> packet = _current.Repad(received, MmsClientStep.Read, "$D");
        try
        {
            _lastSendTimeMs = AsfPacketParser.ParseHeader(packet.Span, _current.PacketSize).SendTime;
        }
        catch (AsfFormatException e)
        {
            // A packet of full size is passed on as received, only its send time is unknown; a re-padded one is broken.
            if (received.Length != _current.PacketSize)
            {
                throw MmsErrors.Malformed(Url, MmsClientStep.Read, $"a short $D cannot be re-padded: {e.Message}", e);
            }
        }

        return packet;
    }

    private TimeSpan Remaining(long deadline) => MmsErrors.Remaining(_time, deadline);
}

/// <summary>Helpers for the request head written by <see cref="MmshClientRequest"/>.</summary>
internal static class MmshRequestHead
{
    /// <summary>
    /// Adds an <c>Authorization</c> header before the empty line that ends <paramref name="head"/>
    /// (<see cref="MmshClientRequest"/> has no way to add one).
    /// </summary>
    public static byte[] WithAuthorization(ReadOnlySpan<byte> head, string authorization)
    {
        byte[] line = Encoding.ASCII.GetBytes("Authorization: " + authorization + "\r\n");
        int end = head.Length - 2; // the final CRLF
        byte[] result = new byte[head.Length + line.Length];
        head[..end].CopyTo(result);
        line.CopyTo(result.AsSpan(end));
        head[end..].CopyTo(result.AsSpan(end + line.Length));
        return result;
    }
}

/// <summary>Recognises metafiles an HTTP server may send instead of MMSH framing (docs/protocol/asx.md#s6.1 to docs/protocol/asx.md#s6.3).</summary>
internal static class MetafileSniffer
{
    /// <summary>"an ASX playlist", "a [Reference] file", or null.</summary>
    public static string? Detect(ReadOnlySpan<byte> content)
    {
        string text = Decode(content[..Math.Min(content.Length, 2048)]).TrimStart();
        if (text.StartsWith("<asx", StringComparison.OrdinalIgnoreCase)) return "an ASX playlist";
        if (text.StartsWith("[reference]", StringComparison.OrdinalIgnoreCase)) return "a [Reference] file";
        if (text.StartsWith("<?xml", StringComparison.OrdinalIgnoreCase))
        {
            int close = text.IndexOf("?>", StringComparison.Ordinal);
            if (close > 0 && text[(close + 2)..].TrimStart().StartsWith("<asx", StringComparison.OrdinalIgnoreCase))
                return "an ASX playlist";
        }

        return null;
    }

    /// <summary>The first characters as one printable line, for messages.</summary>
    public static string Preview(ReadOnlySpan<byte> content)
    {
        string text = Decode(content[..Math.Min(content.Length, 40)]);
        var builder = new StringBuilder(text.Length);
        foreach (char c in text) builder.Append(char.IsControl(c) ? ' ' : c);
        return builder.ToString().Trim();
    }

    private static string Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE])) return Encoding.Unicode.GetString(bytes[2..]);
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF])) return Encoding.BigEndianUnicode.GetString(bytes[2..]);
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) bytes = bytes[3..];
        return Encoding.Latin1.GetString(bytes);
    }
}
