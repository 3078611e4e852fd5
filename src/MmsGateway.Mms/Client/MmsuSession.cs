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
internal sealed partial class MmsuSession : MmstControlledSession, IUpstreamLossReport
{
    /// <summary>ReadBlock tries over UDP before giving up (MS-MMSP 3.1.6.1: the Header timer, at most 4 retries).</summary>
    private const int HeaderTries = 4;

    /// <summary>
    /// The control connection is quiet while data flows over UDP except for the server's pings; a server drops a
    /// silent client after its idle timeout, 3600 s recommended (docs/protocol/mmst.md#s1.5.10), so that bounds the wait here too.
    /// </summary>
    private static readonly TimeSpan ControlIdleTimeout = TimeSpan.FromSeconds(3600);

    private readonly MmsuDataChannel _udp;
    private Task _controlLoop = Task.CompletedTask;
    private volatile bool _ended;
    private volatile MmsClientException? _controlError;
    private volatile bool _udpEnded;
    private long _udpEndedAt;
    private volatile TaskCompletionSource? _stopAck;
    private volatile TaskCompletionSource? _startAck;

    private MmsuSession(MmstControlChannel control, MmsuDataChannel udp, MmsClientOptions options, ILogger logger)
        : base(control, options, logger)
    {
        _udp = udp;
    }

    public override MmsProtocol Protocol => MmsProtocol.Mmsu;

    /// <summary>The data channel's counters (resend requests, recovered and lost packets).</summary>
    internal MmsuDataChannel DataChannel => _udp;

    /// <summary>Datagrams recovered by resend requests and given up on (docs/protocol/mmsu.md#s1.8.7); none torn.</summary>
    public UpstreamLossCounts LossCounts => new(_udp.Recovered, _udp.Lost, 0);

