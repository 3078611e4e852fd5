using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Connections.Features;

namespace MmsGateway.Outputs;

/// <summary>
/// A live viewer's connection taken over from Kestrel once its request is read: the response head and everything
/// after it are written to the socket by the viewer's pump, so ring slots can be sent from where they lie in one
/// gathered <c>sendmsg</c> per flush (<see cref="RingSender"/>) instead of being copied into Kestrel's pipe,
/// chunk-framed and sent again by Kestrel's own send loop. The pump sees it as its <see cref="Sink"/>.
/// </summary>
/// <remarks>
/// Only for a plain HTTP/1.x request on Kestrel's socket transport (the socket feature is there, no TLS); anything
/// else keeps the ordinary response. The body is delimited by the connection's close (<c>Connection: close</c>, RFC 9112
/// 6.3 item 8), which is how a live ASF or MS-WMSP stream ends anyway. Kestrel never writes on this connection after
/// the take-over: <see cref="DisposeAsync"/> half-closes it and aborts the request, so Kestrel does not complete a
/// response of its own. The deadline of a send is the viewer's own: when the hub ends a viewer that fell a whole ring
/// behind, the connection is aborted and a pending send fails.
/// </remarks>
public sealed class DirectViewerConnection : IAsyncDisposable
{
    private static readonly OperationCanceledException EndedException = new("viewer ended");
    private readonly HttpContext _http;
    private readonly NetworkStream _stream;
    private int _disposed;

    private DirectViewerConnection(HttpContext http, Socket socket)
    {
        _http = http;
        Socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        // Only now (NetworkStream refuses a non-blocking socket; its asynchronous writes are not affected): the pump's
        // gathered sendmsg never blocks a pool thread (RingSender: what the kernel does not take at once is sent
        // asynchronously from the same ring slots, or copied first for a viewer far behind). Kestrel uses only
        // asynchronous operations on the socket, which this does not change.
        socket.Blocking = false;
        // Buffers are taken from the shared pool while a copy is written and given back on each flush.
        Writer = PipeWriter.Create(_stream, new StreamPipeWriterOptions(minimumBufferSize: 16 * 1024, leaveOpen: true));
        Sink = ViewerSink.ForSocket(Writer, socket, http.Abort);
    }

    public Socket Socket { get; }

    /// <summary>For what is copied: the head, the ASF header, and packets a thinned or filtered viewer gets rewritten.</summary>
    public PipeWriter Writer { get; }

    /// <summary>The connection as the pump writes to it: <see cref="Writer"/> for copies, <see cref="Socket"/> for ring slots.</summary>
    public ViewerSink Sink { get; }

    /// <summary>
    /// Takes the connection of <paramref name="http"/> when it can be written directly, writing the response head
    /// (status and the headers set so far) into <see cref="Writer"/>; null when the ordinary response must be used.
    /// </summary>
    public static DirectViewerConnection? TryTakeOver(HttpContext http)
    {
        var request = http.Request;
        if (request.IsHttps || http.Response.HasStarted) return null;
        if (!HttpMethods.IsGet(request.Method)) return null;
        if (!(request.Protocol == "HTTP/1.1" || request.Protocol == "HTTP/1.0")) return null;
        if (http.Features.Get<IConnectionSocketFeature>()?.Socket is not { Connected: true } socket) return null;
        if (!TryFormatHead(http.Response, DateTimeOffset.UtcNow, out var head)) return null;

        var connection = new DirectViewerConnection(http, socket);
        connection.Writer.Write(head);
        return connection;
    }

    /// <summary>
    /// The status line and headers of <paramref name="response"/> with <c>Connection: close</c> and no length or
    /// transfer coding; false if a header cannot be written safely (a control character in a name or value).
    /// </summary>
    internal static bool TryFormatHead(HttpResponse response, DateTimeOffset now, out byte[] head)
    {
        head = [];
        var text = new StringBuilder(256);
        text.Append("HTTP/1.1 ").Append(response.StatusCode).Append(' ')
            .Append(Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(response.StatusCode)).Append("\r\n");
        foreach (var (name, values) in response.Headers)
        {
            if (IsFraming(name)) continue;
            foreach (var value in values)
            {
                if (!IsSafe(name) || value is null || !IsSafe(value)) return false;
                text.Append(name).Append(": ").Append(value).Append("\r\n");
            }
        }
        if (!response.Headers.ContainsKey("Date")) text.Append("Date: ").Append(now.ToString("r")).Append("\r\n");
        text.Append("Connection: close\r\n\r\n");
        head = Encoding.Latin1.GetBytes(text.ToString());
        return true;
    }

    private static bool IsFraming(string name) =>
        name.Equals("Connection", StringComparison.OrdinalIgnoreCase) || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) || name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase);

    private static bool IsSafe(string text)
    {
        foreach (var c in text)
        {
            if (c < 0x20 && c != '\t' || c == 0x7F || c > 0xFF) return false;
        }
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try
        {
            // The pump flushes after every batch, so nothing is left to write; completing with an error makes sure nothing
            // is tried on a viewer that may have stalled.
            await Writer.CompleteAsync(EndedException).ConfigureAwait(false);
            // FIN after the last byte sent; the abort below then closes without a response from Kestrel.
            Socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException or InvalidOperationException)
        {
            // Already gone: the abort below is all that is left to do.
        }
        await _stream.DisposeAsync().ConfigureAwait(false);
        _http.Abort();
    }
}
