using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;

namespace MmsGateway.Origin.Mmsh;

/// <summary>
/// Accepts MMSH (MS-WMSP) connections. Each HTTP request is its own connection in the non-pipelined mode every
/// open client uses (docs/protocol/mmsh.md#s2.1); streaming Play responses are registered by client-id so a SelectStream or Stop POST
/// on another connection can reach them.
/// </summary>
internal sealed class MmshServer : IAsyncDisposable
{
    private readonly TcpAcceptor _acceptor;

    public MmshServer(OriginContext context, IPAddress address, int port, Func<MmshConnection, CancellationToken, Task<bool>>? extraRoutes = null)
    {
        Context = context;
        ExtraRoutes = extraRoutes;
        _acceptor = new TcpAcceptor(address, port,
            (socket, ct) => new MmshConnection(this, socket).RunAsync(ct),
            context.Loggers.CreateLogger<MmshServer>());
    }

    public int Port => _acceptor.Port;

    /// <summary>Plays in progress, by client-id.</summary>
    internal ConcurrentDictionary<uint, MmshPlay> Plays { get; } = new();

    /// <summary>Routes for plain HTTP clients (admin, station files) tried before the media routes.</summary>
    internal Func<MmshConnection, CancellationToken, Task<bool>>? ExtraRoutes { get; }

    internal OriginContext Context { get; }

    public void Start() => _acceptor.Start();

    public ValueTask DisposeAsync() => _acceptor.DisposeAsync();
}
