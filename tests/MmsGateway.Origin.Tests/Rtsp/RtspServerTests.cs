using System.Net;
using System.Net.Sockets;
using MmsGateway.Asf;
using MmsGateway.Asf.Packets;
using MmsGateway.Mms.Rtsp;

namespace MmsGateway.Origin.Tests.Rtsp;

/// <summary>
/// The MS-RTSP server seen from a bare client on a real socket: the answers of the per-method table
/// (docs/protocol/rtsp.md#s2.8), stream selection and switching (docs/protocol/rtsp.md#s6), the end of stream
/// (docs/protocol/rtsp.md#s5.1), retransmission on NACK (docs/protocol/rtsp.md#s7), pause and resume.
/// </summary>
public sealed class RtspServerTests(OriginHarness origin) : IClassFixture<OriginHarness>
{
    private static readonly byte[] HeaderGuid = [0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11, 0xA6, 0xD9, 0x00, 0xAA, 0x00, 0x62, 0xCE, 0x6C];

    internal static List<byte[]> AsfPackets(IEnumerable<byte[]> rtpPackets, int packetSize)
    {
        var depacketizer = new AsfRtpDepacketizer(packetSize);
        var packets = new List<byte[]>();
        foreach (var rtp in rtpPackets)
        {
            depacketizer.Push(rtp);
            while (depacketizer.TryDequeue(out var packet)) packets.Add(packet.ToArray());
        }
        return packets;
    }

    internal static IEnumerable<AsfPayload> Payloads(byte[] packet, int packetSize)
    {
        var payloads = new AsfPayload[AsfPacketParser.MaxPayloads];
        var header = AsfPacketParser.Parse(packet, packetSize, payloads);
        return payloads.Take(header.PayloadCount).ToArray();
    }

    private static RtspHeaders Tcp(int channel) => new RtspHeaders().Add("Transport", $"RTP/AVP/TCP;unicast;interleaved={channel}-{channel + 1};mode=play");

    private static IEnumerable<byte[]> Rtp(RawRtspClient client) => client.Frames.Where(f => f.Channel == 0).Select(f => f.Payload);

    [Fact]
    public async Task Options_names_a_windows_media_server_and_lists_get_parameter()
    {
        await using var client = await RawRtspClient.ConnectAsync(origin.Server.RtspPort);
        var (head, _) = await client.RequestAsync(RtspMethods.Options, origin.Rtsp("single.wmv"));
        Assert.Equal(200, head.StatusCode);
        Assert.StartsWith("WMServer/", head.Headers["Server"], StringComparison.Ordinal);
        Assert.Contains("GET_PARAMETER", head.Headers["Public"], StringComparison.Ordinal);
        Assert.Equal("1", head.Headers["CSeq"]);
    }

