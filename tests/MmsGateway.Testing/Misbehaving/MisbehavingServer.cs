using System.Net;
using System.Net.Sockets;

namespace MmsGateway.Testing.Misbehaving;

/// <summary>
/// A TCP server on loopback that treats every connection with one misbehaviour (a real socket, so the client under
/// test meets exactly what a broken server on the network would do to it). It counts connections, so a test can
/// see that a client came back (reconnected) after the server misbehaved.
/// </summary>
public sealed class MisbehavingServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<Socket, CancellationToken, Task> _behaviour;
    private readonly Task _accepting;
    private int _connections;

    private MisbehavingServer(Func<Socket, CancellationToken, Task> behaviour)
    {
        _behaviour = behaviour;
        _listener.Start();
        _accepting = Task.Run(AcceptAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    public static MisbehavingServer Start(Func<Socket, CancellationToken, Task> behaviour) => new(behaviour);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            Interlocked.Increment(ref _connections);
            _ = Task.Run(async () =>
            {
                using (socket)
                {
                    try
                    {
                        await _behaviour(socket, _stop.Token).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
                    {
                        // The client went away first: that is its right.
                    }
                }
            });
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        await _accepting.ConfigureAwait(false);
        _stop.Dispose();
    }

    /// <summary>Reads what the client sends until it stops or the server is stopped; sends nothing.</summary>
    public static async Task DrainAsync(Socket socket, CancellationToken ct)
    {
        var buffer = new byte[4096];
        while (await socket.ReceiveAsync(buffer, SocketFlags.None, ct).ConfigureAwait(false) > 0)
        {
        }
    }

    /// <summary>Waits for the client's first bytes (for MMST its LinkViewerToMacConnect), then resets the connection.</summary>
    public static async Task ResetAfterFirstBytesAsync(Socket socket, CancellationToken ct)
    {
        var buffer = new byte[4096];
        await socket.ReceiveAsync(buffer, SocketFlags.None, ct).ConfigureAwait(false);
        Reset(socket);
    }

    /// <summary>Closes with a TCP RST rather than a FIN: linger on, timeout zero.</summary>
    public static void Reset(Socket socket)
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }
}
