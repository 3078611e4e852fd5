using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using MmsGateway.Mms;
using MmsGateway.Mms.Mmsu;

namespace MmsGateway.Origin.Mmsu;

/// <summary>
/// The MMSU data path (docs/protocol/mmsu.md#s1.8): data packets go as UDP datagrams to the port the client named in its
/// funnel, and resend requests arrive on this socket. Each session keeps its last datagrams so a lost one can
/// be sent again; <see cref="OriginOptions.UdpLossPercent"/> drops first transmissions on purpose (resends are
/// never dropped, so every packet arrives eventually).
/// </summary>
internal sealed partial class MmsuChannel : IAsyncDisposable
{
    private const int HistorySize = 2048;

    private readonly Socket _socket;
    private readonly OriginContext _context;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<uint, History> _sessions = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiveLoop;

    public MmsuChannel(OriginContext context, IPAddress address, int port)
    {
        _context = context;
        _logger = context.Loggers.CreateLogger<MmsuChannel>();
        _socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            _socket.Bind(new IPEndPoint(address, port));
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
        _receiveLoop = ReceiveLoopAsync(_stop.Token);
    }

    public int Port => ((IPEndPoint)_socket.LocalEndPoint!).Port;

    public long Dropped => Interlocked.Read(ref _dropped);
    public long Resent => Interlocked.Read(ref _resent);
    private long _dropped;
    private long _resent;

    /// <summary>A new play restarts the session's datagram sequence at 0 (docs/protocol/mmst.md#s1.3, AFFlags).</summary>
    public void StartPlay(uint sessionId) => _sessions[sessionId] = new History();

    public void Forget(uint sessionId) => _sessions.TryRemove(sessionId, out _);

    public async ValueTask SendHeaderPieceAsync(IPEndPoint target, uint piece, byte incarnation, byte flags, ReadOnlyMemory<byte> payload, CancellationToken ct)
    {
        var datagram = Datagram(piece, incarnation, flags, payload.Span);
        await _socket.SendToAsync(datagram, SocketFlags.None, target, ct).ConfigureAwait(false);
    }

    /// <summary>Sends a media packet; AFFlags carries the low 8 bits of the session's 32-bit datagram sequence.</summary>
    public async ValueTask SendMediaAsync(uint sessionId, IPEndPoint target, uint locationId, byte incarnation, ReadOnlyMemory<byte> packet, CancellationToken ct)
    {
        var history = _sessions.GetOrAdd(sessionId, _ => new History());
        var sequence = history.Next++;
        var datagram = Datagram(locationId, incarnation, (byte)sequence, packet.Span);
        lock (history) history.Sent[sequence % HistorySize] = (sequence, target, datagram);
        if (_context.Options.UdpLossPercent > 0 && Random.Shared.NextDouble() * 100 < _context.Options.UdpLossPercent)
        {
            Interlocked.Increment(ref _dropped);
            return;
        }
        await _socket.SendToAsync(datagram, SocketFlags.None, target, ct).ConfigureAwait(false);
    }

    private static byte[] Datagram(uint locationId, byte incarnation, byte flags, ReadOnlySpan<byte> payload)
    {
        var datagram = new byte[MmsDataPacketHeader.Size + payload.Length];
        MmsDataPacketHeader.ForPayload(locationId, incarnation, flags, payload.Length).Write(datagram);
        payload.CopyTo(datagram.AsSpan(MmsDataPacketHeader.Size));
        return datagram;
    }

    private async Task ReceiveLoopAsync(CancellationToken ct)
    {
        var buffer = new byte[2048];
        EndPoint any = new IPEndPoint(_socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, ct).ConfigureAwait(false);
                var request = MmsuResendRequest.Parse(buffer.AsSpan(0, received.ReceivedBytes));
                if (!_sessions.TryGetValue(request.ClientId, out var history)) continue;
                foreach (var sequence in request.Sequences)
                {
                    (uint Sequence, IPEndPoint Target, byte[] Datagram) entry;
                    lock (history) entry = history.Sent[sequence % HistorySize];
                    if (entry.Datagram is null || entry.Sequence != sequence) continue;
                    await _socket.SendToAsync(entry.Datagram, SocketFlags.None, entry.Target, ct).ConfigureAwait(false);
                    Interlocked.Increment(ref _resent);
                }
            }
            catch (MmsProtocolException e)
            {
                LogBadRequest(_logger, e.Message);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException e)
            {
                // ICMP port unreachable from a client that went away surfaces here on Linux; keep serving.
                LogSocketError(_logger, e.SocketErrorCode);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        await _receiveLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private sealed class History
    {
        public uint Next;
        public readonly (uint Sequence, IPEndPoint Target, byte[] Datagram)[] Sent = new (uint, IPEndPoint, byte[])[HistorySize];
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "MMSU: ignoring a malformed resend request: {Problem}")]
    private static partial void LogBadRequest(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Debug, Message = "MMSU socket error {Error}")]
    private static partial void LogSocketError(ILogger logger, SocketError error);
}
