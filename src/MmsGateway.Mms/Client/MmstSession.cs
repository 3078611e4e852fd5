using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using MmsGateway.Asf;
using MmsGateway.Mms.Mmst;
using MmsGateway.Mms.Sessions;
using Microsoft.Extensions.Logging;

namespace MmsGateway.Mms.Client;

/// <summary>
/// An MMS-over-TCP client session (docs/protocol/mmst.md#s1, the canonical sequence of docs/protocol/mmst.md#s1.6.1, MS-MMSP 4.3): Connect →
/// ConnectFunnel → OpenFile → ReadBlock + header pieces → StreamSwitch → StartPlaying → data packets, with Pings
/// answered, stale incarnations dropped (docs/protocol/mmst.md#s1.6.5), seeks by StopPlaying / StartPlaying (docs/protocol/mmst.md#s1.6.2) and playlist entry
/// changes (docs/protocol/mmst.md#s1.5.11). Control messages and data share the one TCP connection (<see cref="MmstControlChannel"/>), cut
/// apart by <see cref="MmstFraming.TryReadPdu"/>. The same control channel with data over UDP is
/// <see cref="MmsuSession"/>.
/// </summary>
internal sealed partial class MmstSession : IMmsSession
{
    private readonly MmsClientOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly MmstControlChannel _control;
    private readonly SingleReaderGate _gate = new();
    private ReadState _state = ReadState.Playing;

    /// <summary>
    /// When the current run of dropped data packets (wrong play incarnation) began, 0 when the last PDU was usable.
    /// Bytes keep the receive deadline alive, so a server sending nothing but unusable packets (garbage whose
    /// incarnation byte happens to differ) would otherwise look alive forever while no packet reaches the caller.
    /// </summary>
    private long _unusableSince;

    private enum ReadState
    {
        Playing,

        /// <summary>ReportEndOfStream hr 1 seen: a ReportStreamChange follows (docs/protocol/mmst.md#s1.5.11).</summary>
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

    private MmstSession(MmstControlChannel control, MmsClientOptions options, ILogger logger)
    {
        _control = control;
        _options = options;
        _time = options.TimeProvider;
        _logger = logger;
    }

    public MmsProtocol Protocol => MmsProtocol.Mmst;

    public Uri Url => _control.Url;

    public AsfHeader Header => _control.Header.Header;

    public ReadOnlyMemory<byte> HeaderBytes => _control.Header.Bytes;

    public bool IsBroadcast => _control.IsBroadcast;

    public AsfStreamSet SelectedStreams => _control.Selected;

    /// <summary>Data packets dropped because they carried an earlier play incarnation.</summary>
    public long StalePackets => _control.StalePackets;

    private string Endpoint => _control.Endpoint;

