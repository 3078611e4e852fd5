using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace MmsGateway.Origin.Mmsh;

/// <summary>
/// Accepts MMSH (MS-WMSP) connections. Each HTTP request is its own connection in the non-pipelined mode every
/// open client uses (§2.1); streaming Play responses are registered by client-id so a SelectStream or Stop POST
/// on another connection can reach them.
/// </summary>
internal sealed partial class MmshServer : IAsyncDisposable
{
    private readonly OriginContext _context;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ILogger _logger;
    private readonly List<Task> _connections = [];
    private readonly Lock _gate = new();
    private Task _acceptLoop = Task.CompletedTask;

    public MmshServer(OriginContext context, IPAddress address, int port, Func<MmshConnection, CancellationToken, Task<bool>>? extraRoutes = null)
    {
        _context = context;
        _logger = context.Loggers.CreateLogger<MmshServer>();
        _listener = new TcpListener(address, port);
        ExtraRoutes = extraRoutes;
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Plays in progress, by client-id.</summary>
    internal ConcurrentDictionary<uint, MmshPlay> Plays { get; } = new();

    /// <summary>Routes for plain HTTP clients (admin, station files) tried before the media routes.</summary>
    internal Func<MmshConnection, CancellationToken, Task<bool>>? ExtraRoutes { get; }

    internal OriginContext Context => _context;

    public void Start()
    {
        _listener.Start(backlog: 512);
        _acceptLoop = AcceptLoopAsync(_stop.Token);
    }

    private async Task AcceptLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException e)
            {
                LogAcceptFailed(_logger, e.SocketErrorCode);
                continue;
            }
            var connection = new MmshConnection(this, socket);
            var task = Task.Run(() => connection.RunAsync(cancellationToken), CancellationToken.None);
            lock (_gate)
            {
                _connections.RemoveAll(t => t.IsCompleted);
                _connections.Add(task);
            }
        }
    }

    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        await _acceptLoop.ConfigureAwait(false);
        Task[] connections;
        lock (_gate) connections = [.. _connections];
        await Task.WhenAll(connections).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "MMSH accept failed: {Error}")]
    private static partial void LogAcceptFailed(ILogger logger, SocketError error);
}
