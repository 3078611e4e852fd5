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
internal sealed partial class MmstSession : MmstControlledSession
{
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
        : base(control, options, logger)
    {
    }

    public override MmsProtocol Protocol => MmsProtocol.Mmst;

    /// <summary>Connects and plays from the start. Throws <see cref="MmsClientException"/> or <see cref="MmsRedirectException"/>.</summary>
    public static async Task<MmstSession> ConnectAsync(Uri url, string host, int port, MmsClientOptions options,
        Guid clientGuid, ILogger logger, CancellationToken cancellationToken)
    {
        MmstControlChannel control = await OpenControlAsync(url, host, port, MmstFunnelTransport.Tcp, options, logger,
            cancellationToken).ConfigureAwait(false);
        try
        {
            var session = new MmstSession(control, options, logger);
            await session.HandshakeAsync(clientGuid, cancellationToken).ConfigureAwait(false);
            control.Connection.BatchStreamingReceives(options.ReceiveBatchWindow); // the packets come on this connection
            return session;
        }
        catch
        {
            await control.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // no allocation per packet
    public override async ValueTask<MmsReadResult> ReadAsync(CancellationToken cancellationToken)
    {
        await Gate.EnterAsync(this, cancellationToken).ConfigureAwait(false);
        try
        {
            Gate.ThrowIfClosed(this);
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
                        await Control.SendSelectionAsync(MmsSelection.Initial(Header, Options), MmsClientStep.Read,
                            cancellationToken).ConfigureAwait(false);
                        return MmsReadResult.HeaderChanged;
                    case ReadAction.SendPong:
                        await Control.SendAsync(new PongMessage(0, 0), MmsClientStep.Read, Options.ReadTimeout,
                            cancellationToken).ConfigureAwait(false);
                        break;
                    case ReadAction.NeedMore:
                        if (!await Control.Connection.ReceiveAsync(MmsClientStep.Read, Options.ReadTimeout,
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
            Gate.Exit();
        }
    }

    /// <summary>StopPlaying → ReportEndOfStream → StartPlaying at the new time with a new incarnation (docs/protocol/mmst.md#s1.6.2).</summary>
    private protected override async ValueTask SeekInTurnAsync(TimeSpan position, CancellationToken cancellationToken)
    {
        long deadline = MmsErrors.Deadline(Time, Options.HandshakeTimeout);
        await Control.SendAsync(new StopPlayingMessage(Control.OpenFileId, Control.PlayIncarnation),
            MmsClientStep.Seek, Options.HandshakeTimeout, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            MmstPdu pdu = await Control.NextAsync(MmsClientStep.Seek, deadline, allowData: true, cancellationToken)
                .ConfigureAwait(false);
            if (!pdu.IsCommand)
            {
                Control.CountStale();
                continue;
            }

            if (Control.HandleAcknowledgement(pdu, playing: _state != ReadState.Ended)) continue;
            if (pdu.MessageId == MmstMessageId.ReportEndOfStream
                && !Control.IsStale(pdu.ReadMessage<ReportEndOfStreamMessage>()))
            {
                break; // the answer to StopPlaying (or the natural end that crossed it; its answer is stale later)
            }
        }

        _state = ReadState.Playing;
        uint incarnation = Control.NextPlayIncarnation();
        LogSeek(position, incarnation);
        bool ended = await Control.StartPlayingAsync(
            StartPlayingMessage.FromTime(position.TotalSeconds, Control.OpenFileId, incarnation),
            MmsClientStep.Seek, deadline, cancellationToken).ConfigureAwait(false);
        if (ended) _state = ReadState.Ended; // nothing to play from there (a seek past the end)
    }

    /// <summary>Steps 1–7 of the canonical sequence (docs/protocol/mmst.md#s1.6.1) with the data on this connection.</summary>
    private async Task HandshakeAsync(Guid clientGuid, CancellationToken cancellationToken)
    {
        long deadline = MmsErrors.Deadline(Time, Options.HandshakeTimeout);
        int localPort = (Control.Connection.LocalEndPoint as IPEndPoint)?.Port ?? 0;
        await Control.OpenAsync(clientGuid, localPort, deadline, cancellationToken).ConfigureAwait(false);

        // 5. ReadBlock → ReportReadBlock + header pieces (docs/protocol/mmst.md#s1.5.7).
        await ReadHeaderAsync(deadline, cancellationToken).ConfigureAwait(false);

        // 6.–7. StreamSwitch, StartPlaying (docs/protocol/mmst.md#s1.5.8, docs/protocol/mmst.md#s1.5.9).
        if (await Control.SelectAndPlayAsync(deadline, cancellationToken).ConfigureAwait(false))
        {
            _state = ReadState.Ended; // nothing to play from there (e.g. a start position past the end)
        }
    }

    private async Task ReadHeaderAsync(long deadline, CancellationToken cancellationToken)
    {
        await Control.SendAsync(ReadBlockMessage.Create(Control.OpenFileId, MmstControlChannel.HeaderIncarnation),
            MmsClientStep.Header, Control.Remaining(deadline), cancellationToken).ConfigureAwait(false);
        MmsHeaderAssembler assembler = Control.Assembler;
        assembler.Reset();
        while (true)
        {
            MmstPdu pdu = await Control.NextAsync(MmsClientStep.Header, deadline, allowData: true, cancellationToken)
                .ConfigureAwait(false);
            if (pdu.IsCommand)
            {
                switch (pdu.MessageId)
                {
                    case MmstMessageId.ReportReadBlock:
                        Control.CheckHResult(pdu.ReadMessage<ReportReadBlockMessage>().HResult, MmsClientStep.Header,
                            "ReportReadBlock");
                        continue;
                    case MmstMessageId.ReportEndOfStream:
                        Control.CheckHResult(pdu.ReadMessage<ReportEndOfStreamMessage>().HResult, MmsClientStep.Header,
                            "ReportEndOfStream");
                        throw MmsErrors.Malformed(Url, MmsClientStep.Header, "ReportEndOfStream instead of the header");
                    default:
                        throw Control.Unexpected(MmsClientStep.Header, pdu.MessageId, "header pieces");
                }
            }

            // vlc takes header pieces whatever their incarnation and stops at fileHeaderSize; ffmpeg/libmms stop at
            // AFFlags 0x08/0x0C (docs/protocol/mmst.md#s1.3). Both rules end the header here.
            MmsDataPacketHeader piece = pdu.DataHeader;
            assembler.Append(pdu.Payload, MmsClientStep.Header);
            if (MmsDataPacketFlags.IsFinalHeaderPiece(piece.AfFlags)
                || (Control.HeaderSizeHint > 0 && assembler.Length >= Control.HeaderSizeHint))
            {
                break;
            }
        }

        Control.InstallHeader(MmsClientStep.Header);
    }

    /// <summary>One step of the read loop: cut a PDU and decide what it means (docs/protocol/mmst.md#s1.6.1 rows 7–8, docs/protocol/mmst.md#s1.5.10, docs/protocol/mmst.md#s1.5.11).</summary>
    private ReadAction ProcessOne(out MmsReadResult result)
    {
        result = default;
        if (!Control.TryNext(MmsClientStep.Read, allowData: true, out MmstPdu pdu)) return ReadAction.NeedMore;

        if (!pdu.IsCommand)
        {
            MmsDataPacketHeader data = pdu.DataHeader;
            if (data.PlayIncarnation == (byte)Control.PlayIncarnation && _state == ReadState.Playing)
            {
                _unusableSince = 0;
                // The receive buffer is one segment: the payload is its first.
                result = MmsReadResult.ForPacket(Control.Header.Repad(pdu.Payload.First, MmsClientStep.Read, "data packet"),
                    data.LocationId);
                return ReadAction.Packet;
            }

            if (_state == ReadState.CollectingHeader)
            {
                Control.Assembler.Append(pdu.Payload, MmsClientStep.Read);
                if (MmsDataPacketFlags.IsFinalHeaderPiece(data.AfFlags)
                    || (Control.HeaderSizeHint > 0 && Control.Assembler.Length >= Control.HeaderSizeHint))
                {
                    Control.InstallHeader(MmsClientStep.Read);
                    _state = ReadState.Playing;
                    LogHeaderChanged(Logger, Url, HeaderBytes.Length, Header.Streams.Count);
                    return ReadAction.HeaderChanged;
                }

                return ReadAction.Continue;
            }

            // An earlier play incarnation (before a seek) or packet-pair filler (docs/protocol/mmst.md#s1.6.5): drop it.
            Control.CountStale();
            CheckUnusableRun();
            return ReadAction.Continue;
        }

        _unusableSince = 0;

        if (Control.HandleAcknowledgement(pdu, playing: _state != ReadState.Ended)) return ReadAction.Continue;
        switch (pdu.MessageId)
        {
            case MmstMessageId.Ping:
                return ReadAction.SendPong;

            case MmstMessageId.ReportEndOfStream:
                var end = pdu.ReadMessage<ReportEndOfStreamMessage>();
                if (Control.IsStale(end)) return ReadAction.Continue;
                if (end.HResult == MmsHResult.Ok)
                {
                    _state = ReadState.Ended;
                    LogEndOfStream(Logger, Url, StalePackets);
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
                Control.CheckHResult(change.HResult, MmsClientStep.Read, "ReportStreamChange");
                _state = ReadState.CollectingHeader;
                Control.HeaderSizeHint = change.HeaderSize;
                Control.Assembler.Reset();
                return ReadAction.Continue;

            case MmstMessageId.ReportRedirect:
                throw new MmsClientException(MmsClientErrorKind.NotSupported, MmsClientStep.Read, Url,
                    "the server redirected the session while it was playing");

            default:
                Control.LogIgnored((uint)pdu.MessageId);
                return ReadAction.Continue;
        }
    }

    /// <summary>
    /// Ends the session when nothing but dropped data packets has arrived for a whole read deadline: what follows a
    /// seek is dropped for a moment only, a stream of them is a broken server (random bytes framed as data).
    /// </summary>
    private void CheckUnusableRun()
    {
        long now = Time.GetTimestamp();
        if (_unusableSince == 0)
        {
            _unusableSince = now;
            return;
        }

        if (Time.GetElapsedTime(_unusableSince, now) < Options.ReadTimeout) return;
        throw new MmsClientException(MmsClientErrorKind.TimedOut, MmsClientStep.Read, Url, string.Create(CultureInfo.InvariantCulture,
            $"no usable data from {Endpoint} for {Options.ReadTimeout.TotalSeconds:0.#} s: only data packets of another play incarnation ({StalePackets} dropped)"));
    }
}
