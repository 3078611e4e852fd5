using System.Net;
using System.Net.Sockets;
using MmsGateway.Asf;
using MmsGateway.Asf.Packets;
using MmsGateway.Mms.Mmsh;
using MmsGateway.Mms.Mmst;
using MmsGateway.Mms.Playlists;

namespace MmsGateway.Origin.Tests;

/// <summary>What the origin puts on the wire: selection and thinning, seeking, pacing, paths, many clients.</summary>
public sealed class OriginBehaviourTests(OriginHarness origin) : IClassFixture<OriginHarness>
{
    // single.wmv: stream 1 video (WMV2, key frame every 25 frames), stream 2 audio.
    private static readonly StreamSwitchEntry[] VideoKeyFramesOnly = [new(0xFFFF, 1, 1), new(0xFFFF, 2, 0)];
    private static readonly StreamSwitchEntry[] AudioOnly = [new(0xFFFF, 1, 2), new(0xFFFF, 2, 0)];

    private static List<AsfPayload> Payloads(RawPlay play, out int packetSize)
    {
        var header = AsfHeaderReader.Parse(play.Chunks.First(c => c.Type == MmshChunkType.Header).Payload);
        packetSize = header.PacketSize;
        var result = new List<AsfPayload>();
        var payloads = new AsfPayload[AsfPacketParser.MaxPayloads];
        foreach (var (type, _, payload) in play.Chunks)
        {
            if (type != MmshChunkType.Data) continue;
            // Packets go out full size, except that a packet rebuilt by stream selection leaves its padding off the wire,
            // only in the multiple-payload form where a client's zero fill is never read as data (docs/protocol/asf.md#s4.9).
            Assert.InRange(payload.Length, 1, packetSize);
            var packet = new byte[packetSize];
            AsfPacketWriter.Repad(payload, packetSize, packet);
            if (payload.Length < packetSize) Assert.True(AsfPacketParser.ParseHeader(packet, packetSize).HasMultiplePayloads);
            var parsed = AsfPacketParser.Parse(packet, packetSize, payloads);
            result.AddRange(payloads.AsSpan(0, parsed.PayloadCount).ToArray());
        }
        return result;
    }

    [Fact]
    public async Task Thinning_level_1_sends_only_key_frames_of_video_and_all_audio()
    {
        var full = Payloads(await RawMmsh.PlayAsync(origin.Server.HttpPort, "/single.wmv", [], 0, TimeSpan.FromSeconds(20)), out _);
        var play = await RawMmsh.PlayAsync(origin.Server.HttpPort, "/single.wmv", VideoKeyFramesOnly, 0, TimeSpan.FromSeconds(20));
        Assert.True(play.Ended);
        var thinned = Payloads(play, out _);
        var video = thinned.Where(p => p.StreamNumber == 1).ToList();
        Assert.NotEmpty(video);
        Assert.All(video, p => Assert.True(p.IsKeyFrame));
        Assert.Equal(full.Count(p => p.StreamNumber == 2), thinned.Count(p => p.StreamNumber == 2));
        Assert.True(full.Count(p => p.StreamNumber == 1) > 3 * video.Count);
    }

    [Fact]
    public async Task Thinning_level_2_turns_video_off()
    {
        var play = await RawMmsh.PlayAsync(origin.Server.HttpPort, "/single.wmv", AudioOnly, 0, TimeSpan.FromSeconds(20));
        var payloads = Payloads(play, out _);
        Assert.DoesNotContain(payloads, p => p.StreamNumber == 1);
        Assert.Contains(payloads, p => p.StreamNumber == 2);
    }

    [Fact]
    public async Task Seek_by_stream_time_starts_at_the_key_frame_before_it()
    {
        var play = await RawMmsh.PlayAsync(origin.Server.HttpPort, "/single.wmv", [], 5000, TimeSpan.FromSeconds(20));
        var payloads = Payloads(play, out _);
        var firstVideo = payloads.First(p => p.StreamNumber == 1);
        Assert.True(firstVideo.IsKeyFrame);
        // Presentation times include the 3.1-s preroll; key frames are 1 s apart.
        Assert.InRange(firstVideo.PresentationTime, 3100u + 4000u, 3100u + 5000u);
        Assert.True(play.Chunks.First(c => c.Type == MmshChunkType.Data).LocationId > 0);
    }

    [Fact]
    public async Task Live_join_starts_at_a_key_frame_with_a_broadcast_header()
    {
        var play = await RawMmsh.PlayAsync(origin.Server.HttpPort, "/live", [], null, TimeSpan.FromSeconds(3));
        Assert.Contains(MmshFeatures.Broadcast, play.Response.Features);
        var header = AsfHeaderReader.Parse(play.Chunks.First(c => c.Type == MmshChunkType.Header).Payload);
        Assert.True(header.IsBroadcast);
        var payloads = Payloads(play, out _);
        Assert.NotEmpty(payloads);
        var firstVideo = payloads.First(p => p.StreamNumber == 1);
        Assert.True(firstVideo.IsKeyFrame && firstVideo.StartsMediaObject, "a joining viewer starts at a key frame");
    }

