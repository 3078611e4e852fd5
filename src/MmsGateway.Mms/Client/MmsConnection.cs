using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using MmsGateway.Mms.Http;

namespace MmsGateway.Mms.Client;

/// <summary>
/// The socket side of a session (the NATS.Net-style split: this class only moves bytes, the codecs in Mmst/ and
/// Mmsh/ parse them). One pooled receive buffer per connection, reused for the whole session: parsers see
/// <see cref="Buffered"/>, consume what they used, and may hand out slices of it that stay valid until the next
/// <see cref="ReceiveAsync"/>, which is the only place the buffer is compacted. An HTTP body is taken apart from its
/// framing by <see cref="HttpBodyDecoder"/> in place, so the parsers always see the plain body. Every receive and send
/// has a deadline (a reusable timer from the <see cref="TimeProvider"/>: no allocation per receive). Dialing is
/// <see cref="TcpDialer"/>'s, the size of a streaming receive <see cref="ReceiveBatching"/>'s.
/// </summary>
internal sealed class MmsConnection : IAsyncDisposable
{
    /// <summary>
    /// Large enough for the largest unit plus slack: an MMST data packet or command (≤ 64 KiB + 16), an MMSH chunk
    /// (≤ 4 + 65 535), an HTTP head (≤ 16 KiB, MmshHttpHead.MaxHeadLength).
    /// </summary>
    public const int Capacity = 256 * 1024;

    /// <summary>Compact before a receive when less than this is free at the end.</summary>
    private const int CompactThreshold = 80 * 1024;

    private readonly Socket _socket;
    private readonly TimeProvider _time;
    private readonly ITimer _receiveTimer;
    private readonly Uri _url;
    private byte[] _buffer;

    // [_start, _end) decoded bytes the parser sees; [_end, _rawEnd) received bytes not decoded yet (chunked only).
    private int _start;
    private int _end;
    private int _rawEnd;

    private readonly Lock _timerLock = new();
    private CancellationTokenSource _receiveCts = new();
    private long _receiveDeadline = long.MaxValue;
    // When the receive timer is due (timestamp), MaxValue when it is not armed. The timer is only moved when a deadline
    // comes before it: a receive per upstream packet would otherwise change it twice per packet, and every change wakes
    // the runtime's timer thread. A timer left armed past a receive fires once for nothing or re-arms for the next one.
    private long _timerDue = long.MaxValue;
    private volatile bool _receiveTimedOut;
    // Batching of streaming receives (SO_RCVLOWAT): null until a session turns it on; _holdDeadline is when a pending
    // receive stops waiting for its batch (MaxValue when it is not waiting for one).
    private ReceiveBatching? _batching;
    private int _lowWaterMark = 1;
    private long _holdDeadline = long.MaxValue;
    private volatile bool _aborted;
    private bool _disposed;

    private HttpBodyDecoder _body = HttpBodyDecoder.Raw;
    private bool _socketEof;

