using System.Buffers;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using MmsGateway.Asf;
using MmsGateway.Mms.Mmst;
using MmsGateway.Mms.Mmsu;
using MmsGateway.Mms.Sessions;
using Microsoft.Extensions.Logging;

namespace MmsGateway.Mms.Client;

/// <summary>
/// An MMS-over-UDP client session (docs/protocol/mmsu.md#s1.8): the handshake of <see cref="MmstSession"/> on the
/// same <see cref="MmstControlChannel"/>, but the funnel names a local UDP port, FunnelInfo gives the client id for
/// resend requests, and header pieces and media arrive as datagrams (<see cref="MmsuDataChannel"/>). A background
/// loop reads the control connection (pings, acknowledgements, end of stream) while the reader takes packets from
/// the channel's reorder window. Server-side playlists are not followed over UDP.
/// </summary>
internal sealed partial class MmsuSession : IMmsSession
{
    /// <summary>ReadBlock tries over UDP before giving up (MS-MMSP 3.1.6.1: the Header timer, at most 4 retries).</summary>
    private const int HeaderTries = 4;

    /// <summary>
    /// The control connection is quiet while data flows over UDP except for the server's pings; a server drops a
    /// silent client after its idle timeout, 3600 s recommended (docs/protocol/mmst.md#s1.5.10), so that bounds the wait here too.
    /// </summary>
    private static readonly TimeSpan ControlIdleTimeout = TimeSpan.FromSeconds(3600);

    private readonly MmsClientOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly MmstControlChannel _control;
    private readonly MmsuDataChannel _udp;
    private readonly SingleReaderGate _gate = new();
    private Task _controlLoop = Task.CompletedTask;
    private volatile bool _ended;
    private volatile MmsClientException? _controlError;
    private volatile bool _udpEnded;
    private long _udpEndedAt;
    private volatile TaskCompletionSource? _stopAck;
    private volatile TaskCompletionSource? _startAck;

    private MmsuSession(MmstControlChannel control, MmsuDataChannel udp, MmsClientOptions options, ILogger logger)
    {
        _control = control;
        _udp = udp;
        _options = options;
        _time = options.TimeProvider;
        _logger = logger;
    }

    public MmsProtocol Protocol => MmsProtocol.Mmsu;

    /// <summary>The data channel's counters (resend requests, recovered and lost packets).</summary>
    internal MmsuDataChannel DataChannel => _udp;

    public Uri Url => _control.Url;

    public AsfHeader Header => _control.Header.Header;

    public ReadOnlyMemory<byte> HeaderBytes => _control.Header.Bytes;

    public bool IsBroadcast => _control.IsBroadcast;

    public AsfStreamSet SelectedStreams => _control.Selected;

    /// <summary>Data packets that came over TCP although the funnel is UDP (not ours).</summary>
    public long StalePackets => _control.StalePackets;

    private string Endpoint => _control.Endpoint;

