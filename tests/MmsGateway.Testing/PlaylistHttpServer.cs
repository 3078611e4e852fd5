using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MmsGateway.Testing;

/// <summary>
/// A plain web server on loopback for playlists and redirects: each path answers with a fixed status, optional
/// Location and body; every request path is recorded. One request per connection (Connection: close).
/// </summary>
public sealed class PlaylistHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, (int Status, string? Location, string Body)> _routes = new(StringComparer.Ordinal);
    private readonly Task _accept;

    public PlaylistHttpServer(IPAddress? address = null)
    {
        _listener = new TcpListener(address ?? IPAddress.Loopback, 0);
        _listener.Start();
        _accept = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public ConcurrentQueue<string> Requests { get; } = new();

    public Uri Url(string path) => new($"http://{((IPEndPoint)_listener.LocalEndpoint).Address}:{Port}{path}");

    public void Serve(string path, string body) => _routes[path] = (200, null, body);

    public void Redirect(string path, Uri location) => _routes[path] = (302, location.AbsoluteUri, "");

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(() => HandleAsync(socket));
        }
    }

    private async Task HandleAsync(Socket socket)
    {
        using (socket)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                var buffer = new byte[16 * 1024];
                var length = 0;
                while (length < buffer.Length)
                {
                    var read = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, timeout.Token);
                    if (read == 0) return;
                    length += read;
                    if (Encoding.Latin1.GetString(buffer, 0, length).Contains("\r\n\r\n", StringComparison.Ordinal)) break;
                }
                var line = Encoding.Latin1.GetString(buffer, 0, length).Split("\r\n")[0].Split(' ');
                var path = line.Length > 1 ? line[1] : "/";
                Requests.Enqueue(path);
                var (status, location, body) = _routes.TryGetValue(path, out var route) ? route : (404, null, "not found");
                var bytes = Encoding.UTF8.GetBytes(body);
                var head = new StringBuilder($"HTTP/1.1 {status} X\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n");
                if (location is not null) head.Append("Location: ").Append(location).Append("\r\n");
                if (status == 200) head.Append("Content-Type: video/x-ms-asf\r\n");
                head.Append("\r\n");
                await socket.SendAsync(Encoding.Latin1.GetBytes(head.ToString()).Concat(bytes).ToArray(), SocketFlags.None, timeout.Token);
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accept;
        _stop.Dispose();
    }
}