    [Fact]
    public async Task Describe_gives_the_wms_sdp_for_on_demand_and_live()
    {
        await using var client = await RawRtspClient.ConnectAsync(origin.Server.RtspPort);
        var (head, body) = await client.RequestAsync(RtspMethods.Describe, origin.Rtsp("single.wmv"), new RtspHeaders().Add("Accept", "application/sdp"));
        Assert.Equal(200, head.StatusCode);
        Assert.Equal("application/sdp", head.ContentType);
        Assert.Equal("0", head.Headers["X-Broadcast-Id"]);
        Assert.True(uint.Parse(head.Headers["X-Playlist-Gen-Id"]!, System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Equal(origin.Rtsp("single.wmv") + "/", head.Headers["Content-Base"]);
        Assert.Contains("com.microsoft.wm.eosmsg", head.Headers["Supported"], StringComparison.Ordinal);
        var sdp = SdpParser.Parse(body, RtspLimits.Default);
        Assert.True(sdp.AsfHeader!.Value.Span.StartsWith(HeaderGuid));
        Assert.NotNull(sdp.Range!.Value.EndSeconds);
        Assert.True(sdp.Media[^1].IsRetransmission);
        Assert.Equal(2, sdp.Media.Count(m => m.IsAsf));
        // The ASF header line comes before the first m= line (docs/protocol/rtsp.md#s0.3).
        var text = RawRtspClient.Text(body);
        Assert.True(text.IndexOf("a=pgmpu:", StringComparison.Ordinal) < text.IndexOf("m=", StringComparison.Ordinal));

        var (liveHead, liveBody) = await client.RequestAsync(RtspMethods.Describe, origin.Rtsp("live"), new RtspHeaders().Add("Accept", "application/sdp"));
        Assert.Equal(200, liveHead.StatusCode);
        Assert.NotEqual("0", liveHead.Headers["X-Broadcast-Id"]);
        Assert.Null(SdpParser.Parse(liveBody, RtspLimits.Default).Range!.Value.EndSeconds);

        var (missing, _) = await client.RequestAsync(RtspMethods.Describe, origin.Rtsp("nothing.wmv"));
        Assert.Equal(404, missing.StatusCode);
    }

    [Fact]
    public async Task Setup_answers_a_session_and_echoes_the_transport_and_refuses_multicast_with_461()
    {
        await using var client = await RawRtspClient.ConnectAsync(origin.Server.RtspPort);
        var url = origin.Rtsp("single.wmv");
        await client.DescribeAsync(url);
        var (multicast, _) = await client.RequestAsync(RtspMethods.Setup, url + "/stream=1", new RtspHeaders().Add("Transport", "RTP/AVP;multicast;port=5000-5001"));
        Assert.Equal(461, multicast.StatusCode);
        var (head, _) = await client.RequestAsync(RtspMethods.Setup, url + "/stream=1", new RtspHeaders().Add("Transport", "RTP/AVP/UDP;unicast;client_port=40000-40001;mode=play"));
        Assert.Equal(200, head.StatusCode);
        Assert.Equal(60, head.Session!.Value.TimeoutSeconds);
        var transport = RtspTransport.Parse(head.Headers["Transport"]!);
        Assert.Equal(RtspLowerTransport.Udp, transport.Lower);
        Assert.Equal(new RtspPortPair(40000, 40001), transport.ClientPort);
        Assert.Equal(0, transport.ServerPort!.Value.First % 2);
        // ffmpeg's later streams send one port and read it back from the answer (docs/protocol/rtsp.md#s0.5).
        var (second, _) = await client.RequestAsync(RtspMethods.Setup, url + "/stream=2", new RtspHeaders().Add("Transport", "RTP/AVP/UDP;unicast;client_port=40000;mode=play"));
        Assert.Equal(new RtspPortPair(40000, null), RtspTransport.Parse(second.Headers["Transport"]!).ClientPort);
        Assert.Equal(transport.ServerPort, RtspTransport.Parse(second.Headers["Transport"]!).ServerPort);
        // The session's lower transport is fixed by its first SETUP.
        var (mixed, _) = await client.RequestAsync(RtspMethods.Setup, url + "/stream=2", Tcp(2));
        Assert.Equal(461, mixed.StatusCode);

        await using var tcp = await RawRtspClient.ConnectAsync(origin.Server.RtspPort);
        await tcp.DescribeAsync(url);
        var (tcpHead, _) = await tcp.RequestAsync(RtspMethods.Setup, url + "/stream=2", Tcp(4));
        Assert.Equal(new RtspPortPair(4, 5), RtspTransport.Parse(tcpHead.Headers["Transport"]!).Interleaved);
        var (wrongSession, _) = await tcp.RequestAsync(RtspMethods.Play, url + "/", new RtspHeaders().Add("Session", "12345"));
        Assert.Equal(454, wrongSession.StatusCode);
    }

    [Fact]
    public async Task Only_the_streams_set_up_are_sent_and_a_stream_switch_replaces_one_mid_session()
    {
        await using var client = await RawRtspClient.ConnectAsync(origin.Server.RtspPort);
        var url = origin.Rtsp("mbrlive");
        var sdp = await client.DescribeAsync(url);
        var packetSize = sdp.MaxPacketSize!.Value;
        var videos = sdp.Media.Where(m => m.MediaType == "video").Select(m => m.StreamNumber!.Value).ToList();
        var audio = sdp.Media.Single(m => m.MediaType == "audio").StreamNumber!.Value;
        Assert.Equal(3, videos.Count);
        var (first, second) = (videos[0], videos[1]);
        Assert.Equal(200, (await client.RequestAsync(RtspMethods.Setup, $"{url}/stream={first}", Tcp(0))).Head.StatusCode);
        Assert.Equal(200, (await client.RequestAsync(RtspMethods.Setup, $"{url}/stream={audio}", Tcp(2))).Head.StatusCode);
        Assert.Equal(200, (await client.RequestAsync(RtspMethods.Play, url + "/", new RtspHeaders().Add("Range", "npt=0-"))).Head.StatusCode);
        Assert.True(await client.ReadUntilAsync(() => client.Frames.Count > 60, TimeSpan.FromSeconds(20)));
        var before = AsfPackets(Rtp(client), packetSize).SelectMany(p => Payloads(p, packetSize)).Select(p => p.StreamNumber).ToHashSet();
        Assert.True(before.SetEquals([audio, first]), $"streams {string.Join(",", before)}; set up {first} and {audio}");

        // MS-RTSP 2.2.7.10.3: OldStream first -> NewStream second, on the URL that selected the old stream.
        var body = WmsStreamSwitch.Format([new WmsStreamSwitchEntry((uint)first, (uint)second, 0, $"{url}/stream={first}", $"{url}/stream={second}")]);
        var (switched, _) = await client.RequestAsync(RtspMethods.SetParameter, $"{url}/stream={first}", new RtspHeaders().Add("Content-Type", WmsStreamSwitch.ContentType), body);
        Assert.Equal(200, switched.StatusCode);
        var mark = client.Frames.Count;
        // The replacement starts at its next key frame (about a second); then the old stream is gone.
        Assert.True(await client.ReadUntilAsync(() => client.Frames.Count > mark + 150, TimeSpan.FromSeconds(30)));
        var after = AsfPackets(client.Frames.Skip(mark).Where(f => f.Channel == 0).Select(f => f.Payload), packetSize)
            .Select(p => Payloads(p, packetSize).Select(x => x.StreamNumber).ToHashSet()).ToList();
        Assert.Contains(after, s => s.Contains(second));
        var tail = after.Skip(after.Count / 2).SelectMany(s => s).ToHashSet();
        Assert.DoesNotContain(first, tail);
        Assert.Contains(second, tail);
    }

    [Fact]
    public async Task Thinning_to_key_frames_only_sends_no_other_video_frames()
    {
        await using var client = await RawRtspClient.ConnectAsync(origin.Server.RtspPort);
        var url = origin.Rtsp("live");
        var sdp = await client.DescribeAsync(url);
        var packetSize = sdp.MaxPacketSize!.Value;
        var video = sdp.Media.Single(m => m.MediaType == "video").StreamNumber!.Value;
        Assert.Equal(200, (await client.RequestAsync(RtspMethods.Setup, $"{url}/stream={video}", Tcp(0))).Head.StatusCode);
        Assert.Equal(200, (await client.RequestAsync(RtspMethods.Play, url + "/")).Head.StatusCode);
        Assert.True(await client.ReadUntilAsync(() => client.Frames.Count > 20, TimeSpan.FromSeconds(20)));
        // The same stream on both sides with ThinLevel 1: key frames only (docs/protocol/rtsp.md#s6.2).
        var body = WmsStreamSwitch.Format([new WmsStreamSwitchEntry((uint)video, (uint)video, 1, $"{url}/stream={video}", $"{url}/stream={video}")]);
        Assert.Equal(200, (await client.RequestAsync(RtspMethods.SetParameter, $"{url}/stream={video}", new RtspHeaders().Add("Content-Type", WmsStreamSwitch.ContentType), body)).Head.StatusCode);
        var mark = client.Frames.Count;
        await client.ReadUntilAsync(() => false, TimeSpan.FromSeconds(4));
        var payloads = AsfPackets(client.Frames.Skip(mark + 2).Where(f => f.Channel == 0).Select(f => f.Payload), packetSize)
            .SelectMany(p => Payloads(p, packetSize)).Where(p => p.StreamNumber == video && p.StartsMediaObject).ToList();
        Assert.NotEmpty(payloads);
        Assert.All(payloads, p => Assert.True(p.IsKeyFrame));
    }

    [Fact]
    public async Task On_demand_ends_with_the_end_of_stream_request_then_bye_then_a_close()
    {
        await using var client = await RawRtspClient.ConnectAsync(origin.Server.RtspPort);
        var url = origin.Rtsp("audio.wma");
        var sdp = await client.DescribeAsync(url);
        var stream = sdp.Media.Single(m => m.IsAsf).StreamNumber!.Value;
        Assert.Equal(200, (await client.RequestAsync(RtspMethods.Setup, $"{url}/stream={stream}", Tcp(0))).Head.StatusCode);
        var (play, _) = await client.RequestAsync(RtspMethods.Play, url + "/", new RtspHeaders().Add("Range", "npt=0.000-"));
        Assert.Equal(200, play.StatusCode);
        var firstSequence = RtpInfoHeader.Parse(play.Headers["RTP-Info"]!).Single().Sequence!.Value;
        Assert.True(await client.ClosedWithinAsync(TimeSpan.FromSeconds(30)));

        var (eos, eosBody) = Assert.Single(client.ServerRequests);
        Assert.Equal(RtspMethods.SetParameter, eos.Method);
        Assert.Equal(WmsEndOfStream.ContentType, eos.ContentType);
        Assert.Equal(2101, RtspNotice.Parse(eos.Headers["X-Notice"]!).Code);
        var parsed = WmsEndOfStream.Parse(eosBody, RtspLimits.Default);
        Assert.True(parsed.EndOfFile);
        Assert.Equal(client.SessionId, parsed.SessionId);
        var rtp = Rtp(client).ToList();
        // RTP-Info of the end of stream: the sequence number after the last packet (docs/protocol/rtsp.md#s5.1).
        var last = RtpHeader.Parse(rtp[^1]).SequenceNumber;
        Assert.Equal((ushort)(last + 1), RtpInfoHeader.Parse(eos.Headers["RTP-Info"]!).Single().Sequence);
        Assert.Equal(firstSequence, RtpHeader.Parse(rtp[0]).SequenceNumber);
        var byes = client.Frames.Where(f => f.Channel == 1).ToList();
        Assert.NotEmpty(byes);
        Assert.All(byes, f => Assert.True(RtcpCompound.ContainsBye(f.Payload)));
        // Every packet of the file arrived, full and in order.
        var packets = AsfPackets(rtp, sdp.MaxPacketSize!.Value);
        using var file = MmsGateway.Asf.Files.AsfFile.Open(Path.Combine(origin.Root, "audio.wma"));
        Assert.Equal(file.PacketCount, packets.Count);
        var sequences = rtp.Select(p => RtpHeader.Parse(p).SequenceNumber).ToList();
        Assert.All(sequences.Zip(sequences.Skip(1)), pair => Assert.Equal((ushort)(pair.First + 1), pair.Second));
    }

    [Fact]
    public async Task The_end_of_stream_request_sent_back_with_a_nul_after_it_is_answered_and_the_session_goes_on()
    {
        // What GStreamer 1.22 does with our end-of-stream request (docs/protocol/rtsp.md#s5.4): it sends it back as a
        // request of its own, with a NUL after the body that Content-Length does not count, then PAUSE and TEARDOWN.
        await using var client = await RawRtspClient.ConnectAsync(origin.Server.RtspPort);
        var url = origin.Rtsp("single.wmv");
        var sdp = await client.DescribeAsync(url);
        var video = sdp.Media.Single(m => m.MediaType == "video").StreamNumber!.Value;
        await client.RequestAsync(RtspMethods.Setup, $"{url}/stream={video}", Tcp(0));
        var body = new WmsEndOfStream { SessionId = client.SessionId!, EndOfFile = true }.Format();
        var echoed = await client.RequestAsync(RtspMethods.SetParameter, url + "/", new RtspHeaders()
            .Add("Content-Type", WmsEndOfStream.ContentType).Add("X-Notice", RtspNotice.EndOfStream.Format()), body);
        Assert.Equal(200, echoed.Head.StatusCode);
        await client.SendRawAsync([0]);
        Assert.Equal(200, (await client.RequestAsync(RtspMethods.Pause, url + "/")).Head.StatusCode);
        Assert.Equal(200, (await client.RequestAsync(RtspMethods.GetParameter, url + "/")).Head.StatusCode);
        Assert.Equal(200, (await client.RequestAsync(RtspMethods.Teardown, url + "/")).Head.StatusCode);
    }

    [Fact]
    public async Task Pause_stops_the_data_and_play_without_range_resumes_with_the_sequence_continuing()
    {
        await using var client = await RawRtspClient.ConnectAsync(origin.Server.RtspPort);
        var url = origin.Rtsp("live");
        var sdp = await client.DescribeAsync(url);
        var video = sdp.Media.Single(m => m.MediaType == "video").StreamNumber!.Value;
        await client.RequestAsync(RtspMethods.Setup, $"{url}/stream={video}", Tcp(0));
        await client.RequestAsync(RtspMethods.Play, url + "/");
        Assert.True(await client.ReadUntilAsync(() => client.Frames.Count > 10, TimeSpan.FromSeconds(20)));
        Assert.Equal(200, (await client.RequestAsync(RtspMethods.Pause, url + "/")).Head.StatusCode);
        var paused = client.Frames.Count;
        await client.ReadUntilAsync(() => false, TimeSpan.FromSeconds(1.5));
        Assert.Equal(paused, client.Frames.Count);
        var lastSequence = RtpHeader.Parse(Rtp(client).Last()).SequenceNumber;
        var (resume, _) = await client.RequestAsync(RtspMethods.Play, url + "/");
        Assert.Equal((ushort)(lastSequence + 1), RtpInfoHeader.Parse(resume.Headers["RTP-Info"]!).Single().Sequence);
        Assert.True(await client.ReadUntilAsync(() => client.Frames.Count > paused + 5, TimeSpan.FromSeconds(20)));
        Assert.Equal((ushort)(lastSequence + 1), RtpHeader.Parse(client.Frames[paused].Payload).SequenceNumber);
        // Keep-alive and WMP's LogConnect statistics are answered 200 (docs/protocol/rtsp.md#s2.5).
        Assert.Equal(200, (await client.RequestAsync(RtspMethods.GetParameter, url + "/")).Head.StatusCode);
        Assert.Equal(200, (await client.RequestAsync(RtspMethods.SetParameter, url + "/",
            new RtspHeaders().Add("Content-Type", "application/x-wms-Logconnectstats;charset=UTF-8"), "<XML><c-os>Linux</c-os></XML>"u8.ToArray())).Head.StatusCode);
        Assert.Equal(200, (await client.RequestAsync(RtspMethods.Teardown, url + "/")).Head.StatusCode);
        Assert.True(await client.ClosedWithinAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_nack_on_the_rtx_port_gets_the_lost_packets_sent_again_over_udp()
    {
        using var media = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        media.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var rtx = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        rtx.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var mediaPort = ((IPEndPoint)media.LocalEndPoint!).Port;
        var rtxPort = ((IPEndPoint)rtx.LocalEndPoint!).Port;

        await using var client = await RawRtspClient.ConnectAsync(origin.Server.RtspPort);
        var url = origin.Rtsp("live");
        var sdp = await client.DescribeAsync(url);
        var video = sdp.Media.Single(m => m.MediaType == "video").StreamNumber!.Value;
        var (rtxSetup, _) = await client.RequestAsync(RtspMethods.Setup, url + "/rtx", new RtspHeaders().Add("Transport", $"RTP/AVP/UDP;unicast;client_port={rtxPort}-{rtxPort + 1};mode=play"));
        Assert.Equal(200, rtxSetup.StatusCode);
        var serverRtx = RtspTransport.Parse(rtxSetup.Headers["Transport"]!).ServerPort!.Value.First;
        Assert.Equal(200, (await client.RequestAsync(RtspMethods.Setup, $"{url}/stream={video}", new RtspHeaders().Add("Transport", $"RTP/AVP/UDP;unicast;client_port={mediaPort};mode=play"))).Head.StatusCode);
        Assert.Equal(200, (await client.RequestAsync(RtspMethods.Play, url + "/")).Head.StatusCode);

        var received = new List<byte[]>();
        var buffer = new byte[2048];
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            while (received.Count < 20)
            {
                var n = await media.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                received.Add(buffer[..n]);
            }
        }
        var lost = RtpHeader.Parse(received[5]).SequenceNumber;
        var ssrc = RtpHeader.Parse(received[5]).Ssrc;
        var nack = new byte[64];
        var length = RtcpGenericNack.Write(nack, 0x1234, ssrc, [lost, (ushort)(lost + 1)]);
        await rtx.SendToAsync(nack.AsMemory(0, length), SocketFlags.None, new IPEndPoint(IPAddress.Loopback, serverRtx));
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            var n = await rtx.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            Assert.Equal(received[5], buffer[..n]);
            n = await rtx.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            Assert.Equal(received[6], buffer[..n]);
        }
        Assert.True(origin.Server.RtspRetransmitted >= 2);
        // Sent over UDP in pieces that fit a datagram (docs/protocol/rtsp.md#s4.7).
        Assert.All(received, r => Assert.True(r.Length <= 1500));
        Assert.Equal(96, RtpHeader.Parse(received[0]).PayloadType);
    }

    [Fact]
    public async Task A_seek_restarts_at_the_key_frame_before_the_range_with_whole_packets()
    {
        await using var client = await RawRtspClient.ConnectAsync(origin.Server.RtspPort);
        var url = origin.Rtsp("single.wmv");
        var sdp = await client.DescribeAsync(url);
        var packetSize = sdp.MaxPacketSize!.Value;
        var nptStart = sdp.Range!.Value.StartSeconds!.Value; // the preroll: npt runs on presentation time (docs/protocol/rtsp.md#s3.3)
        var video = sdp.Media.Single(m => m.MediaType == "video").StreamNumber!.Value;
        var audio = sdp.Media.Single(m => m.MediaType == "audio").StreamNumber!.Value;
        await client.RequestAsync(RtspMethods.Setup, $"{url}/stream={video}", Tcp(0));
        await client.RequestAsync(RtspMethods.Setup, $"{url}/stream={audio}", Tcp(2));
        await client.RequestAsync(RtspMethods.Play, url + "/", new RtspHeaders().Add("Range", "npt=0.000-"));
        Assert.True(await client.ReadUntilAsync(() => client.Frames.Count > 10, TimeSpan.FromSeconds(20)));
        Assert.Equal(200, (await client.RequestAsync(RtspMethods.Pause, url + "/")).Head.StatusCode);
        var mark = client.Frames.Count;
        var target = nptStart + 5.0;
        var (play, _) = await client.RequestAsync(RtspMethods.Play, url + "/", new RtspHeaders().Add("Range", string.Create(System.Globalization.CultureInfo.InvariantCulture, $"npt={target:0.000}-")));
        Assert.Equal(200, play.StatusCode);
        Assert.True(await client.ClosedWithinAsync(TimeSpan.FromSeconds(30)));
        var packets = AsfPackets(client.Frames.Skip(mark).Where(f => f.Channel == 0).Select(f => f.Payload), packetSize);
        Assert.NotEmpty(packets);
        // Every packet after the seek parses whole; the first video object is a key frame at or shortly before 5 s.
        var payloads = packets.SelectMany(p => Payloads(p, packetSize)).ToList();
        var firstVideo = payloads.First(p => p.StreamNumber == video && p.StartsMediaObject);
        Assert.True(firstVideo.IsKeyFrame);
        Assert.InRange(firstVideo.PresentationTime / 1000.0, target - 1.5, target + 0.1);
        Assert.True(client.ServerRequests.Count(r => r.Head.Method == RtspMethods.SetParameter) == 1,
            string.Join(" | ", client.ServerRequests.Select(r => $"{r.Head.Method} CSeq {r.Head.CSeq} {r.Head.Headers["RTP-Info"]}")));
    }
}
