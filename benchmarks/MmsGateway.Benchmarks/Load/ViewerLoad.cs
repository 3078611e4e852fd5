using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MmsGateway.Benchmarks.Load;

/// <summary>How a load viewer asks for the stream.</summary>
public enum ViewerRequest
{
    /// <summary>Plain HTTP GET: the gateway answers with chunked ASF.</summary>
    PlainAsf,

    /// <summary>An NSPlayer MS-WMSP Play request (MS-WMSP 2.2.2, <c>Pragma: xPlayStrm=1</c>): <c>$H</c>/<c>$D</c> framing.</summary>
    WmspPlay,
}

/// <summary>
/// Many viewers of one HTTP stream, each on its own socket, each an async receive loop into a pooled buffer that
/// only counts bytes (the content is not looked at: the loop has to cost as little as possible, because it shares
/// the machine with the server under test). A viewer that the server ends (EOF or error) is marked ended and, with
/// <see cref="Reconnect"/>, connects again.
/// </summary>
public sealed class ViewerLoad : IAsyncDisposable
{
    private const int ReceiveBufferBytes = 32 * 1024;
    private readonly IPEndPoint _server;
    private readonly byte[] _request;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Viewer> _viewers = [];
    private readonly List<Task> _loops = [];

    public ViewerLoad(int port, string path, ViewerRequest request)
    {
        _server = new IPEndPoint(IPAddress.Loopback, port);
        var head = new StringBuilder()
            .Append("GET ").Append(path).Append(" HTTP/1.1\r\n")
            .Append("Host: 127.0.0.1:").Append(port).Append("\r\n")
            .Append("Accept: */*\r\n");
        if (request == ViewerRequest.WmspPlay)
            head.Append("User-Agent: NSPlayer/12.0.7601.17514\r\n")
                .Append("Pragma: xPlayStrm=1\r\n")
                .Append("Pragma: xClientGUID={3300AD50-2C39-46c0-AE0A-60E0E3B5E9B1}\r\n");
        else head.Append("User-Agent: mmsgw-load/1\r\n");
        head.Append("Connection: close\r\n\r\n");
        _request = Encoding.ASCII.GetBytes(head.ToString());
    }

    /// <summary>Connect again when the server ends a viewer (soak); off for fan-out, where an end counts as fallen behind.</summary>
    public bool Reconnect { get; init; }

    public int Count => _viewers.Count;

    /// <summary>Bytes received by each viewer so far (monotonic per viewer, across reconnects).</summary>
    public long[] Snapshot() => _viewers.Select(v => Interlocked.Read(ref v.Bytes)).ToArray();

    public int Ended => _viewers.Count(v => v.Ends > 0);
    public long Ends => _viewers.Sum(v => (long)v.Ends);
    public int Connected => _viewers.Count(v => v.Connected);

    /// <summary>Adds viewers, at most <paramref name="parallel"/> connecting at a time (the server's accept backlog is finite).</summary>
    public async Task AddAsync(int viewers, int parallel = 32)
    {
        using var gate = new SemaphoreSlim(parallel);
        var started = new List<Task>();
        for (var i = 0; i < viewers; i++)
        {
            var viewer = new Viewer();
            _viewers.Add(viewer);
            var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await gate.WaitAsync();
            _loops.Add(Task.Run(() => RunAsync(viewer, connected)));
            started.Add(connected.Task.ContinueWith(_ => gate.Release(), TaskScheduler.Default));
        }
        await Task.WhenAll(started);
    }

    private async Task RunAsync(Viewer viewer, TaskCompletionSource firstConnect)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ReceiveBufferBytes);
        var ct = _stop.Token;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    using (var connect = CancellationTokenSource.CreateLinkedTokenSource(ct))
                    {
                        connect.CancelAfter(TimeSpan.FromSeconds(10));
                        await socket.ConnectAsync(_server, connect.Token);
                        await socket.SendAsync(_request, SocketFlags.None, connect.Token);
                    }
                    viewer.Connected = true;
                    firstConnect.TrySetResult();
                    while (true)
                    {
                        var n = await socket.ReceiveAsync(buffer.AsMemory(0, ReceiveBufferBytes), SocketFlags.None, ct);
                        if (n == 0) break;
                        Interlocked.Add(ref viewer.Bytes, n);
                    }
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException)
                {
                }
                firstConnect.TrySetResult();
                viewer.Connected = false;
                if (ct.IsCancellationRequested) return;
                viewer.Ends++;
                if (!Reconnect) return;
                await Task.Delay(200, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        finally
        {
            firstConnect.TrySetResult();
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private sealed class Viewer
    {
        public long Bytes;
        public volatile int Ends;
        public volatile bool Connected;
    }
}
