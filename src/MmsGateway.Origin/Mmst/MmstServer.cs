using System.Net;
using Microsoft.Extensions.Logging;

namespace MmsGateway.Origin.Mmst;

/// <summary>Accepts MMST control connections (TCP, default port 1755) and runs one session per connection.</summary>
internal sealed class MmstServer : IAsyncDisposable
{
    private readonly TcpAcceptor _acceptor;

    public MmstServer(OriginContext context, Mmsu.MmsuChannel? udp, IPAddress address, int port) =>
        _acceptor = new TcpAcceptor(address, port,
            (socket, ct) => new MmstServerSession(context, udp, socket).RunAsync(ct),
            context.Loggers.CreateLogger<MmstServer>());

    public int Port => _acceptor.Port;

    public void Start() => _acceptor.Start();

    public ValueTask DisposeAsync() => _acceptor.DisposeAsync();
}