    private MmsConnection(Socket socket, Uri url, TimeProvider time)
    {
        _socket = socket;
        _url = url;
        _time = time;
        _buffer = ArrayPool<byte>.Shared.Rent(Capacity);
        _receiveTimer = time.CreateTimer(static state => ((MmsConnection)state!).OnReceiveTimer(), this,
            Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public EndPoint? LocalEndPoint => _socket.LocalEndPoint;

    public EndPoint? RemoteEndPoint => _socket.RemoteEndPoint;

    public string Endpoint { get; private init; } = string.Empty;

    /// <summary>Total bytes received from the socket.</summary>
    public long BytesReceived { get; private set; }

    /// <summary>The decoded bytes not consumed yet: one segment of the receive buffer.</summary>
    public ReadOnlySequence<byte> Buffered => new(_buffer, _start, _end - _start);

    public int BufferedLength => _end - _start;

    /// <summary>True once the body (or the socket) has ended and everything decoded is consumed.</summary>
    public bool IsDrained => (_body.IsComplete || _socketEof) && _start == _end;

    /// <summary>Dials <paramref name="host"/> (<see cref="TcpDialer"/>, failures mapped to step Connect).</summary>
    public static async Task<MmsConnection> ConnectAsync(Uri url, string host, int port, TimeSpan timeout,
        TimeProvider time, CancellationToken cancellationToken)
    {
        Socket socket = await TcpDialer.DialAsync(url, host, port, timeout, time, cancellationToken).ConfigureAwait(false);
        return new MmsConnection(socket, url, time) { Endpoint = MmsUrl.Format(host, port) };
    }

    /// <summary>Marks <paramref name="count"/> decoded bytes as used.</summary>
    public void Consume(long count)
    {
        if (count < 0 || count > _end - _start) throw new ArgumentOutOfRangeException(nameof(count));
        _start += (int)count;
    }

    /// <summary>Gives back bytes consumed since the last receive (to re-read a unit that was looked at too early).</summary>
    public void Unconsume(int count)
    {
        if (count < 0 || count > _start) throw new ArgumentOutOfRangeException(nameof(count));
        _start -= count;
    }

    /// <summary>
    /// Switches to a body framing after an HTTP head has been consumed; bytes already received are decoded at once.
    /// </summary>
    public void BeginBody(HttpBodyFraming framing, long contentLength = 0)
    {
        _body = HttpBodyDecoder.For(framing, contentLength);
        _end = _start;
        Decode();
    }

    /// <summary>
    /// Receives more bytes within <paramref name="timeout"/>. False when the body or the connection has ended (no
    /// more bytes will come); true when bytes arrived (with chunked coding possibly only framing, so callers loop).
    /// Slices of <see cref="Buffered"/> taken before this call are invalid after it.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // no allocation per packet
    public async ValueTask<bool> ReceiveAsync(MmsClientStep step, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_aborted) throw new ObjectDisposedException(nameof(IMmsSession), "The session was disposed.");
        if (_body.IsComplete || _socketEof) return false;
        if (timeout <= TimeSpan.Zero)
        {
            throw new MmsClientException(MmsClientErrorKind.TimedOut, step, _url, "the deadline passed");
        }

        Compact();
        if (_rawEnd == _buffer.Length)
        {
            throw new MmsClientException(MmsClientErrorKind.MalformedReply, step, _url,
                $"a unit does not fit the {_buffer.Length}-byte receive buffer");
        }

        var batch = step == MmsClientStep.Read && _batching is { } batching ? batching.NextLowWaterMark() : 1;
        SetLowWaterMark(batch);
        lock (_timerLock)
        {
            if (!_receiveCts.TryReset())
            {
                _receiveCts.Dispose();
                _receiveCts = new CancellationTokenSource();
            }

            _receiveTimedOut = false;
            long now = _time.GetTimestamp();
            _receiveDeadline = now + (long)(timeout.TotalSeconds * _time.TimestampFrequency);
            _holdDeadline = _lowWaterMark > 1 ? now + (long)(_batching!.HoldLimit.TotalSeconds * _time.TimestampFrequency) : long.MaxValue;
            long due = Math.Min(_receiveDeadline, _holdDeadline);
            if (due < _timerDue)
            {
                _timerDue = due;
                _receiveTimer.Change(TimeSpan.FromSeconds((double)(due - now) / _time.TimestampFrequency), Timeout.InfiniteTimeSpan);
            }
        }

        int received;
        try
        {
            using CancellationTokenRegistration registration = cancellationToken.CanBeCanceled
                ? cancellationToken.UnsafeRegister(static state => ((MmsConnection)state!).CancelReceive(), this)
                : default;
            received = await _socket.ReceiveAsync(_buffer.AsMemory(_rawEnd), SocketFlags.None, _receiveCts.Token)
                .ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (OperationCanceledException) when (_aborted)
        {
            throw new ObjectDisposedException(nameof(IMmsSession), "The session was disposed during a read.");
        }
        catch (OperationCanceledException) when (_receiveTimedOut)
        {
            throw new MmsClientException(MmsClientErrorKind.TimedOut, step, _url,
                $"no data from {Endpoint} for {timeout.TotalSeconds:0.###} s");
        }
        catch (SocketException e)
        {
            throw new MmsClientException(MmsClientErrorKind.ConnectionLost, step, _url,
                $"receive from {Endpoint} failed ({e.SocketErrorCode})", e);
        }
        finally
        {
            lock (_timerLock)
            {
                _receiveDeadline = long.MaxValue;
                _holdDeadline = long.MaxValue;
            }
        }

        if (step == MmsClientStep.Read) _batching?.Completed(received, _time.GetTimestamp());
        else _batching?.Interrupted();

        if (received == 0)
        {
            _socketEof = true;
            return false;
        }

        BytesReceived += received;
        _rawEnd += received;
        Decode();
        return true;
    }

    /// <summary>
    /// Batches the streaming receives (<see cref="MmsClientStep.Read"/>) from now on (<see cref="ReceiveBatching"/>):
    /// for a connection that carries a stream's packets, not for one that mostly waits for replies.
    /// </summary>
    public void BatchStreamingReceives(TimeSpan window)
    {
        if (window <= TimeSpan.Zero || !OperatingSystem.IsLinux()) return; // SO_RCVLOWAT wakes epoll as described on Linux only
        _batching = new ReceiveBatching(window, _time.TimestampFrequency);
    }

    /// <summary>Sets SO_RCVLOWAT when it changes by more than a quarter (or to or from 1): one system call, not one per receive.</summary>
    private void SetLowWaterMark(int bytes)
    {
        int current = _lowWaterMark;
        if (bytes == current || (bytes > 1 && current > 1 && Math.Abs(bytes - current) * 4 <= current)) return;
        ApplyLowWaterMark(bytes);
    }

    private void ApplyLowWaterMark(int bytes)
    {
        Span<byte> value = stackalloc byte[sizeof(int)];
        BinaryPrimitives.WriteInt32LittleEndian(value, bytes);
        try
        {
            // SOL_SOCKET = 1, SO_RCVLOWAT = 18 on Linux. Lowering it wakes a receive that already has that much (tcp_set_rcvlowat).
            _socket.SetRawSocketOption(1, 18, value);
            _lowWaterMark = bytes;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Closed meanwhile, or an option this kernel lacks: receives simply are not batched.
            _batching = null;
        }
    }

    /// <summary>Sends everything within <paramref name="timeout"/>.</summary>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> data, MmsClientStep step, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (timeout <= TimeSpan.Zero)
        {
            throw new MmsClientException(MmsClientErrorKind.TimedOut, step, _url, "the deadline passed");
        }

        using var timeoutCts = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutCts.Token);
        try
        {
            while (!data.IsEmpty)
            {
                int sent = await _socket.SendAsync(data, SocketFlags.None, linked.Token).ConfigureAwait(false);
                data = data[sent..];
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            throw new MmsClientException(MmsClientErrorKind.TimedOut, step, _url,
                $"sending to {Endpoint} took longer than {timeout.TotalSeconds:0.###} s");
        }
        catch (SocketException e)
        {
            throw new MmsClientException(MmsClientErrorKind.ConnectionLost, step, _url,
                $"send to {Endpoint} failed ({e.SocketErrorCode})", e);
        }
        catch (ObjectDisposedException) when (_aborted)
        {
            throw new ObjectDisposedException(nameof(IMmsSession), "The session was disposed during a send.");
        }
    }

    /// <summary>Makes a pending <see cref="ReceiveAsync"/> end with <see cref="ObjectDisposedException"/>.</summary>
    public void Abort()
    {
        _aborted = true;
        CancelReceive();
    }

    public ValueTask DisposeAsync()
    {
        if (_disposed) return ValueTask.CompletedTask;
        _disposed = true;
        _aborted = true;
        _receiveTimer.Dispose();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already reset by the peer.
        }
        catch (ObjectDisposedException)
        {
        }

        _socket.Dispose();
        _receiveCts.Dispose();
        byte[] buffer = _buffer;
        _buffer = [];
        _start = _end = _rawEnd = 0;
        ArrayPool<byte>.Shared.Return(buffer);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// The receive timer fired: cancel the receive if its deadline passed. Under <see cref="_timerLock"/> with arming
    /// and disarming, so a callback left over from an earlier receive (disarmed: deadline MaxValue) does nothing, and a
    /// callback that runs before the current deadline (an earlier receive armed it, or it ran a little early) re-arms
    /// for the rest instead of being lost.
    /// </summary>
    private void OnReceiveTimer()
    {
        lock (_timerLock)
        {
            _timerDue = long.MaxValue;
            if (_receiveDeadline == long.MaxValue) return;
            long now = _time.GetTimestamp();
            if (now >= _holdDeadline)
            {
                // The batch did not fill in time: take what is there (a pause, a control message, the end of the stream).
                _holdDeadline = long.MaxValue;
                if (!_disposed) ApplyLowWaterMark(1);
            }

            long due = Math.Min(_receiveDeadline, _holdDeadline);
            long left = due - now;
            if (left > 0)
            {
                _timerDue = due;
                _receiveTimer.Change(TimeSpan.FromSeconds((double)left / _time.TimestampFrequency) + TimeSpan.FromMilliseconds(1),
                    Timeout.InfiniteTimeSpan);
                return;
            }

            _receiveTimedOut = true;
            CancelReceive();
        }
    }

    private void CancelReceive()
    {
        try
        {
            _receiveCts.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void Compact()
    {
        if (_start == _rawEnd)
        {
            _start = _end = _rawEnd = 0;
            return;
        }

        if (_start > 0 && _buffer.Length - _rawEnd < CompactThreshold)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _rawEnd - _start);
            _end -= _start;
            _rawEnd -= _start;
            _start = 0;
        }
    }

    /// <summary>
    /// Moves received bytes into the decoded region: body data stays where it is, framing is cut out by moving the
    /// rest of the received bytes down over it, and bytes after a complete body are dropped (not ours).
    /// </summary>
    private void Decode()
    {
        try
        {
            while (_body.TryDecode(_buffer.AsSpan(_end, _rawEnd - _end), out int data, out int framing))
            {
                _end += data;
                if (framing == 0) continue;
                Buffer.BlockCopy(_buffer, _end + framing, _buffer, _end, _rawEnd - (_end + framing));
                _rawEnd -= framing;
            }
        }
        catch (MmsProtocolException e)
        {
            throw new MmsClientException(MmsClientErrorKind.MalformedReply, MmsClientStep.Read, _url,
                $"HTTP chunked body from {Endpoint}: {e.Message}", e);
        }

        if (_body.IsComplete) _rawEnd = _end;
    }
}
