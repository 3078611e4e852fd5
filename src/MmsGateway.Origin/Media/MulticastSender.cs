using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using MmsGateway.Mms.Playlists;

namespace MmsGateway.Origin.Media;

/// <summary>
/// Sends a live channel to a multicast group as MSB datagrams (docs/protocol/nsc.md#s7.3, MS-MSB): one ASF packet per
/// datagram tagged with the station's format id, and a beacon every couple of seconds so receivers know the
/// server is alive between packets. The matching <c>.nsc</c> station file (<see cref="StationFile"/>) carries the
/// header, which the multicast stream itself never does. Datagrams leave through the interface of
/// <paramref name="interfaceAddress"/> (loopback in tests) with a TTL of 1.
/// </summary>
internal sealed partial class MulticastSender : IAsyncDisposable
{
    public const int FormatId = 1;
    private static readonly TimeSpan BeaconInterval = TimeSpan.FromSeconds(2);

    private readonly LiveChannel _channel;
    private readonly IPEndPoint _group;
    private readonly Socket _socket;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public MulticastSender(LiveChannel channel, IPEndPoint group, IPAddress interfaceAddress, TimeProvider time, ILogger logger)
    {
        _channel = channel;
        _group = group;
        _time = time;
        _logger = logger;
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, 1);
        _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastLoopback, true);
        var outgoing = interfaceAddress.Equals(IPAddress.Any) ? IPAddress.Loopback : interfaceAddress;
        _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, outgoing.GetAddressBytes());
        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    public IPEndPoint Group => _group;

    /// <summary>The station file for this group: address, port, a unicast fall-back and the broadcast header.</summary>
    public string StationFile(string unicastUrl) => new NscFile
    {
        Name = $"MmsGateway origin, {_channel.Name}",
        FormatVersion = "3.0",
        IpAddress = _group.Address.ToString(),
        IpPort = _group.Port,
        TimeToLive = 1,
        UnicastUrl = unicastUrl,
        Formats = [new NscFormat(1, FormatId, _channel.HeaderBytes)],
    }.ToText();

    private async Task RunAsync(CancellationToken ct)
    {
        var beacon = BitConverter.GetBytes(MsbPacket.BeaconValue);
        var buffer = new byte[ushort.MaxValue];
        uint packetId = 0;
        using var feed = _channel.OpenFeed(MediaStart.Beginning, _channel.Header.AllStreams);
        var lastBeacon = _time.GetTimestamp();
        try
        {
            await _socket.SendToAsync(beacon, SocketFlags.None, _group, ct).ConfigureAwait(false);
            while (true)
            {
                using var beaconDue = CancellationTokenSource.CreateLinkedTokenSource(ct);
                beaconDue.CancelAfter(BeaconInterval);
                FeedPacket? next;
                try
                {
                    next = await feed.NextAsync(beaconDue.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    next = null;
                }
                if (_time.GetElapsedTime(lastBeacon) >= BeaconInterval || next is null)
                {
                    await _socket.SendToAsync(beacon, SocketFlags.None, _group, ct).ConfigureAwait(false);
                    lastBeacon = _time.GetTimestamp();
                }
                if (next is not { } packet) continue;
                var length = new MsbPacket(packetId++, FormatId, packet.Bytes).WriteTo(buffer);
                await _socket.SendToAsync(buffer.AsMemory(0, length), SocketFlags.None, _group, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            LogFailed(_logger, _channel.Name, _group.ToString(), e.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _socket.Dispose();
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Multicast of {Name} to {Group} stopped: {Problem}")]
    private static partial void LogFailed(ILogger logger, string name, string group, string problem);
}