    [Fact]
    public async Task Throughput_cap_holds_and_can_be_changed_while_streaming()
    {
        await using var capped = await OriginServer.StartAsync(new OriginOptions { Root = origin.Root, MmstPort = -1, HttpPort = 0, UdpPort = -1, RateBps = 200_000 });
        var slow = await RawMmsh.PlayAsync(capped.HttpPort, "/mbr.asf", [], 0, TimeSpan.FromSeconds(3));
        // 200 kbit/s for 3 s = 75 kB, plus at most a quarter second of credit.
        Assert.InRange(slow.Bytes, 50_000, 100_000);

        capped.RateBps = 2_000_000;
        var fast = await RawMmsh.PlayAsync(capped.HttpPort, "/mbr.asf", [], 0, TimeSpan.FromSeconds(3));
        Assert.InRange(fast.Bytes, 500_000, 1_000_000);

        // Through the admin route, as a test of the gateway would do it.
        using var http = new HttpClient();
        var answer = await http.GetStringAsync(new Uri($"http://127.0.0.1:{capped.HttpPort}/_admin/rate?bps=123000"));
        Assert.Contains("123000", answer, StringComparison.Ordinal);
        Assert.Equal(123_000, capped.RateBps);
    }

    [Theory]
    [InlineData("/../single.wmv")]
    [InlineData("/..%2f..%2fetc%2fpasswd")]
    [InlineData("/%2e%2e/%2e%2e/etc/passwd")]
    [InlineData("/etc/passwd")]
    [InlineData("/single.txt")]
    public async Task Paths_outside_the_root_are_not_found(string path)
    {
        var play = await RawMmsh.PlayAsync(origin.Server.HttpPort, path, [], 0, TimeSpan.FromSeconds(5));
        Assert.Equal(404, play.Response.StatusCode);
        Assert.Empty(play.Chunks);
    }

    [Fact]
    public async Task Fifty_clients_read_the_live_stream_at_once()
    {
        var plays = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ =>
            RawMmsh.PlayAsync(origin.Server.HttpPort, "/mbrlive", [], null, TimeSpan.FromSeconds(3))));
        Assert.All(plays, p => Assert.True(p.Chunks.Count(c => c.Type == MmshChunkType.Data) > 10));
    }

    [Fact]
    public async Task Plain_web_client_gets_a_reference_redirector()
    {
        using var http = new HttpClient();
        var url = new Uri($"http://127.0.0.1:{origin.Server.HttpPort}/single.wmv");
        var reference = ReferenceFileParser.Parse(await http.GetStringAsync(url), url);
        var entry = Assert.Single(reference.Refs);
        Assert.Equal($"http://127.0.0.1:{origin.Server.HttpPort}/single.wmv?MSWMExt=.asf", entry.Url.ToString());
        Assert.True(entry.TryAsMmsh);
    }

    [Fact]
    public async Task Refused_protocol_does_not_listen_and_faults_cut_streams()
    {
        await using var faulty = await OriginServer.StartAsync(new OriginOptions
        {
            Root = origin.Root,
            MmstPort = 0,
            HttpPort = 0,
            UdpPort = -1,
            Faults = new OriginFaults { Refuse = new HashSet<string> { "mmst" }, DisconnectAfter = TimeSpan.FromSeconds(1) },
            RateBps = 400_000,
        });
        Assert.Equal(-1, faulty.MmstPort);
        var started = DateTime.UtcNow;
        var play = await RawMmsh.PlayAsync(faulty.HttpPort, "/mbr.asf", [], 0, TimeSpan.FromSeconds(10));
        Assert.False(play.Ended, "a disconnect fault ends without $E");
        Assert.InRange((DateTime.UtcNow - started).TotalSeconds, 0.8, 4);
    }

    [Fact]
    public async Task Multicast_station_file_describes_a_group_that_carries_the_packets()
    {
        var group = new IPEndPoint(IPAddress.Parse("239.255.42.42"), 0);
        using var receiver = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        receiver.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        receiver.Bind(new IPEndPoint(IPAddress.Any, 0));
        var port = ((IPEndPoint)receiver.LocalEndPoint!).Port;
        receiver.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(group.Address, IPAddress.Loopback));

        await using var station = await OriginServer.StartAsync(new OriginOptions
        {
            Root = origin.Root,
            MmstPort = 0,
            HttpPort = 0,
            UdpPort = -1,
            Live = new Dictionary<string, string> { ["tv"] = Path.Combine(origin.Root, "single.wmv") },
            Multicast = new Dictionary<string, IPEndPoint> { ["tv"] = new(group.Address, port) },
        });

        using var http = new HttpClient();
        var nsc = NscFile.Parse(await http.GetStringAsync(new Uri($"http://127.0.0.1:{station.HttpPort}/tv.nsc")));
        Assert.Equal("239.255.42.42", nsc.IpAddress);
        Assert.Equal(port, nsc.IpPort);
        Assert.Equal($"mms://127.0.0.1:{station.MmstPort}/tv", nsc.UnicastUrl);
        var header = AsfHeaderReader.Parse(Assert.Single(nsc.Formats).Header.Span);
        Assert.True(header.IsBroadcast);

        var buffer = new byte[65536];
        var payloads = new AsfPayload[AsfPacketParser.MaxPayloads];
        int packets = 0, beacons = 0;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (packets < 20 && !deadline.IsCancellationRequested)
        {
            var n = await receiver.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
            if (MsbPacket.IsBeacon(buffer.AsSpan(0, n)))
            {
                beacons++;
                continue;
            }
            var msb = MsbPacket.Parse(buffer.AsMemory(0, n).ToArray());
            Assert.Equal(Assert.Single(nsc.Formats).FormatId, msb.FormatId);
            AsfPacketParser.Parse(msb.Payload.Span, header.PacketSize, payloads);
            packets++;
        }
        Assert.Equal(20, packets);
        Assert.True(beacons >= 1);
    }
}
