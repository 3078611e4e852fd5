using System.Net;
using Microsoft.Extensions.Logging;
using MmsGateway.Mms.Rtsp;

namespace MmsGateway.Origin.Rtsp;

/// <summary>
/// Accepts MS-RTSP connections (TCP, 554 on a real server: docs/protocol/rtsp.md#s1.2) and runs one session per
/// connection. The RTSP session lives as long as its connection: ffmpeg and VLC keep one connection for the whole
/// exchange, and an end of stream ends with the connection closed (docs/protocol/rtsp.md#s5.4).
/// </summary>
internal sealed class RtspServer : IAsyncDisposable
{
    private readonly TcpAcceptor _acceptor;
    private long _retransmitted;
    private long _dropped;

    public RtspServer(OriginContext context, IPAddress address, int port)
    {
        Context = context;
        var credentials = context.Options.BasicCredentials;
        if (credentials is not null)
        {
            var colon = credentials.IndexOf(':', StringComparison.Ordinal);
            var user = credentials[..colon];
            var password = credentials[(colon + 1)..];
            // Digest and Basic both offered: ffmpeg and live555 pick Digest, simpler clients Basic (docs/protocol/rtsp.md#s8.1).
            Authenticator = new RtspServerAuthenticator(Realm, name => name == user ? password : null, context.Time, allowBasic: true);
        }
        _acceptor = new TcpAcceptor(address, port,
            (socket, ct) => new RtspServerSession(this, socket).RunAsync(ct),
            context.Loggers.CreateLogger<RtspServer>());
    }

    public const string Realm = "MmsGateway origin";

    public OriginContext Context { get; }

    /// <summary>Null when the origin needs no credentials.</summary>
    public RtspServerAuthenticator? Authenticator { get; }

    public int Port => _acceptor.Port;

    public long Retransmitted => Interlocked.Read(ref _retransmitted);

    public void CountRetransmitted(int packets) => Interlocked.Add(ref _retransmitted, packets);

    /// <summary>RTP datagrams not sent on purpose (<see cref="OriginOptions.UdpLossPercent"/>).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void CountDropped() => Interlocked.Increment(ref _dropped);

    public void Start() => _acceptor.Start();

    public ValueTask DisposeAsync() => _acceptor.DisposeAsync();
}
