using System.Diagnostics;
using MmsGateway.Asf;
using MmsGateway.Asf.Packets;
using MmsGateway.Mms.Client;
using MmsGateway.Origin;
using MmsGateway.Testing;

namespace MmsGateway.Mms.Tests.Client;

public sealed class OriginInteropTests
{
    private static MmsClientOptions Options() => new()
    {
        ConnectTimeout = TimeSpan.FromSeconds(3),
        HandshakeTimeout = TimeSpan.FromSeconds(5),
        ReadTimeout = TimeSpan.FromSeconds(5),
    };

    /// <summary>The origin with a live loop of the multi-bitrate file, a redirect and a fast ping (unless configured).</summary>
    private static Task<TestOrigin> StartAsync(Func<string, OriginOptions>? configure = null) =>
        TestOrigin.StartAsync(10, configure ?? (root => TestOrigin.DefaultOptions(root) with
        {
            Live = new Dictionary<string, string> { ["live"] = Path.Combine(root, "mbr.asf") },
            Redirects = new Dictionary<string, string> { ["moved"] = "/single.wmv" },
            PingInterval = TimeSpan.FromMilliseconds(300),
        }));

    private static Uri Url(TestOrigin origin, string scheme, string path) => origin.Url(scheme, path);

    [Theory]
    [InlineData("mmst")]
    [InlineData("mmsh")]
    public async Task On_demand_file_arrives_whole_and_decodes(string scheme)
    {
        await using TestOrigin handle = await StartAsync();
        TestOrigin origin = handle;
        string root = handle.Root;
        var file = TestFile.Load(Path.Combine(root, "single.wmv"));
        await using IMmsSession session =
            (await MmsConnector.ConnectAsync(Url(origin, scheme, "single.wmv"), Options(), null, CancellationToken.None)).Session;
        Assert.False(session.IsBroadcast);
        Assert.Equal(file.Header, session.HeaderBytes.ToArray());

        string path = Path.Combine(root, "recorded.asf");
        await using (FileStream output = File.Create(path))
        {
            await output.WriteAsync(session.HeaderBytes);
            for (int i = 0; ; i++)
            {
                MmsReadResult read = await session.ReadAsync(CancellationToken.None);
                if (read.Kind == MmsReadResultKind.EndOfStream)
                {
                    Assert.Equal(file.Packets.Count, i);
                    break;
                }

                Assert.Equal(MmsReadResultKind.Packet, read.Kind);
                Assert.Equal((uint)i, read.LocationId);
                Assert.Equal(file.Packets[i], read.Packet.ToArray());
                await output.WriteAsync(read.Packet);
            }
        }

        Assert.Equal(string.Empty, await ToolRunner.DecodeErrorsAsync(path));
    }

    [Theory]
    [InlineData("mmst")]
    [InlineData("mmsh")]
    public async Task Live_multi_bitrate_selection_and_thinning_reach_the_server(string scheme)
    {
        await using TestOrigin handle = await StartAsync();
        TestOrigin origin = handle;
        await using IMmsSession session =
            (await MmsConnector.ConnectAsync(Url(origin, scheme, "live"), Options(), null, CancellationToken.None)).Session;
        Assert.True(session.IsBroadcast);
        Assert.Equal(AsfStreamSet.Of(1, 2, 3, 4), session.Header.AllStreams);

        await session.SelectStreamsAsync([StreamSelection.On(2), StreamSelection.On(4)], CancellationToken.None);
        await AssertOnlyAsync(session, AsfStreamSet.Of(2, 4), AsfStreamSet.None);

        await session.SelectStreamsAsync([new StreamSelection(3, StreamSelection.KeyFramesOnly), StreamSelection.On(4)],
            CancellationToken.None);
        Assert.Equal(AsfStreamSet.Of(3, 4), session.SelectedStreams);
        await AssertOnlyAsync(session, AsfStreamSet.Of(3, 4), AsfStreamSet.Of(3));
    }

