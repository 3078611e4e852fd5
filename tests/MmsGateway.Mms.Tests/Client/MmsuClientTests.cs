using MmsGateway.Asf;
using MmsGateway.Mms.Client;
using MmsGateway.Origin;
using MmsGateway.Testing;

namespace MmsGateway.Mms.Tests.Client;

/// <summary>MMSU (docs/protocol/mmsu.md#s1.8) against the origin: UDP data, resend requests, and the TCP fall-back.</summary>
public sealed class MmsuClientTests
{
    internal static MmsClientOptions Options() => new()
    {
        ConnectTimeout = TimeSpan.FromSeconds(3),
        HandshakeTimeout = TimeSpan.FromSeconds(5),
        ReadTimeout = TimeSpan.FromSeconds(5),
        MmsuResendInterval = TimeSpan.FromMilliseconds(60),
    };

    internal static OriginOptions Origin(string root, double loss = 0, int udpPort = 0) => new()
    {
        Root = root,
        MmstPort = 0,
        HttpPort = -1,
        UdpPort = udpPort,
        UdpLossPercent = loss,
        UdpBurst = TimeSpan.FromSeconds(2),
    };

    /// <summary>Reads to the end; returns the LocationIds and writes header + packets to <paramref name="path"/>.</summary>
    internal static async Task<List<uint>> RecordAsync(IMmsSession session, string path)
    {
        var locations = new List<uint>();
        await using FileStream output = File.Create(path);
        await output.WriteAsync(session.HeaderBytes);
        while (true)
        {
            MmsReadResult read = await session.ReadAsync(CancellationToken.None);
            if (read.Kind == MmsReadResultKind.EndOfStream) return locations;
            Assert.Equal(MmsReadResultKind.Packet, read.Kind);
            Assert.Equal(session.Header.PacketSize, read.Packet.Length);
            locations.Add(read.LocationId);
            await output.WriteAsync(read.Packet);
        }
    }

    [Fact]
    public async Task Mmsu_plays_an_on_demand_file_whole()
    {
        await using TestOrigin origin = await TestOrigin.StartAsync(4, root => Origin(root));
        MmsConnectResult result = await MmsConnector.ConnectAsync(origin.Url("mmsu", "single.wmv"), Options(), null,
            CancellationToken.None);
        await using IMmsSession session = result.Session;
        Assert.Equal(MmsProtocol.Mmsu, session.Protocol);
        Assert.False(session.IsBroadcast);

        string path = Path.Combine(origin.Root, "mmsu.asf");
        List<uint> locations = await RecordAsync(session, path);
        ulong expected = session.Header.FileProperties.DataPacketsCount;
        Assert.Equal(Enumerable.Range(0, (int)expected).Select(i => (uint)i), locations);
        Assert.Equal(string.Empty, await ToolRunner.DecodeErrorsAsync(path));
    }

    [Fact]
    public async Task Mmsu_seek_restarts_near_the_requested_time()
    {
        await using TestOrigin origin = await TestOrigin.StartAsync(4, root => Origin(root));
        await using IMmsSession session = (await MmsConnector.ConnectAsync(origin.Url("mmsu", "mbr.asf"), Options(), null,
            CancellationToken.None)).Session;
        Assert.Equal(0u, (await session.ReadAsync(CancellationToken.None)).LocationId);
        await session.SeekAsync(TimeSpan.FromSeconds(2), CancellationToken.None);
        MmsReadResult read = await session.ReadAsync(CancellationToken.None);
        Assert.Equal(MmsReadResultKind.Packet, read.Kind);
        uint sendTime = MmsGateway.Asf.Packets.AsfPacketParser.ParseHeader(read.Packet.Span, session.Header.PacketSize).SendTime;
        Assert.InRange(sendTime, 500u, 2500u);
        uint previous = read.LocationId;
        for (int i = 0; i < 20; i++)
        {
            read = await session.ReadAsync(CancellationToken.None);
            Assert.Equal(previous + 1, read.LocationId);
            previous = read.LocationId;
        }
    }

    [Fact]
    public async Task Mmsu_falls_back_to_tcp_data_when_the_server_refuses_udp()
    {
        await using TestOrigin origin = await TestOrigin.StartAsync(4, root => Origin(root, udpPort: -1));
        MmsConnectResult result = await MmsConnector.ConnectAsync(origin.Url("mmsu", "single.wmv"), Options(), null,
            CancellationToken.None);
        await using IMmsSession session = result.Session;
        Assert.Equal(MmsProtocol.Mmst, session.Protocol);
        Assert.Equal([MmsProtocol.Mmsu, MmsProtocol.Mmst], result.Attempts.Select(a => a.Protocol));
        Assert.Equal(MmsClientStep.Funnel, result.Attempts[0].FailedStep);
        Assert.Equal(MmsReadResultKind.Packet, (await session.ReadAsync(CancellationToken.None)).Kind);
    }