    /// <summary>Connects and plays from the start. Throws <see cref="MmsClientException"/> or <see cref="MmsRedirectException"/>.</summary>
    public static async Task<MmsuSession> ConnectAsync(Uri url, string host, int port, MmsClientOptions options,
        Guid clientGuid, ILogger logger, CancellationToken cancellationToken)
    {
        MmsConnection connection = await MmsConnection.ConnectAsync(url, host, port, options.ConnectTimeout,
            options.TimeProvider, cancellationToken).ConfigureAwait(false);
        var control = new MmstControlChannel(url, connection, MmstFunnelTransport.Udp, options, logger);
        MmsuDataChannel? udp = null;
        try
        {
            udp = MmsuDataChannel.Open(url, (IPEndPoint)connection.LocalEndPoint!,
                ((IPEndPoint)connection.RemoteEndPoint!).Address, options, logger);
            var session = new MmsuSession(control, udp, options, logger);
            await session.HandshakeAsync(clientGuid, cancellationToken).ConfigureAwait(false);
            session._controlLoop = Task.Run(session.ControlLoopAsync, CancellationToken.None);
            return session;
        }
        catch
        {
            if (udp is not null) await udp.DisposeAsync().ConfigureAwait(false);
            await control.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The next packet of the reorder window, waiting at most <see cref="MmsClientOptions.ReadTimeout"/> for it. The
    /// end of the stream (ReportEndOfStream on the control connection) is reported once nothing is missing any more
    /// and the tail probes of the channel had their chance.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // no allocation per packet
    public async ValueTask<MmsReadResult> ReadAsync(CancellationToken cancellationToken)
    {
        await _gate.EnterAsync(this, cancellationToken).ConfigureAwait(false);
        try
        {
            long deadline = MmsErrors.Deadline(_time, _options.ReadTimeout);
            while (true)
            {
                _gate.ThrowIfClosed(this);
                if (_controlError is { } error) throw error;
                if (_ended) return MmsReadResult.EndOfStream;
                if (_udp.TryTake(out ReadOnlyMemory<byte> packet, out uint locationId, out bool nothingPending) == MmsuTake.Packet)
                {
                    return MmsReadResult.ForPacket(_control.Header.Repad(packet, MmsClientStep.Read, "data packet"), locationId);
                }

                TimeSpan wait = _control.Remaining(deadline);
                if (nothingPending && _udpEnded)
                {
                    // Give the tail probes two resend intervals after the end of stream (docs/protocol/mmsu.md#s1.8.7).
                    TimeSpan grace = (_options.MmsuResendInterval * 2) - _time.GetElapsedTime(Volatile.Read(ref _udpEndedAt));
                    if (grace <= TimeSpan.Zero)
                    {
                        _ended = true;
                        LogUdpEnd(_logger, Url, _udp.Requested, _udp.Recovered, _udp.Lost);
                        return MmsReadResult.EndOfStream;
                    }

                    if (grace < wait) wait = grace;
                }
                else if (wait <= TimeSpan.Zero)
                {
                    throw new MmsClientException(MmsClientErrorKind.TimedOut, MmsClientStep.Read, Url,
                        string.Create(CultureInfo.InvariantCulture,
                            $"no MMSU data from {Endpoint} for {_options.ReadTimeout.TotalSeconds:0.###} s"));
                }

                await _udp.Signal.WaitAsync(wait, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Exit();
        }
    }

    /// <summary>A StreamSwitch (0x33) on the control connection (docs/protocol/selection.md#s5.4); the control loop checks its answer.</summary>
    public async ValueTask SelectStreamsAsync(IReadOnlyList<StreamSelection> selection,
        CancellationToken cancellationToken)
    {
        _gate.ThrowIfClosed(this);
        await _control.SendSelectionAsync(selection, MmsClientStep.StreamSelection, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// StopPlaying, its ReportEndOfStream (seen by the control loop), then StartPlaying with a new play incarnation;
    /// the window restarts at sequence 0 for the new play (docs/protocol/mmst.md#s1.6.2, docs/protocol/mmsu.md#s1.8.6).
    /// </summary>
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
            if (_controlError is { } error) throw error;
            long deadline = MmsErrors.Deadline(_time, _options.HandshakeTimeout);
            var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _stopAck = stopped;
            _udp.EndPlay();
            await _control.SendAsync(new StopPlayingMessage(_control.OpenFileId, _control.PlayIncarnation),
                MmsClientStep.Seek, _control.Remaining(deadline), cancellationToken).ConfigureAwait(false);
            await AwaitAckAsync(stopped.Task, deadline, "ReportEndOfStream", cancellationToken).ConfigureAwait(false);
            _stopAck = null;

            _udpEnded = false;
            _ended = false;
            uint incarnation = _control.NextPlayIncarnation();
            LogSeek(_logger, Url, position.TotalSeconds, incarnation);
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _startAck = started;
            _udp.BeginPlay((byte)incarnation, _control.Header.PacketSize);
            await _control.SendAsync(StartPlayingMessage.FromTime(position.TotalSeconds, _control.OpenFileId, incarnation),
                MmsClientStep.Seek, _control.Remaining(deadline), cancellationToken).ConfigureAwait(false);
            await AwaitAckAsync(started.Task, deadline, "ReportStartedPlaying", cancellationToken).ConfigureAwait(false);
            _startAck = null;
        }
        finally
        {
            _stopAck = null;
            _startAck = null;
            _gate.Exit();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_gate.TryClose()) return;
        _control.Connection.Abort();
        _udp.Signal.Set();
        await _controlLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        bool locked = await _gate.WaitForReaderAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        try
        {
            await _control.SendCloseFileAsync().ConfigureAwait(false);
        }
        finally
        {
            if (locked) _gate.Exit();
            await _control.DisposeAsync().ConfigureAwait(false);
            await _udp.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Steps 1–7 of the canonical sequence (docs/protocol/mmst.md#s1.6.1) with the funnel, the header and the data over UDP.</summary>
    private async Task HandshakeAsync(Guid clientGuid, CancellationToken cancellationToken)
    {
        long deadline = MmsErrors.Deadline(_time, _options.HandshakeTimeout);
        _udp.ClientId = await _control.OpenAsync(clientGuid, _options.MmsuAdvertisedPort ?? _udp.LocalEndPoint.Port,
            deadline, cancellationToken).ConfigureAwait(false);
        _udp.SourceId = (ushort)_control.OpenFileId;

        // 5. ReadBlock → ReportReadBlock, the header pieces as datagrams (docs/protocol/mmst.md#s1.5.7, docs/protocol/mmsu.md#s1.8.5).
        await ReadHeaderAsync(deadline, cancellationToken).ConfigureAwait(false);

        // 6.–7. StreamSwitch, StartPlaying (docs/protocol/mmst.md#s1.5.8, docs/protocol/mmst.md#s1.5.9); the window is ready before the first datagram can come.
        _udp.BeginPlay((byte)_control.PlayIncarnation, _control.Header.PacketSize);
        if (await _control.SelectAndPlayAsync(deadline, cancellationToken).ConfigureAwait(false)) _ended = true;
    }

    /// <summary>
    /// ReadBlock until the header pieces arrive as datagrams (docs/protocol/mmsu.md#s1.8.5): each try waits the Header timer
    /// (<see cref="MmsClientOptions.MmsuHeaderTimeout"/>, else 1 s + header size / bitrate within 1–30 s, MS-MMSP
    /// 3.1.6.1), then sends CancelReadBlock and a ReadBlock with the next header incarnation (1..8, docs/protocol/mmst.md#s1.6.5). Nothing
    /// at all over UDP means UDP is blocked: the failure is marked for the TCP fall-back.
    /// </summary>
    private async Task ReadHeaderAsync(long deadline, CancellationToken cancellationToken)
    {
        uint bitrate = _control.FileBitrate;
        TimeSpan timer = _options.MmsuHeaderTimeout ?? TimeSpan.FromSeconds(Math.Clamp(
            1.0 + (bitrate > 0 ? _control.HeaderSizeHint * 8.0 / bitrate : 0), 1.0, 30.0));
        uint incarnation = MmstControlChannel.HeaderIncarnation;
        int tries = 0;
        while (tries < HeaderTries)
        {
            if (tries > 0)
            {
                await _control.SendAsync(new CancelReadBlockMessage(incarnation), MmsClientStep.Header,
                    _control.Remaining(deadline), cancellationToken).ConfigureAwait(false);
                incarnation = incarnation % 8 + 1;
                LogHeaderRetry(_logger, Url, tries + 1, timer.TotalMilliseconds);
            }

            TimeSpan left = _control.Remaining(deadline);
            TimeSpan wait = left < timer ? left : timer;
            if (wait <= TimeSpan.Zero) break;
            tries++;
            await _control.SendAsync(ReadBlockMessage.Create(_control.OpenFileId, incarnation), MmsClientStep.Header,
                _control.Remaining(deadline), cancellationToken).ConfigureAwait(false);
            byte[]? header = await _udp.ReceiveHeaderAsync((byte)incarnation, wait, cancellationToken).ConfigureAwait(false);
            if (header is null) continue;
            _control.Assembler.Reset();
            _control.Assembler.Append(new ReadOnlySequence<byte>(header), MmsClientStep.Header);
            _control.InstallHeader(MmsClientStep.Header);
            return;
        }

        string detail = _udp.Datagrams == 0
            ? string.Create(CultureInfo.InvariantCulture,
                $"no UDP datagram from {Endpoint} reached {_udp.LocalEndPoint} in {tries} ReadBlock tries of {timer.TotalSeconds:0.###} s: UDP is blocked on the way (NAT or firewall)")
            : string.Create(CultureInfo.InvariantCulture,
                $"the header pieces over UDP stayed incomplete after {tries} ReadBlock tries ({_udp.Datagrams} datagrams)");
        throw new MmsClientException(MmsClientErrorKind.TimedOut, MmsClientStep.Header, Url, detail) { MmsuFallback = true };
    }

    /// <summary>
    /// The TCP connection carries no data, only pings (answered), acknowledgements (checked) and the end of the
    /// stream (docs/protocol/mmsu.md#s1.8.8). Failures are kept for the reader, which throws them on its next call.
    /// </summary>
    private async Task ControlLoopAsync()
    {
        try
        {
            while (!_gate.IsClosed)
            {
                if (!_control.TryNext(MmsClientStep.Read, allowData: true, out MmstPdu pdu))
                {
                    if (!await _control.Connection.ReceiveAsync(MmsClientStep.Read, ControlIdleTimeout, CancellationToken.None)
                            .ConfigureAwait(false))
                    {
                        throw MmsErrors.Closed(Url, MmsClientStep.Read, Endpoint);
                    }

                    continue;
                }

                if (!pdu.IsCommand)
                {
                    _control.CountStale(); // data over TCP although the funnel is UDP: not ours
                    continue;
                }

                switch (pdu.MessageId)
                {
                    case MmstMessageId.Ping:
                        await _control.SendAsync(new PongMessage(0, 0), MmsClientStep.Read, _options.ReadTimeout,
                            CancellationToken.None).ConfigureAwait(false);
                        break;
                    case MmstMessageId.ReportStreamSwitch:
                        _control.CheckHResult(pdu.ReadMessage<ReportStreamSwitchMessage>().HResult,
                            MmsClientStep.StreamSelection, "ReportStreamSwitch");
                        break;
                    case MmstMessageId.ReportReadBlock:
                        _control.CheckHResult(pdu.ReadMessage<ReportReadBlockMessage>().HResult, MmsClientStep.Header,
                            "ReportReadBlock");
                        break;
                    case MmstMessageId.ReportStartedPlaying:
                        _control.CheckHResult(pdu.ReadMessage<ReportStartedPlayingMessage>().HResult, MmsClientStep.Seek,
                            "ReportStartedPlaying");
                        _startAck?.TrySetResult();
                        break;
                    case MmstMessageId.ReportEndOfStream:
                        var end = pdu.ReadMessage<ReportEndOfStreamMessage>();
                        if (_control.IsStale(end)) break;
                        if (_stopAck is { } stopped)
                        {
                            stopped.TrySetResult(); // the answer to the StopPlaying of a seek
                            break;
                        }

                        if (end.HResult == MmsHResult.EntryFinished)
                        {
                            throw new MmsClientException(MmsClientErrorKind.NotSupported, MmsClientStep.Read, Url,
                                "the server moved to the next entry of a server-side playlist, which this client follows over MMST and MMSH only");
                        }

                        _control.CheckHResult(end.HResult, MmsClientStep.Read, "ReportEndOfStream");
                        Volatile.Write(ref _udpEndedAt, _time.GetTimestamp());
                        _udpEnded = true;
                        _startAck?.TrySetResult(); // a seek past the end: nothing will play
                        _udp.Signal.Set();
                        break;
                    case MmstMessageId.ReportStreamChange:
                        throw new MmsClientException(MmsClientErrorKind.NotSupported, MmsClientStep.Read, Url,
                            "the server changed the stream (server-side playlist), which this client follows over MMST and MMSH only");
                    case MmstMessageId.ReportRedirect:
                        throw new MmsClientException(MmsClientErrorKind.NotSupported, MmsClientStep.Read, Url,
                            "the server redirected the session while it was playing");
                    default:
                        _control.LogIgnored((uint)pdu.MessageId);
                        break;
                }
            }
        }
        catch (MmsClientException e)
        {
            _controlError = e;
            _stopAck?.TrySetException(e);
            _startAck?.TrySetException(e);
            _udp.Signal.Set();
        }
        catch (ObjectDisposedException)
        {
            // The session is being disposed.
        }
    }

    private async Task AwaitAckAsync(Task ack, long deadline, string reply, CancellationToken cancellationToken)
    {
        try
        {
            await ack.WaitAsync(_control.Remaining(deadline), _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new MmsClientException(MmsClientErrorKind.TimedOut, MmsClientStep.Seek, Url,
                $"no {reply} from {Endpoint} within {_options.HandshakeTimeout.TotalSeconds:0.###} s");
        }
    }
}