    /// <summary>
    /// After packets already in flight, 30 packets in a row carry only <paramref name="streams"/>. A packet sent before
    /// the switch may happen to carry only those streams too (one of audio alone), so the run restarts at any other.
    /// </summary>
    private static async Task AssertOnlyAsync(IMmsSession session, AsfStreamSet streams, AsfStreamSet keyOnly)
    {
        var payloads = new AsfPayload[AsfPacketParser.MaxPayloads];
        int matching = 0;
        for (int i = 0; i < 200 && matching < 30; i++)
        {
            MmsReadResult read = await session.ReadAsync(CancellationToken.None);
            Assert.Equal(MmsReadResultKind.Packet, read.Kind);
            AsfPacket packet = AsfPacketParser.Parse(read.Packet.Span, session.Header.PacketSize, payloads);
            bool only = true;
            for (int p = 0; p < packet.PayloadCount; p++)
            {
                only &= streams.Contains(payloads[p].StreamNumber)
                    && (!keyOnly.Contains(payloads[p].StreamNumber) || payloads[p].IsKeyFrame);
            }

            matching = only ? matching + 1 : 0;
        }

        Assert.Equal(30, matching);
    }

    [Theory]
    [InlineData("mmst")]
    [InlineData("mmsh")]
    public async Task Seek_restarts_near_the_requested_time(string scheme)
    {
        await using TestOrigin handle = await StartAsync();
        TestOrigin origin = handle;
        await using IMmsSession session =
            (await MmsConnector.ConnectAsync(Url(origin, scheme, "mbr.asf"), Options(), null, CancellationToken.None)).Session;
        Assert.Equal(0u, (await session.ReadAsync(CancellationToken.None)).LocationId);

        await session.SeekAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        MmsReadResult read = await session.ReadAsync(CancellationToken.None);
        Assert.Equal(MmsReadResultKind.Packet, read.Kind);
        uint sendTime = AsfPacketParser.ParseHeader(read.Packet.Span, session.Header.PacketSize).SendTime;
        Assert.InRange(sendTime, 3000u, 5500u);
        while ((await session.ReadAsync(CancellationToken.None)).Kind == MmsReadResultKind.Packet)
        {
        }
    }

    [Fact]
    public async Task Mmst_redirect_and_not_found()
    {
        await using TestOrigin handle = await StartAsync();
        TestOrigin origin = handle;
        MmsConnectResult result =
            await MmsConnector.ConnectAsync(Url(origin, "mmst", "moved"), Options(), null, CancellationToken.None);
        await using (result.Session)
        {
            Assert.Equal(Url(origin, "mmst", "single.wmv"), result.Session.Url);
            Assert.Equal(MmsConnectOutcome.Redirected, result.Attempts[0].Outcome);
        }

        var e = await Assert.ThrowsAsync<MmsClientException>(() =>
            MmsConnector.ConnectAsync(Url(origin, "mmst", "missing.wmv"), Options(), null, CancellationToken.None));
        Assert.Equal(MmsClientErrorKind.NotFound, e.Kind);
        Assert.Equal(MmsClientStep.OpenFile, e.Step);
    }

    [Fact]
    public async Task Mmst_basic_authentication()
    {
        await using TestOrigin handle = await StartAsync(root => new OriginOptions
        {
            Root = root, MmstPort = 0, HttpPort = -1, UdpPort = -1, BasicCredentials = "user:secret",
        });
        TestOrigin origin = handle;
        var e = await Assert.ThrowsAsync<MmsClientException>(() =>
            MmsConnector.ConnectAsync(Url(origin, "mmst", "single.wmv"), Options(), null, CancellationToken.None));
        Assert.Equal(MmsClientErrorKind.AuthenticationRequired, e.Kind);

        var url = new Uri($"mmst://user:secret@127.0.0.1:{origin.MmstPort}/single.wmv");
        await using IMmsSession session = (await MmsConnector.ConnectAsync(url, Options(), null, CancellationToken.None)).Session;
        Assert.Equal(MmsReadResultKind.Packet, (await session.ReadAsync(CancellationToken.None)).Kind);
    }

