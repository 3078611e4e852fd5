using MmsGateway.Asf;
using MmsGateway.Asf.Objects;
using MmsGateway.Asf.Packets;
using MmsGateway.Mms.Client;
using MmsGateway.Origin;
using MmsGateway.Testing;

namespace MmsGateway.Mms.Tests.Client;

/// <summary>
/// The MS-RTSP client against the origin's RTSP server (its real peer, docs/protocol/rtsp.md#s2.8): on demand over
/// TCP and UDP compared with the file, seek, live, multi-bitrate selection by SETUP and a mid-session switch,
/// Basic/Digest, redirect, not found, and <c>mms://</c> rollover reaching RTSP first.
/// </summary>
public sealed class RtspOriginTests
{
    private static MmsClientOptions Options() => new()
    {
        ConnectTimeout = TimeSpan.FromSeconds(3),
        HandshakeTimeout = TimeSpan.FromSeconds(5),
        ReadTimeout = TimeSpan.FromSeconds(5),
        RtspuDataTimeout = TimeSpan.FromSeconds(2),
    };

    private static Task<TestOrigin> StartAsync(Func<string, OriginOptions, OriginOptions>? configure = null) =>
        TestOrigin.StartAsync(4, root =>
        {
            var options = new OriginOptions { Root = root, MmstPort = 0, HttpPort = 0, UdpPort = -1, RtspPort = 0 };
            return configure?.Invoke(root, options) ?? options;
        });

    private static Uri Rtsp(TestOrigin origin, string path, string scheme = "rtsp", string? userInfo = null) =>
        new($"{scheme}://{(userInfo is null ? string.Empty : userInfo + "@")}127.0.0.1:{origin.Server.RtspPort}/{path}");

    internal static async Task<List<byte[]>> ReadAllAsync(IMmsSession session, int? limit = null)
    {
        var packets = new List<byte[]>();
        while (limit is null || packets.Count < limit)
        {
            MmsReadResult read = await session.ReadAsync(CancellationToken.None);
            if (read.Kind == MmsReadResultKind.EndOfStream) break;
            if (read.Kind == MmsReadResultKind.Packet) packets.Add(read.Packet.ToArray());
        }

        return packets;
    }

    /// <summary>The packet's send time and its payloads as (stream, media object, offset, bytes).</summary>
    internal static (uint SendTime, List<(int, uint, uint, string)> Payloads) Describe(byte[] packet, int packetSize)
    {
        var payloads = new AsfPayload[AsfPacketParser.MaxPayloads];
        AsfPacket parsed = AsfPacketParser.Parse(packet, packetSize, payloads);
        var list = new List<(int, uint, uint, string)>();
        for (int i = 0; i < parsed.PayloadCount; i++)
        {
            AsfPayload p = payloads[i];
            list.Add((p.StreamNumber, p.MediaObjectNumber, p.OffsetIntoMediaObject,
                Convert.ToHexString(packet.AsSpan(p.DataOffset, p.DataLength))));
        }

        return (parsed.SendTime, list);
    }

    private static HashSet<int> StreamsIn(IEnumerable<byte[]> packets, int packetSize) =>
        [.. packets.SelectMany(p => Describe(p, packetSize).Payloads.Select(x => x.Item1))];

    [Theory]
    [InlineData("rtsp", MmsProtocol.Rtspt)]
    [InlineData("rtspu", MmsProtocol.Rtspu)]
    public async Task On_demand_delivers_every_packet_of_the_file(string scheme, MmsProtocol protocol)
    {
        await using TestOrigin origin = await StartAsync();
        TestMedia media = TestMedia.Load(Path.Combine(origin.Root, "single.wmv"));
        MmsConnectResult result = await MmsConnector.ConnectAsync(Rtsp(origin, "single.wmv", scheme), Options(), null, CancellationToken.None);
        await using IMmsSession session = result.Session;
        Assert.Equal(protocol, session.Protocol);
        Assert.False(session.IsBroadcast);
        Assert.Equal(AsfHeaderReader.Parse(media.Header).Streams.Count, session.Header.Streams.Count);
        List<byte[]> packets = await ReadAllAsync(session);
        Assert.Equal(media.Packets.Count, packets.Count);
        for (int i = 0; i < packets.Count; i++)
        {
            // The origin sends packets without their padding (MS-RTSP 2.2.1.4): the payloads must be the file's.
            var expected = Describe(media.Packets[i], media.PacketSize);
            var actual = Describe(packets[i], media.PacketSize);
            Assert.Equal(expected.SendTime, actual.SendTime);
            Assert.Equal(expected.Payloads, actual.Payloads);
        }

        Assert.Equal(0, ((RtspSession)session).Losses.Depacketizer.SequenceGaps);
    }

    [Fact]
    public async Task Seek_restarts_at_the_key_frame_of_the_position()
    {
        await using TestOrigin origin = await StartAsync();
        MmsConnectResult result = await MmsConnector.ConnectAsync(Rtsp(origin, "single.wmv"), Options(), null, CancellationToken.None);
        await using IMmsSession session = result.Session;
        int packetSize = session.Header.PacketSize;
        await ReadAllAsync(session, 3);
        await session.SeekAsync(TimeSpan.FromSeconds(2), CancellationToken.None);
        List<byte[]> after = await ReadAllAsync(session, 3);
        uint first = Describe(after[0], packetSize).SendTime;
        Assert.InRange(first, 500u, 2100u); // the key frame at or before 2 s (and not the start)
    }

