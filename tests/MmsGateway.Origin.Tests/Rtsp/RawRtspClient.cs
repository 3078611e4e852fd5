using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MmsGateway.Mms.Rtsp;

namespace MmsGateway.Origin.Tests.Rtsp;

/// <summary>
/// A bare RTSP client over a real socket, built from the Mms/Rtsp codecs, for what ffmpeg cannot show: stream
/// selection, switching, thinning, the end-of-stream request, NACKs, timeouts. Requests are written by hand; every
/// read has a deadline. Interleaved frames are collected as they arrive, between answers.
/// </summary>
internal sealed class RawRtspClient : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[256 * 1024];
    private int _filled;
    private int _cseq;

    private RawRtspClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public string? SessionId { get; private set; }

    /// <summary>Interleaved frames received so far: channel and payload.</summary>
    public List<(byte Channel, byte[] Payload)> Frames { get; } = [];

    /// <summary>Requests the server sent (the end of stream).</summary>
    public List<(RtspMessageHead Head, byte[] Body)> ServerRequests { get; } = [];

    public static async Task<RawRtspClient> ConnectAsync(int port)
    {
        var tcp = new TcpClient();
        using var cts = new CancellationTokenSource(Deadline);
        await tcp.ConnectAsync(IPAddress.Loopback, port, cts.Token);
        return new RawRtspClient(tcp);
    }

    public async Task<(RtspMessageHead Head, byte[] Body)> RequestAsync(string method, string url, RtspHeaders? headers = null, byte[]? body = null)
    {
        headers ??= new RtspHeaders();
        headers.Set("CSeq", (++_cseq).ToString(CultureInfo.InvariantCulture));
        headers.Set("User-Agent", "WMPlayer/9.0.0.2980 guid/3300AD50-2C39-46C0-AE0A-81D88F547805");
        if (SessionId is not null && !headers.Contains("Session")) headers.Set("Session", SessionId);
        var output = new ArrayBufferWriter<byte>();
        RtspHeadWriter.WriteRequest(output, method, url, headers, body);
        using var cts = new CancellationTokenSource(Deadline);
        await _stream.WriteAsync(output.WrittenMemory, cts.Token);
        while (true)
        {
            var (head, answer) = await ReadMessageAsync(cts.Token, null) ?? throw new IOException($"connection closed before the answer to {method}");
            if (head.IsRequest)
            {
                ServerRequests.Add((head, answer));
                continue;
            }
            if (head.Session is { } session) SessionId = session.Id;
            return (head, answer);
        }
    }

    /// <summary>Writes <paramref name="bytes"/> as they are, between messages.</summary>
    public async Task SendRawAsync(byte[] bytes)
    {
        using var cts = new CancellationTokenSource(Deadline);
        await _stream.WriteAsync(bytes, cts.Token);
    }

    /// <summary>Reads until <paramref name="until"/> holds, the connection closes (false) or the time is up (false).</summary>
    public async Task<bool> ReadUntilAsync(Func<bool> until, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (!until())
            {
                if (await ReadMessageAsync(cts.Token, until) is not { } message) return until();
                if (message.Head is { IsRequest: true }) ServerRequests.Add(message);
            }
            return true;
        }
        catch (OperationCanceledException)
        {
            return until();
        }
    }

    /// <summary>True when the server closed the connection within <paramref name="timeout"/>.</summary>
    public async Task<bool> ClosedWithinAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                if (await ReadMessageAsync(cts.Token, null) is not { } message) return true;
                if (message.Head.IsRequest) ServerRequests.Add(message);
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>
    /// The next RTSP message, collecting frames on the way; null when the connection closed. With
    /// <paramref name="until"/>, returns (with a null head) as soon as it holds after a frame.
    /// </summary>
    private async Task<(RtspMessageHead Head, byte[] Body)?> ReadMessageAsync(CancellationToken ct, Func<bool>? until)
    {
        while (true)
        {
            var sequence = new ReadOnlySequence<byte>(_buffer, 0, _filled);
            var reader = new SequenceReader<byte>(sequence);
            var kind = RtspInterleaved.Peek(ref reader);
            if (kind == RtspStreamItem.InterleavedFrame && RtspInterleaved.TryRead(ref reader, out var frame))
            {
                Frames.Add((frame.Channel, frame.Payload.ToArray()));
                Consume((int)reader.Consumed);
                if (until?.Invoke() == true) return (null!, []);
                continue;
            }
            if (kind == RtspStreamItem.Message && RtspHeadParser.TryParseMessage(ref reader, RtspLimits.Default, out var head, out var body))
            {
                var bytes = body.ToArray();
                Consume((int)reader.Consumed);
                return (head, bytes);
            }
            if (_filled == _buffer.Length) throw new IOException("test client buffer full");
            var read = await _stream.ReadAsync(_buffer.AsMemory(_filled), ct);
            if (read == 0) return null;
            _filled += read;
        }
    }

    private void Consume(int count)
    {
        Buffer.BlockCopy(_buffer, count, _buffer, 0, _filled - count);
        _filled -= count;
    }

    /// <summary>OPTIONS, DESCRIBE and the parsed SDP of <paramref name="url"/>.</summary>
    public async Task<SdpSession> DescribeAsync(string url)
    {
        await RequestAsync(RtspMethods.Options, url);
        var (head, body) = await RequestAsync(RtspMethods.Describe, url, new RtspHeaders().Add("Accept", "application/sdp"));
        Assert.Equal(200, head.StatusCode);
        return SdpParser.Parse(body, RtspLimits.Default);
    }

    public static string Text(byte[] body) => Encoding.UTF8.GetString(body);

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }
}