    /// <summary>Connects and plays from the start. Throws <see cref="MmsClientException"/> or <see cref="MmsRedirectException"/>.</summary>
    public static async Task<MmstSession> ConnectAsync(Uri url, string host, int port, MmsClientOptions options,
        Guid clientGuid, ILogger logger, CancellationToken cancellationToken)
    {
        MmsConnection connection = await MmsConnection.ConnectAsync(url, host, port, options.ConnectTimeout,
            options.TimeProvider, cancellationToken).ConfigureAwait(false);
        var control = new MmstControlChannel(url, connection, MmstFunnelTransport.Tcp, options, logger);
        try
        {
            var session = new MmstSession(control, options, logger);
            await session.HandshakeAsync(clientGuid, cancellationToken).ConfigureAwait(false);
            connection.BatchStreamingReceives(options.ReceiveBatchWindow); // the packets come on this connection
            return session;
        }
        catch
        {
            await control.DisposeAsync().ConfigureAwait(false);
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
            while (true)
            {
                if (_state == ReadState.Ended) return MmsReadResult.EndOfStream;
                switch (ProcessOne(out MmsReadResult result))
                {
                    case ReadAction.Packet:
                    case ReadAction.EndOfStream:
                        return result;
                    case ReadAction.HeaderChanged:
                        // The new entry's streams: tell the server what to send, as libmms does (docs/protocol/mmst.md#s1.5.11). Its
                        // ReportStreamSwitch comes back through this loop.
                        await _control.SendSelectionAsync(MmsSelection.Initial(Header, _options), MmsClientStep.Read,
                            cancellationToken).ConfigureAwait(false);
                        return MmsReadResult.HeaderChanged;
                    case ReadAction.SendPong:
                        await _control.SendAsync(new PongMessage(0, 0), MmsClientStep.Read, _options.ReadTimeout,
                            cancellationToken).ConfigureAwait(false);
                        break;
                    case ReadAction.NeedMore:
                        if (!await _control.Connection.ReceiveAsync(MmsClientStep.Read, _options.ReadTimeout,
                                cancellationToken).ConfigureAwait(false))
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
    /// Sends a StreamSwitch (0x33) listing every stream (docs/protocol/selection.md#s5.4). The ReportStreamSwitch (0x21) is consumed by
    /// <see cref="ReadAsync"/>; selection changes apply to packets the server sends after it (docs/protocol/selection.md#s5.2.3).
    /// </summary>
    public async ValueTask SelectStreamsAsync(IReadOnlyList<StreamSelection> selection,
        CancellationToken cancellationToken)
    {
        _gate.ThrowIfClosed(this);
        await _control.SendSelectionAsync(selection, MmsClientStep.StreamSelection, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>StopPlaying → ReportEndOfStream → StartPlaying at the new time with a new incarnation (docs/protocol/mmst.md#s1.6.2).</summary>
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
            long deadline = MmsErrors.Deadline(_time, _options.HandshakeTimeout);
            await _control.SendAsync(new StopPlayingMessage(_control.OpenFileId, _control.PlayIncarnation),
                MmsClientStep.Seek, _options.HandshakeTimeout, cancellationToken).ConfigureAwait(false);
            while (true)
            {
                MmstPdu pdu = await _control.NextAsync(MmsClientStep.Seek, deadline, allowData: true, cancellationToken)
                    .ConfigureAwait(false);
                if (!pdu.IsCommand)
                {
                    _control.CountStale();
                    continue;
                }

                if (_control.HandleAcknowledgement(pdu, playing: _state != ReadState.Ended)) continue;
                if (pdu.MessageId == MmstMessageId.ReportEndOfStream
                    && !_control.IsStale(pdu.ReadMessage<ReportEndOfStreamMessage>()))
                {
                    break; // the answer to StopPlaying (or the natural end that crossed it; its answer is stale later)
                }
            }

            _state = ReadState.Playing;
            uint incarnation = _control.NextPlayIncarnation();
            LogSeek(_logger, Url, position.TotalSeconds, incarnation);
            bool ended = await _control.StartPlayingAsync(
                StartPlayingMessage.FromTime(position.TotalSeconds, _control.OpenFileId, incarnation),
                MmsClientStep.Seek, deadline, cancellationToken).ConfigureAwait(false);
            if (ended) _state = ReadState.Ended; // nothing to play from there (a seek past the end)
        }
        finally
        {
            _gate.Exit();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_gate.TryClose()) return;
        _control.Connection.Abort();
        bool locked = await _gate.WaitForReaderAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        try
        {
            await _control.SendCloseFileAsync().ConfigureAwait(false);
        }
        finally
        {
            if (locked) _gate.Exit();
            await _control.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Steps 1–7 of the canonical sequence (docs/protocol/mmst.md#s1.6.1) with the data on this connection.</summary>
    private async Task HandshakeAsync(Guid clientGuid, CancellationToken cancellationToken)
    {
        long deadline = MmsErrors.Deadline(_time, _options.HandshakeTimeout);
        int localPort = (_control.Connection.LocalEndPoint as IPEndPoint)?.Port ?? 0;
        await _control.OpenAsync(clientGuid, localPort, deadline, cancellationToken).ConfigureAwait(false);

        // 5. ReadBlock → ReportReadBlock + header pieces (docs/protocol/mmst.md#s1.5.7).
        await ReadHeaderAsync(deadline, cancellationToken).ConfigureAwait(false);

        // 6.–7. StreamSwitch, StartPlaying (docs/protocol/mmst.md#s1.5.8, docs/protocol/mmst.md#s1.5.9).
        if (await _control.SelectAndPlayAsync(deadline, cancellationToken).ConfigureAwait(false))
        {
            _state = ReadState.Ended; // nothing to play from there (e.g. a start position past the end)
        }
    }

    private async Task ReadHeaderAsync(long deadline, CancellationToken cancellationToken)
    {
        await _control.SendAsync(ReadBlockMessage.Create(_control.OpenFileId, MmstControlChannel.HeaderIncarnation),
            MmsClientStep.Header, _control.Remaining(deadline), cancellationToken).ConfigureAwait(false);
        MmsHeaderAssembler assembler = _control.Assembler;
        assembler.Reset();
        while (true)
        {
            MmstPdu pdu = await _control.NextAsync(MmsClientStep.Header, deadline, allowData: true, cancellationToken)
                .ConfigureAwait(false);
            if (pdu.IsCommand)
            {
                switch (pdu.MessageId)
                {
                    case MmstMessageId.ReportReadBlock:
                        _control.CheckHResult(pdu.ReadMessage<ReportReadBlockMessage>().HResult, MmsClientStep.Header,
                            "ReportReadBlock");
                        continue;
                    case MmstMessageId.ReportEndOfStream:
                        _control.CheckHResult(pdu.ReadMessage<ReportEndOfStreamMessage>().HResult, MmsClientStep.Header,
                            "ReportEndOfStream");
                        throw MmsErrors.Malformed(Url, MmsClientStep.Header, "ReportEndOfStream instead of the header");
                    default:
                        throw _control.Unexpected(MmsClientStep.Header, pdu.MessageId, "header pieces");
                }
            }

            // vlc takes header pieces whatever their incarnation and stops at fileHeaderSize; ffmpeg/libmms stop at
            // AFFlags 0x08/0x0C (docs/protocol/mmst.md#s1.3). Both rules end the header here.
            MmsDataPacketHeader piece = pdu.DataHeader;
            assembler.Append(pdu.Payload, MmsClientStep.Header);
            if (MmsDataPacketFlags.IsFinalHeaderPiece(piece.AfFlags)
                || (_control.HeaderSizeHint > 0 && assembler.Length >= _control.HeaderSizeHint))
            {
                break;
            }
        }

        _control.InstallHeader(MmsClientStep.Header);
    }

    /// <summary>One step of the read loop: cut a PDU and decide what it means (docs/protocol/mmst.md#s1.6.1 rows 7–8, docs/protocol/mmst.md#s1.5.10, docs/protocol/mmst.md#s1.5.11).</summary>
    private ReadAction ProcessOne(out MmsReadResult result)
    {
        result = default;
        if (!_control.TryNext(MmsClientStep.Read, allowData: true, out MmstPdu pdu)) return ReadAction.NeedMore;

        if (!pdu.IsCommand)
        {
            MmsDataPacketHeader data = pdu.DataHeader;
            if (data.PlayIncarnation == (byte)_control.PlayIncarnation && _state == ReadState.Playing)
            {
                _unusableSince = 0;
                // The receive buffer is one segment: the payload is its first.
                result = MmsReadResult.ForPacket(_control.Header.Repad(pdu.Payload.First, MmsClientStep.Read, "data packet"),
                    data.LocationId);
                return ReadAction.Packet;
            }

            if (_state == ReadState.CollectingHeader)
            {
                _control.Assembler.Append(pdu.Payload, MmsClientStep.Read);
                if (MmsDataPacketFlags.IsFinalHeaderPiece(data.AfFlags)
                    || (_control.HeaderSizeHint > 0 && _control.Assembler.Length >= _control.HeaderSizeHint))
                {
                    _control.InstallHeader(MmsClientStep.Read);
                    _state = ReadState.Playing;
                    LogHeaderChanged(_logger, Url, HeaderBytes.Length, Header.Streams.Count);
                    return ReadAction.HeaderChanged;
                }

                return ReadAction.Continue;
            }

            // An earlier play incarnation (before a seek) or packet-pair filler (docs/protocol/mmst.md#s1.6.5): drop it.
            _control.CountStale();
            CheckUnusableRun();
            return ReadAction.Continue;
        }

        _unusableSince = 0;

        if (_control.HandleAcknowledgement(pdu, playing: _state != ReadState.Ended)) return ReadAction.Continue;
        switch (pdu.MessageId)
        {
            case MmstMessageId.Ping:
                return ReadAction.SendPong;

            case MmstMessageId.ReportEndOfStream:
                var end = pdu.ReadMessage<ReportEndOfStreamMessage>();
                if (_control.IsStale(end)) return ReadAction.Continue;
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
                _control.CheckHResult(change.HResult, MmsClientStep.Read, "ReportStreamChange");
                _state = ReadState.CollectingHeader;
                _control.HeaderSizeHint = change.HeaderSize;
                _control.Assembler.Reset();
                return ReadAction.Continue;

            case MmstMessageId.ReportRedirect:
                throw new MmsClientException(MmsClientErrorKind.NotSupported, MmsClientStep.Read, Url,
                    "the server redirected the session while it was playing");

            default:
                _control.LogIgnored((uint)pdu.MessageId);
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
}