    [Fact]
    public async Task Mmsu_falls_back_to_tcp_data_when_no_datagram_arrives()
    {
        await using TestOrigin origin = await TestOrigin.StartAsync(4, root => Origin(root));
        MmsClientOptions options = Options();
        options.MmsuHeaderTimeout = TimeSpan.FromMilliseconds(200);
        using var blackHole = new System.Net.Sockets.UdpClient(0); // bound, never read: datagrams go nowhere useful
        options.MmsuAdvertisedPort = ((System.Net.IPEndPoint)blackHole.Client.LocalEndPoint!).Port;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        MmsConnectResult result = await MmsConnector.ConnectAsync(origin.Url("mmsu", "single.wmv"), options, null,
            CancellationToken.None);
        await using IMmsSession session = result.Session;
        Assert.Equal(MmsProtocol.Mmst, session.Protocol);
        MmsConnectAttempt udp = result.Attempts[0];
        Assert.Equal((MmsProtocol.Mmsu, MmsClientStep.Header, MmsClientErrorKind.TimedOut), (udp.Protocol, udp.FailedStep!.Value, udp.ErrorKind!.Value));
        Assert.Contains("UDP is blocked", udp.Error!.Detail, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.7, 4);
        Assert.Equal(MmsReadResultKind.Packet, (await session.ReadAsync(CancellationToken.None)).Kind);
    }

    [Fact]
    public async Task Mms_rollover_tries_mmsu_only_when_asked()
    {
        await using TestOrigin origin = await TestOrigin.StartAsync(4, root => Origin(root));
        MmsClientOptions options = Options();
        MmsConnectResult plain = await MmsConnector.ConnectAsync(origin.Url("mms", "single.wmv"), options, null,
            CancellationToken.None);
        await using (plain.Session) Assert.Equal(MmsProtocol.Mmst, plain.Session.Protocol);

        options.RolloverOrder = [MmsProtocol.Mmsu, MmsProtocol.Mmst, MmsProtocol.Mmsh];
        MmsConnectResult udp = await MmsConnector.ConnectAsync(origin.Url("mms", "single.wmv"), options, null,
            CancellationToken.None);
        await using (udp.Session)
        {
            Assert.Equal(MmsProtocol.Mmsu, udp.Session.Protocol);
            Assert.Equal(MmsReadResultKind.Packet, (await udp.Session.ReadAsync(CancellationToken.None)).Kind);
        }
    }
}

/// <summary>MMSU with 5 % of first transmissions dropped by the origin: every packet still arrives, in order.</summary>
public sealed class MmsuLossTests
{
    [Fact]
    public async Task Every_packet_arrives_despite_udp_loss()
    {
        await using TestOrigin origin = await TestOrigin.StartAsync(4, root => MmsuClientTests.Origin(root, loss: 5));
        MmsConnectResult result = await MmsConnector.ConnectAsync(origin.Url("mmsu", "mbr.asf"),
            MmsuClientTests.Options(), null, CancellationToken.None);
        await using IMmsSession session = result.Session;
        Assert.Equal(MmsProtocol.Mmsu, session.Protocol);
        string path = Path.Combine(origin.Root, "lossy.asf");
        List<uint> locations = await MmsuClientTests.RecordAsync(session, path);

        ulong expected = session.Header.FileProperties.DataPacketsCount;
        Assert.Equal(Enumerable.Range(0, (int)expected).Select(i => (uint)i), locations);
        (long dropped, long resent) = origin.Server.UdpCounters;
        Assert.True(dropped > 0, "the origin dropped no datagram");
        Assert.True(resent >= dropped, $"dropped {dropped}, resent {resent}");
        // What the gateway's mmsgw_upstream_lost_packets_total reads: recovered by resend requests, none lost.
        UpstreamLossCounts losses = ((IUpstreamLossReport)session).LossCounts;
        Assert.InRange(losses.Recovered, 1, resent);
        Assert.Equal(new UpstreamLossCounts(losses.Recovered, 0, 0), losses);
        Assert.Equal(string.Empty, await ToolRunner.DecodeErrorsAsync(path));
    }
}
