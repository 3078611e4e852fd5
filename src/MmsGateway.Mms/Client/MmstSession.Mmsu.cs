using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using MmsGateway.Asf;
using MmsGateway.Mms.Mmst;
using MmsGateway.Mms.Mmsu;

namespace MmsGateway.Mms.Client;

/// <summary>The MMSU half of <see cref="MmstSession"/>: data over UDP (protocol.md §1.8).</summary>
internal sealed partial class MmstSession
{
    /// <summary>
    /// ReadBlock until the header pieces arrive as datagrams (§1.8 item 5): each try waits the Header timer
    /// (<see cref="MmsClientOptions.MmsuHeaderTimeout"/>, else 1 s + header size / bitrate within 1–30 s, MS-MMSP
    /// 3.1.6.1), then sends CancelReadBlock and a ReadBlock with the next header incarnation (1..8, §1.6.5). Nothing
    /// at all over UDP means UDP is blocked: the failure is marked for the TCP fall-back.
    /// </summary>
    private async Task ReadHeaderUdpAsync(MmsuDataChannel udp, long deadline, CancellationToken cancellationToken)
    {
        TimeSpan timer = _options.MmsuHeaderTimeout ?? TimeSpan.FromSeconds(Math.Clamp(
            1.0 + (_fileBitrate > 0 ? _headerSizeHint * 8.0 / _fileBitrate : 0), 1.0, 30.0));
        uint incarnation = HeaderIncarnation;
        int tries = 0;
        while (tries < MmsuHeaderTries)
        {
            if (tries > 0)
            {
                await SendAsync(new CancelReadBlockMessage(incarnation), MmsClientStep.Header, Remaining(deadline),
                    cancellationToken).ConfigureAwait(false);
                incarnation = incarnation % 8 + 1;
                LogHeaderRetry(_logger, Url, tries + 1, timer.TotalMilliseconds);
            }

            TimeSpan wait = Remaining(deadline) < timer ? Remaining(deadline) : timer;
            if (wait <= TimeSpan.Zero) break;
            tries++;
            await SendAsync(ReadBlockMessage.Create(_openFileId, incarnation), MmsClientStep.Header, Remaining(deadline),
                cancellationToken).ConfigureAwait(false);
            byte[]? header = await udp.ReceiveHeaderAsync((byte)incarnation, wait, cancellationToken).ConfigureAwait(false);
            if (header is null) continue;
            _assembler.Reset();
            _assembler.Append(new ReadOnlySequence<byte>(header), MmsClientStep.Header);
            InstallHeader(MmsClientStep.Header);
            return;
        }

        string detail = udp.Datagrams == 0
            ? string.Create(CultureInfo.InvariantCulture,
                $"no UDP datagram from {Endpoint} reached {udp.LocalEndPoint} in {tries} ReadBlock tries of {timer.TotalSeconds:0.###} s: UDP is blocked on the way (NAT or firewall)")
            : string.Create(CultureInfo.InvariantCulture,
                $"the header pieces over UDP stayed incomplete after {tries} ReadBlock tries ({udp.Datagrams} datagrams)");
        throw new MmsClientException(MmsClientErrorKind.TimedOut, MmsClientStep.Header, Url, detail) { MmsuFallback = true };
    }

