using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace MmsGateway.Origin.Mmst;

/// <summary>Accepts MMST control connections (TCP, default port 1755) and runs one session per connection.</summary>
internal sealed partial class MmstServer : IAsyncDisposable
{
    private readonly OriginContext _context;
    private readonly Mmsu.MmsuChannel? _udp;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ILogger _logger;
    private readonly List<Task> _sessions = [];
    private readonly Lock _gate = new();
    private Task _acceptLoop = Task.CompletedTask;

    public MmstServer(OriginContext context, Mmsu.MmsuChannel? udp, IPAddress address, int port)
    {
        _context = context;
        _udp = udp;
        _logger = context.Loggers.CreateLogger<MmstServer>();
        _listener = new TcpListener(address, port);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

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
            var session = new MmstServerSession(_context, _udp, socket);
            var task = Task.Run(() => session.RunAsync(cancellationToken), CancellationToken.None);
            lock (_gate)
            {
                _sessions.RemoveAll(t => t.IsCompleted);
                _sessions.Add(task);
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
        Task[] sessions;
        lock (_gate) sessions = [.. _sessions];
        await Task.WhenAll(sessions).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "MMST accept failed: {Error}")]
    private static partial void LogAcceptFailed(ILogger logger, SocketError error);
}
