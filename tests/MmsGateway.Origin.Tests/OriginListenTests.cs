using System.Net;
using System.Net.Sockets;

namespace MmsGateway.Origin.Tests;

/// <summary>
/// Two origins on one machine: distinct MMST and HTTP ports are enough (the MMSU port follows the MMST port), and
/// a port that is taken fails start-up with the listener, the endpoint and the option named, releasing what was
/// opened before.
/// </summary>
public class OriginListenTests
{
    private static readonly string Root = Directory.CreateTempSubdirectory("mmsgw-listen-").FullName;

    /// <summary>A port number free on loopback for both TCP and UDP right now.</summary>
    private static int FreePort()
    {
        for (var attempt = 0; ; attempt++)
        {
            using var tcp = new TcpListener(IPAddress.Loopback, 0);
            tcp.Start();
            var port = ((IPEndPoint)tcp.LocalEndpoint).Port;
            try
            {
                using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException) when (attempt < 20)
            {
            }
        }
    }

    [Fact]
    public async Task Two_origins_with_their_own_mmst_and_http_ports_start_side_by_side_and_each_takes_its_mmst_number_for_udp()
    {
        var (first, second) = (FreePort(), FreePort());
        await using var a = await OriginServer.StartAsync(new OriginOptions { Root = Root, MmstPort = first, HttpPort = 0 });
        await using var b = await OriginServer.StartAsync(new OriginOptions { Root = Root, MmstPort = second, HttpPort = 0 });

        Assert.Equal((first, first), (a.MmstPort, a.UdpPort));
        Assert.Equal((second, second), (b.MmstPort, b.UdpPort));
        Assert.NotEqual(a.HttpPort, b.HttpPort);
        foreach (var port in new[] { a.MmstPort, b.MmstPort, a.HttpPort, b.HttpPort })
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(5));
        }
    }

    [Fact]
    public async Task An_explicit_udp_port_is_kept_and_zero_mmst_takes_any_free_udp_port()
    {
        var udp = FreePort();
        await using var explicitUdp = await OriginServer.StartAsync(new OriginOptions { Root = Root, MmstPort = 0, HttpPort = -1, UdpPort = udp });
        Assert.Equal(udp, explicitUdp.UdpPort);
        await using var anyPort = await OriginServer.StartAsync(new OriginOptions { Root = Root, MmstPort = 0, HttpPort = -1 });
        Assert.True(anyPort.UdpPort > 0);
        await using var noUdp = await OriginServer.StartAsync(new OriginOptions { Root = Root, MmstPort = 0, HttpPort = -1, UdpPort = -1 });
        Assert.Equal(-1, noUdp.UdpPort);
    }

    [Theory]
    [InlineData("mmst")]
    [InlineData("http")]
    public async Task A_taken_tcp_port_names_the_listener_the_endpoint_and_the_option(string which)
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var taken = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var options = which == "mmst"
            ? new OriginOptions { Root = Root, MmstPort = taken, HttpPort = 0, UdpPort = -1 }
            : new OriginOptions { Root = Root, MmstPort = 0, HttpPort = taken, UdpPort = 0 };

        var e = await Assert.ThrowsAsync<OriginListenException>(() => OriginServer.StartAsync(options));

        Assert.Equal(which == "mmst" ? "--mmst-port" : "--http-port", e.Option);
        Assert.Equal(taken, e.Endpoint.Port);
        Assert.Equal(SocketError.AddressAlreadyInUse, e.Error);
        Assert.Contains($"127.0.0.1:{taken}", e.Message, StringComparison.Ordinal);
        Assert.Contains(which == "mmst" ? "MMST (TCP)" : "MMSH (HTTP)", e.Message, StringComparison.Ordinal);
        Assert.Contains("already in use", e.Message, StringComparison.Ordinal);
        if (which == "http") await AssertTheEarlierListenersWereClosedAsync(taken);
    }

    [Fact]
    public async Task A_taken_udp_port_says_that_it_follows_the_mmst_port_and_releases_nothing_it_did_not_open()
    {
        var port = FreePort();
        var options = new OriginOptions { Root = Root, MmstPort = port, HttpPort = 0 };
        OriginListenException e;
        using (new UdpClient(new IPEndPoint(IPAddress.Loopback, port)))
            e = await Assert.ThrowsAsync<OriginListenException>(() => OriginServer.StartAsync(options));

        Assert.Equal("MMSU (UDP)", e.Listener);
        Assert.Contains("--udp-port", e.Option, StringComparison.Ordinal);
        Assert.Contains("--mmst-port", e.Option, StringComparison.Ordinal);
        Assert.Equal(port, e.Endpoint.Port);
        // Nothing stayed open: the same options start once the UDP port is free.
        await using var server = await OriginServer.StartAsync(options);
        Assert.Equal((port, port), (server.MmstPort, server.UdpPort));
    }

    /// <summary>
    /// A start that fails on HTTP after opening MMST on a fixed port, twice in a row: the second attempt fails on
    /// HTTP again, not on MMST, so the first attempt closed its MMST listener.
    /// </summary>
    private static async Task AssertTheEarlierListenersWereClosedAsync(int takenHttpPort)
    {
        var again = new OriginOptions { Root = Root, MmstPort = FreePort(), HttpPort = takenHttpPort, UdpPort = -1 };
        for (var i = 0; i < 2; i++)
        {
            var e = await Assert.ThrowsAsync<OriginListenException>(() => OriginServer.StartAsync(again));
            Assert.Equal("--http-port", e.Option);
        }
    }
}