    /// <summary>
    /// MMSU read: the next packet of the reorder window, waiting at most <see cref="MmsClientOptions.ReadTimeout"/>
    /// for it. The end of the stream (ReportEndOfStream on the control connection) is reported once nothing is
    /// missing any more and the tail probes of the channel had their chance.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // no allocation per packet
    private async ValueTask<MmsReadResult> ReadUdpAsync(MmsuDataChannel udp, CancellationToken cancellationToken)
    {
        await _gate.EnterAsync(this, cancellationToken).ConfigureAwait(false);
        try
        {
            long deadline = MmsErrors.Deadline(_time, _options.ReadTimeout);
            while (true)
            {
                _gate.ThrowIfClosed(this);
                if (_controlError is { } error) throw error;
                if (_state == ReadState.Ended) return MmsReadResult.EndOfStream;
                if (udp.TryTake(out ReadOnlyMemory<byte> packet, out uint locationId, out bool nothingPending) == MmsuTake.Packet)
                {
                    return MmsReadResult.ForPacket(_current.Repad(packet, MmsClientStep.Read, "data packet"), locationId);
                }

                TimeSpan wait = Remaining(deadline);
                if (nothingPending && _udpEnded)
                {
                    // Give the tail probes two resend intervals after the end of stream (§1.8 item 7).
                    TimeSpan grace = (_options.MmsuResendInterval * 2) - _time.GetElapsedTime(Volatile.Read(ref _udpEndedAt));
                    if (grace <= TimeSpan.Zero)
                    {
                        _state = ReadState.Ended;
                        LogUdpEnd(_logger, Url, udp.Requested, udp.Recovered, udp.Lost);
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

                await udp.Signal.WaitAsync(wait, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Exit();
        }
    }

    /// <summary>
    /// MMSU control: the TCP connection carries no data, only pings (answered), acknowledgements (checked) and the end
    /// of the stream (§1.8 item 8). Failures are kept for the reader, which throws them on its next call.
    /// </summary>
    private async Task ControlLoopAsync()
    {
        try
        {
            while (!_gate.IsClosed)
            {
                if (!TryNext(MmsClientStep.Read, allowData: true, out MmstPdu pdu))
                {
                    if (!await _connection.ReceiveAsync(MmsClientStep.Read, ControlIdleTimeout, CancellationToken.None)
                            .ConfigureAwait(false))
                    {
                        throw MmsErrors.Closed(Url, MmsClientStep.Read, Endpoint);
                    }

                    continue;
                }

                if (!pdu.IsCommand)
                {
                    Interlocked.Increment(ref _stalePackets); // data over TCP although the funnel is UDP: not ours
                    continue;
                }

                switch (pdu.MessageId)
                {
                    case MmstMessageId.Ping:
                        await SendAsync(new PongMessage(0, 0), MmsClientStep.Read, _options.ReadTimeout,
                            CancellationToken.None).ConfigureAwait(false);
                        break;
                    case MmstMessageId.ReportStreamSwitch:
                        CheckHResult(pdu.ReadMessage<ReportStreamSwitchMessage>().HResult, MmsClientStep.StreamSelection,
                            "ReportStreamSwitch");
                        break;
                    case MmstMessageId.ReportReadBlock:
                        CheckHResult(pdu.ReadMessage<ReportReadBlockMessage>().HResult, MmsClientStep.Header, "ReportReadBlock");
                        break;
                    case MmstMessageId.ReportStartedPlaying:
                        CheckHResult(pdu.ReadMessage<ReportStartedPlayingMessage>().HResult, MmsClientStep.Seek,
                            "ReportStartedPlaying");
                        _startAck?.TrySetResult();
                        break;
                    case MmstMessageId.ReportEndOfStream:
                        var end = pdu.ReadMessage<ReportEndOfStreamMessage>();
                        if (IsStale(end)) break;
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

                        CheckHResult(end.HResult, MmsClientStep.Read, "ReportEndOfStream");
                        Volatile.Write(ref _udpEndedAt, _time.GetTimestamp());
                        _udpEnded = true;
                        _startAck?.TrySetResult(); // a seek past the end: nothing will play
                        _udp!.Signal.Set();
                        break;
                    case MmstMessageId.ReportStreamChange:
                        throw new MmsClientException(MmsClientErrorKind.NotSupported, MmsClientStep.Read, Url,
                            "the server changed the stream (server-side playlist), which this client follows over MMST and MMSH only");
                    case MmstMessageId.ReportRedirect:
                        throw new MmsClientException(MmsClientErrorKind.NotSupported, MmsClientStep.Read, Url,
                            "the server redirected the session while it was playing");
                    default:
                        LogIgnored(_logger, Url, (uint)pdu.MessageId);
                        break;
                }
            }
        }
        catch (MmsClientException e)
        {
            _controlError = e;
            _stopAck?.TrySetException(e);
            _startAck?.TrySetException(e);
            _udp!.Signal.Set();
        }
        catch (ObjectDisposedException)
        {
            // The session is being disposed.
        }
    }

    /// <summary>
    /// MMSU seek: StopPlaying, its ReportEndOfStream (seen by the control loop), then StartPlaying with a new play
    /// incarnation; the window restarts at sequence 0 for the new play (§1.6.2, §1.8 item 6).
    /// </summary>
    private async Task SeekUdpAsync(MmsuDataChannel udp, TimeSpan position, CancellationToken cancellationToken)
    {
        await _gate.EnterAsync(this, cancellationToken).ConfigureAwait(false);
        try
        {
            _gate.ThrowIfClosed(this);
            if (_controlError is { } error) throw error;
            long deadline = MmsErrors.Deadline(_time, _options.HandshakeTimeout);
            var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _stopAck = stopped;
            udp.EndPlay();
            await SendAsync(new StopPlayingMessage(_openFileId, _playIncarnation), MmsClientStep.Seek,
                Remaining(deadline), cancellationToken).ConfigureAwait(false);
            await AwaitAckAsync(stopped.Task, deadline, "ReportEndOfStream", cancellationToken).ConfigureAwait(false);
            _stopAck = null;

            _udpEnded = false;
            _state = ReadState.Playing;
            uint incarnation = NextPlayIncarnation();
            LogSeek(_logger, Url, position.TotalSeconds, incarnation);
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _startAck = started;
            udp.BeginPlay((byte)incarnation, _current.Header.PacketSize);
            await SendAsync(StartPlayingMessage.FromTime(position.TotalSeconds, _openFileId, incarnation), MmsClientStep.Seek,
                Remaining(deadline), cancellationToken).ConfigureAwait(false);
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

    private async Task AwaitAckAsync(Task ack, long deadline, string reply, CancellationToken cancellationToken)
    {
        try
        {
            await ack.WaitAsync(Remaining(deadline), _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new MmsClientException(MmsClientErrorKind.TimedOut, MmsClientStep.Seek, Url,
                $"no {reply} from {Endpoint} within {_options.HandshakeTimeout.TotalSeconds:0.###} s");
        }
    }
}