    [Fact]
    public async Task Live_is_a_broadcast_that_cannot_be_seeked()
    {
        await using TestOrigin origin = await StartAsync((root, o) => new OriginOptions
        {
            Root = root, MmstPort = 0, HttpPort = 0, UdpPort = -1, RtspPort = 0,
            Live = new Dictionary<string, string> { ["live"] = Path.Combine(root, "single.wmv") },
        });
        MmsConnectResult result = await MmsConnector.ConnectAsync(Rtsp(origin, "live"), Options(), null, CancellationToken.None);
        await using IMmsSession session = result.Session;
        Assert.True(session.IsBroadcast);
        Assert.Equal(20, (await ReadAllAsync(session, 20)).Count);
        var e = await Assert.ThrowsAsync<MmsClientException>(async () => await session.SeekAsync(TimeSpan.FromSeconds(1), CancellationToken.None));
        Assert.Equal(MmsClientErrorKind.NotSupported, e.Kind);
    }

    [Fact]
    public async Task Multi_bitrate_selection_sets_up_one_video_and_a_switch_moves_to_another()
    {
        await using TestOrigin origin = await StartAsync();
        int[] videos = [];
        int audio = 0;
        MmsClientOptions options = Options();
        options.InitialSelection = header =>
        {
            videos = [.. header.Streams.Where(s => s.Type == AsfStreamType.Video).Select(s => s.StreamNumber)];
            audio = header.Streams.First(s => s.Type == AsfStreamType.Audio).StreamNumber;
            return [StreamSelection.On(videos[^1]), StreamSelection.On(audio)];
        };
        MmsConnectResult result = await MmsConnector.ConnectAsync(Rtsp(origin, "mbr.asf"), options, null, CancellationToken.None);
        await using IMmsSession session = result.Session;
        int packetSize = session.Header.PacketSize;
        Assert.True(videos.Length >= 2);
        Assert.Equal(AsfStreamSet.None.With(videos[^1]).With(audio), session.SelectedStreams);
        HashSet<int> before = StreamsIn(await ReadAllAsync(session, 30), packetSize);
        Assert.Equal(new HashSet<int> { videos[^1], audio }, before);

        await session.SelectStreamsAsync([StreamSelection.On(videos[0]), StreamSelection.On(audio)], CancellationToken.None);
        Assert.Equal(AsfStreamSet.None.With(videos[0]).With(audio), session.SelectedStreams);
        List<byte[]> after = await ReadAllAsync(session);
        HashSet<int> last = StreamsIn(after.TakeLast(20), packetSize);
        Assert.Contains(videos[0], last);
        Assert.DoesNotContain(videos[^1], last);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Credentials_of_the_URL_answer_the_origin_and_none_is_authentication_required(bool withCredentials)
    {
        await using TestOrigin origin = await StartAsync((root, o) => new OriginOptions
        {
            Root = root, MmstPort = 0, HttpPort = 0, UdpPort = -1, RtspPort = 0, BasicCredentials = "alice:s3cret",
        });
        if (!withCredentials)
        {
            var e = await Assert.ThrowsAsync<MmsClientException>(() =>
                MmsConnector.ConnectAsync(Rtsp(origin, "single.wmv"), Options(), null, CancellationToken.None));
            Assert.Equal(MmsClientErrorKind.AuthenticationRequired, e.Kind);
            return;
        }

        MmsConnectResult result = await MmsConnector.ConnectAsync(Rtsp(origin, "single.wmv", userInfo: "alice:s3cret"), Options(),
            null, CancellationToken.None);
        await using IMmsSession session = result.Session;
        Assert.NotEmpty(await ReadAllAsync(session, 5));
    }

    [Fact]
    public async Task Redirect_and_not_found()
    {
        await using TestOrigin origin = await StartAsync((root, o) => new OriginOptions
        {
            Root = root, MmstPort = 0, HttpPort = 0, UdpPort = -1, RtspPort = 0,
            Redirects = new Dictionary<string, string> { ["old.wmv"] = "/single.wmv" },
        });
        MmsConnectResult result = await MmsConnector.ConnectAsync(Rtsp(origin, "old.wmv"), Options(), null, CancellationToken.None);
        await using (IMmsSession session = result.Session)
        {
            Assert.Equal(MmsConnectOutcome.Redirected, result.Attempts[0].Outcome);
            Assert.EndsWith("/single.wmv", session.Url.AbsolutePath);
            Assert.NotEmpty(await ReadAllAsync(session, 5));
        }

        var e = await Assert.ThrowsAsync<MmsClientException>(() =>
            MmsConnector.ConnectAsync(Rtsp(origin, "nope.wmv"), Options(), null, CancellationToken.None));
        Assert.Equal(MmsClientErrorKind.NotFound, e.Kind);
    }

    [Fact]
    public async Task Mms_url_reaches_the_origin_over_RTSP_first()
    {
        await using TestOrigin origin = await StartAsync();
        MmsClientOptions options = Options();
        options.DefaultRtspPort = origin.Server.RtspPort;
        options.DefaultMmstPort = origin.MmstPort;
        options.DefaultMmshPort = origin.HttpPort;
        MmsConnectResult result = await MmsConnector.ConnectAsync(new Uri("mms://127.0.0.1/single.wmv"), options, null, CancellationToken.None);
        await using IMmsSession session = result.Session;
        Assert.Equal(MmsProtocol.Rtspt, session.Protocol);
        Assert.Equal(MmsConnectOutcome.Connected, Assert.Single(result.Attempts).Outcome);
        Assert.NotEmpty(await ReadAllAsync(session, 5));
    }
}