    [Theory]
    [InlineData("mmst")]
    [InlineData("mmsh")]
    public async Task Faults_end_in_clear_errors(string scheme)
    {
        await using TestOrigin handle = await StartAsync(root => new OriginOptions
        {
            Root = root, MmstPort = 0, HttpPort = 0, UdpPort = -1,
            Live = new Dictionary<string, string> { ["live"] = Path.Combine(root, "single.wmv") },
        });
        TestOrigin origin = handle;
        MmsClientOptions options = Options();
        options.ReadTimeout = TimeSpan.FromSeconds(1);

        origin.Server.Faults = new OriginFaults { StallAfter = TimeSpan.FromMilliseconds(300) };
        await using (IMmsSession stalled =
            (await MmsConnector.ConnectAsync(Url(origin, scheme, "live"), options, null, CancellationToken.None)).Session)
        {
            var clock = Stopwatch.StartNew();
            var e = await Assert.ThrowsAsync<MmsClientException>(() => DrainAsync(stalled));
            Assert.Equal(MmsClientErrorKind.TimedOut, e.Kind);
            Assert.Equal(MmsClientStep.Read, e.Step);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4));
        }

        origin.Server.Faults = new OriginFaults { DisconnectAfter = TimeSpan.FromMilliseconds(300) };
        await using (IMmsSession dropped =
            (await MmsConnector.ConnectAsync(Url(origin, scheme, "live"), options, null, CancellationToken.None)).Session)
        {
            var e = await Assert.ThrowsAsync<MmsClientException>(() => DrainAsync(dropped));
            Assert.Equal(MmsClientErrorKind.ConnectionLost, e.Kind);
        }

        origin.Server.Faults = new OriginFaults { ResetDuringHandshake = true };
        var reset = await Assert.ThrowsAsync<MmsClientException>(() =>
            MmsConnector.ConnectAsync(Url(origin, scheme, "live"), options, null, CancellationToken.None));
        Assert.Equal(MmsClientErrorKind.ConnectionLost, reset.Kind);
        Assert.Equal(scheme == "mmst" ? MmsClientStep.Handshake : MmsClientStep.Describe, reset.Step);
    }

    [Fact]
    public async Task Mms_rolls_over_to_MMSH_when_the_origin_refuses_MMST()
    {
        await using TestOrigin handle = await StartAsync(root => new OriginOptions
        {
            Root = root, MmstPort = 0, HttpPort = 0, UdpPort = -1,
            Faults = new OriginFaults { Refuse = new HashSet<string>(["mmst"], StringComparer.OrdinalIgnoreCase) },
        });
        TestOrigin origin = handle;
        MmsClientOptions options = Options();
        options.DefaultMmstPort = origin.MmstPort > 0 ? origin.MmstPort : FreePort();
        options.DefaultMmshPort = origin.HttpPort;
        options.DefaultRtspPort = FreePort(); // RTSP comes first in the default order (docs/protocol/rtsp.md#s1.1): nothing listens
        MmsConnectResult result = await MmsConnector.ConnectAsync(new Uri("mms://127.0.0.1/single.wmv"), options, null,
            CancellationToken.None);
        await using IMmsSession session = result.Session;
        Assert.Equal(MmsProtocol.Mmsh, session.Protocol);
        Assert.Equal([MmsProtocol.Rtspt, MmsProtocol.Mmst, MmsProtocol.Mmsh], result.Attempts.Select(a => a.Protocol));
        Assert.Equal([MmsConnectOutcome.Failed, MmsConnectOutcome.Failed, MmsConnectOutcome.Connected], result.Attempts.Select(a => a.Outcome));
    }

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static async Task DrainAsync(IMmsSession session)
    {
        while ((await session.ReadAsync(CancellationToken.None)).Kind != MmsReadResultKind.EndOfStream)
        {
        }
    }

    /// <summary>A file's header (Header Object + 50) and packets.</summary>
    private sealed record TestFile(byte[] Header, IReadOnlyList<byte[]> Packets)
    {
        public static TestFile Load(string path)
        {
            byte[] bytes = File.ReadAllBytes(path);
            AsfHeader header = AsfHeaderReader.Parse(bytes);
            int start = header.Raw.Length + AsfDataObjectHeader.Size;
            int count = (int)header.FileProperties.DataPacketsCount;
            var packets = Enumerable.Range(0, count)
                .Select(i => bytes.AsSpan(start + (i * header.PacketSize), header.PacketSize).ToArray()).ToArray();
            return new TestFile(bytes[..start], packets);
        }
    }
}