    /// <summary>Connects and plays from the start. Throws <see cref="MmsClientException"/> or <see cref="MmsRedirectException"/>.</summary>
    public static async Task<MmsuSession> ConnectAsync(Uri url, string host, int port, MmsClientOptions options,
        Guid clientGuid, ILogger logger, CancellationToken cancellationToken)
    {
        MmstControlChannel control = await OpenControlAsync(url, host, port, MmstFunnelTransport.Udp, options, logger,
            cancellationToken).ConfigureAwait(false);
        MmsConnection connection = control.Connection;
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
    public override async ValueTask<MmsReadResult> ReadAsync(CancellationToken cancellationToken)
    {
        await Gate.EnterAsync(this, cancellationToken).ConfigureAwait(false);
        try
        {
            long deadline = MmsErrors.Deadline(Time, Options.ReadTimeout);
            while (true)
            {
                Gate.ThrowIfClosed(this);
                if (_controlError is { } error) throw error;
                if (_ended) return MmsReadResult.EndOfStream;
                if (_udp.TryTake(out ReadOnlyMemory<byte> packet, out uint locationId, out bool nothingPending) == MmsuTake.Packet)
                {
                    return MmsReadResult.ForPacket(Control.Header.Repad(packet, MmsClientStep.Read, "data packet"), locationId);
                }

                TimeSpan wait = Control.Remaining(deadline);
                if (nothingPending && _udpEnded)
                {
                    // Give the tail probes two resend intervals after the end of stream (docs/protocol/mmsu.md#s1.8.7).
                    TimeSpan grace = (Options.MmsuResendInterval * 2) - Time.GetElapsedTime(Volatile.Read(ref _udpEndedAt));
                    if (grace <= TimeSpan.Zero)
                    {
                        _ended = true;
                        LogUdpEnd(Logger, Url, _udp.Requested, _udp.Recovered, _udp.Lost);
                        return MmsReadResult.EndOfStream;
                    }

                    if (grace < wait) wait = grace;
                }
                else if (wait <= TimeSpan.Zero)
                {
                    throw new MmsClientException(MmsClientErrorKind.TimedOut, MmsClientStep.Read, Url,
                        string.Create(CultureInfo.InvariantCulture,
                            $"no MMSU data from {Endpoint} for {Options.ReadTimeout.TotalSeconds:0.###} s"));
                }

                await _udp.Signal.WaitAsync(wait, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            Gate.Exit();
        }
    }

    /// <summary>
    /// StopPlaying, its ReportEndOfStream (seen by the control loop), then StartPlaying with a new play incarnation;
    /// the window restarts at sequence 0 for the new play (docs/protocol/mmst.md#s1.6.2, docs/protocol/mmsu.md#s1.8.6).
    /// </summary>
    private protected override async ValueTask SeekInTurnAsync(TimeSpan position, CancellationToken cancellationToken)
    {
        try
        {
            if (_controlError is { } error) throw error;
            long deadline = MmsErrors.Deadline(Time, Options.HandshakeTimeout);
            var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _stopAck = stopped;
            _udp.EndPlay();
            await Control.SendAsync(new StopPlayingMessage(Control.OpenFileId, Control.PlayIncarnation),
                MmsClientStep.Seek, Control.Remaining(deadline), cancellationToken).ConfigureAwait(false);
            await AwaitAckAsync(stopped.Task, deadline, "ReportEndOfStream", cancellationToken).ConfigureAwait(false);
            _stopAck = null;

            _udpEnded = false;
            _ended = false;
            uint incarnation = Control.NextPlayIncarnation();
            LogSeek(position, incarnation);
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _startAck = started;
            _udp.BeginPlay((byte)incarnation, Control.Header.PacketSize);
            await Control.SendAsync(StartPlayingMessage.FromTime(position.TotalSeconds, Control.OpenFileId, incarnation),
                MmsClientStep.Seek, Control.Remaining(deadline), cancellationToken).ConfigureAwait(false);
            await AwaitAckAsync(started.Task, deadline, "ReportStartedPlaying", cancellationToken).ConfigureAwait(false);
            _startAck = null;
        }
        finally
        {
            _stopAck = null;
            _startAck = null;
        }
    }

    /// <summary>The reader and the control loop may wait on the data channel: wake them, and let the loop end.</summary>
    private protected override async ValueTask StopDataAsync()
    {
        _udp.Signal.Set();
        await _controlLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private protected override ValueTask DisposeDataAsync() => _udp.DisposeAsync();

    /// <summary>Steps 1–7 of the canonical sequence (docs/protocol/mmst.md#s1.6.1) with the funnel, the header and the data over UDP.</summary>
    private async Task HandshakeAsync(Guid clientGuid, CancellationToken cancellationToken)
    {
        long deadline = MmsErrors.Deadline(Time, Options.HandshakeTimeout);
        _udp.ClientId = await Control.OpenAsync(clientGuid, Options.MmsuAdvertisedPort ?? _udp.LocalEndPoint.Port,
            deadline, cancellationToken).ConfigureAwait(false);
        _udp.SourceId = (ushort)Control.OpenFileId;

        // 5. ReadBlock → ReportReadBlock, the header pieces as datagrams (docs/protocol/mmst.md#s1.5.7, docs/protocol/mmsu.md#s1.8.5).
        await ReadHeaderAsync(deadline, cancellationToken).ConfigureAwait(false);

        // 6.–7. StreamSwitch, StartPlaying (docs/protocol/mmst.md#s1.5.8, docs/protocol/mmst.md#s1.5.9); the window is ready before the first datagram can come.
        _udp.BeginPlay((byte)Control.PlayIncarnation, Control.Header.PacketSize);
        if (await Control.SelectAndPlayAsync(deadline, cancellationToken).ConfigureAwait(false)) _ended = true;
    }

    /// <summary>
    /// ReadBlock until the header pieces arrive as datagrams (docs/protocol/mmsu.md#s1.8.5): each try waits the Header timer
    /// (<see cref="MmsClientOptions.MmsuHeaderTimeout"/>, else 1 s + header size / bitrate within 1–30 s, MS-MMSP
    /// 3.1.6.1), then sends CancelReadBlock and a ReadBlock with the next header incarnation (1..8, docs/protocol/mmst.md#s1.6.5). Nothing
    /// at all over UDP means UDP is blocked: the failure is marked for the TCP fall-back.
    /// </summary>
    private async Task ReadHeaderAsync(long deadline, CancellationToken cancellationToken)
    {
        uint bitrate = Control.FileBitrate;
        TimeSpan timer = Options.MmsuHeaderTimeout ?? TimeSpan.FromSeconds(Math.Clamp(
            1.0 + (bitrate > 0 ? Control.HeaderSizeHint * 8.0 / bitrate : 0), 1.0, 30.0));
        uint incarnation = MmstControlChannel.HeaderIncarnation;
        int tries = 0;
        while (tries < HeaderTries)
        {
            if (tries > 0)
            {
                await Control.SendAsync(new CancelReadBlockMessage(incarnation), MmsClientStep.Header,
                    Control.Remaining(deadline), cancellationToken).ConfigureAwait(false);
                incarnation = incarnation % 8 + 1;
                LogHeaderRetry(Logger, Url, tries + 1, timer.TotalMilliseconds);
            }

            TimeSpan left = Control.Remaining(deadline);
            TimeSpan wait = left < timer ? left : timer;
            if (wait <= TimeSpan.Zero) break;
            tries++;
            await Control.SendAsync(ReadBlockMessage.Create(Control.OpenFileId, incarnation), MmsClientStep.Header,
                Control.Remaining(deadline), cancellationToken).ConfigureAwait(false);
            byte[]? header = await _udp.ReceiveHeaderAsync((byte)incarnation, wait, cancellationToken).ConfigureAwait(false);
            if (header is null) continue;
            Control.Assembler.Reset();
            Control.Assembler.Append(new ReadOnlySequence<byte>(header), MmsClientStep.Header);
            Control.InstallHeader(MmsClientStep.Header);
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
            while (!Gate.IsClosed)
            {
                if (!Control.TryNext(MmsClientStep.Read, allowData: true, out MmstPdu pdu))
                {
                    if (!await Control.Connection.ReceiveAsync(MmsClientStep.Read, ControlIdleTimeout, CancellationToken.None)
                            .ConfigureAwait(false))
                    {
                        throw MmsErrors.Closed(Url, MmsClientStep.Read, Endpoint);
                    }

                    continue;
                }

                if (!pdu.IsCommand)
                {
                    Control.CountStale(); // data over TCP although the funnel is UDP: not ours
                    continue;
                }

                switch (pdu.MessageId)
                {
                    case MmstMessageId.Ping:
                        await Control.SendAsync(new PongMessage(0, 0), MmsClientStep.Read, Options.ReadTimeout,
                            CancellationToken.None).ConfigureAwait(false);
                        break;
                    case MmstMessageId.ReportStreamSwitch:
                        Control.CheckHResult(pdu.ReadMessage<ReportStreamSwitchMessage>().HResult,
                            MmsClientStep.StreamSelection, "ReportStreamSwitch");
                        break;
                    case MmstMessageId.ReportReadBlock:
                        Control.CheckHResult(pdu.ReadMessage<ReportReadBlockMessage>().HResult, MmsClientStep.Header,
                            "ReportReadBlock");
                        break;
                    case MmstMessageId.ReportStartedPlaying:
                        Control.CheckHResult(pdu.ReadMessage<ReportStartedPlayingMessage>().HResult, MmsClientStep.Seek,
                            "ReportStartedPlaying");
                        _startAck?.TrySetResult();
                        break;
                    case MmstMessageId.ReportEndOfStream:
                        var end = pdu.ReadMessage<ReportEndOfStreamMessage>();
                        if (Control.IsStale(end)) break;
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

                        Control.CheckHResult(end.HResult, MmsClientStep.Read, "ReportEndOfStream");
                        Volatile.Write(ref _udpEndedAt, Time.GetTimestamp());
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
                        Control.LogIgnored((uint)pdu.MessageId);
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
            await ack.WaitAsync(Control.Remaining(deadline), Time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new MmsClientException(MmsClientErrorKind.TimedOut, MmsClientStep.Seek, Url,
                $"no {reply} from {Endpoint} within {Options.HandshakeTimeout.TotalSeconds:0.###} s");
        }
    }
}
