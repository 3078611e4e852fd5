using System.Net;
using System.Net.Sockets;
using System.Text;
using MmsGateway.Asf;
using MmsGateway.Mms.Client;
using MmsGateway.Mms.Rtsp;
using MmsGateway.Testing;

namespace MmsGateway.Mms.Tests.Client;

/// <summary>
/// The MS-RTSP client (docs/protocol/rtsp.md#s2) against a scripted WMS-like server on 127.0.0.1: a whole on-demand
/// read compared with the file, the request headers WMP sends, seek, stream switch, Digest, redirects, error
/// mapping, UDP with loss and the fall-back to TCP, and the bad inputs (silent SETUP/PLAY, lying frames, unknown
/// channels, missing pgmpu, oversize SDP).
/// </summary>
public sealed class RtspClientTests
{
    private static readonly Guid ClientGuid = Guid.Parse("3300AD50-2C39-46C0-AE0A-81D88F547805");

    private static MmsClientOptions Options() => new()
    {
        ClientGuid = ClientGuid,
        ConnectTimeout = TimeSpan.FromSeconds(2),
        HandshakeTimeout = TimeSpan.FromSeconds(3),
        ReadTimeout = TimeSpan.FromSeconds(3),
        RtspuDataTimeout = TimeSpan.FromSeconds(1),
    };

    private static async Task<(ScriptedServer Server, ScriptedWms Wms)> StartAsync(TestMedia media, WmsBehaviour? behaviour = null)
    {
        var wms = new ScriptedWms(media, behaviour ?? new WmsBehaviour());
        var server = new ScriptedServer((peer, _) => wms.RunAsync(peer));
        await Task.Yield();
        return (server, wms);
    }

    private static async Task<List<byte[]>> ReadAllAsync(IMmsSession session)
    {
        var packets = new List<byte[]>();
        while (true)
        {
            MmsReadResult read = await session.ReadAsync(CancellationToken.None);
            if (read.Kind == MmsReadResultKind.EndOfStream) return packets;
            if (read.Kind == MmsReadResultKind.Packet) packets.Add(read.Packet.ToArray());
        }
    }

    [SharedMediaFact]
    public async Task On_demand_over_TCP_delivers_every_packet_of_the_file_and_the_end_with_WMP_headers()
    {
        var media = TestMedia.Wine();
        (ScriptedServer server, ScriptedWms wms) = await StartAsync(media);
        await using (server)
        {
            MmsConnectResult result = await MmsConnector.ConnectAsync(server.Url("rtsp", "/clip.wmv"), Options(), null, CancellationToken.None);
            await using (IMmsSession session = result.Session)
            {
                Assert.Equal(MmsProtocol.Rtspt, session.Protocol);
                Assert.False(session.IsBroadcast);
                Assert.Equal(AsfHeaderReader.Parse(media.Header).Raw.ToArray(), session.Header.Raw.ToArray());
                List<byte[]> packets = await ReadAllAsync(session);
                Assert.Equal(media.Packets.Count, packets.Count);
                for (int i = 0; i < packets.Count; i++) Assert.Equal(media.Packets[i], packets[i]);
                var rtsp = (RtspSession)session;
                Assert.Equal(0, rtsp.Losses.Depacketizer.SequenceGaps);
                Assert.Equal(ScriptedWms.SessionId, rtsp.SessionId);
            }

            await server.VerifyAsync();
        }

        RtspSeen[] seen = [.. wms.Requests];
        string[] methods = [.. seen.Where(r => r.Head.IsRequest).Select(r => r.Method)];
        Assert.Equal([RtspMethods.Options, RtspMethods.Describe], methods[..2]);
        Assert.Contains(RtspMethods.Setup, methods);
        Assert.Equal(RtspMethods.Teardown, methods[^1]);
        Assert.Equal(200, wms.EndOfStreamAnswer); // the end-of-stream request was answered (docs/protocol/rtsp.md#s5.4)
        RtspSeen describe = seen.First(r => r.Method == RtspMethods.Describe);
        Assert.Equal("application/sdp", describe["Accept"]);
        Assert.Equal("WMPlayer/9.0.0.2980 guid/3300AD50-2C39-46C0-AE0A-81D88F547805", describe["User-Agent"]);
        Assert.Contains("com.microsoft.wm.eosmsg", describe["Supported"]);
        Assert.NotNull(describe["X-Accept-Authentication"]);
        Assert.All(seen.Where(r => r.Method is RtspMethods.Setup or RtspMethods.Play),
            r => Assert.Equal(ScriptedWms.GenId, r["X-Playlist-Gen-Id"]));
        RtspSeen setup = seen.First(r => r.Method == RtspMethods.Setup);
        Assert.StartsWith("RTP/AVP/TCP;unicast;interleaved=0-1", setup["Transport"]);
        RtspSeen play = seen.First(r => r.Method == RtspMethods.Play);
        Assert.Equal(ScriptedWms.SessionId, play["Session"]);
        Assert.StartsWith("npt=", play["Range"]);
        Assert.All(seen.Where(r => r.Head.IsRequest), r => Assert.Equal(describe["User-Agent"], r["User-Agent"]));
    }

    [SharedMediaFact]
    public async Task Mms_url_rolls_over_to_RTSP_first()
    {
        var media = TestMedia.Wine();
        (ScriptedServer server, _) = await StartAsync(media);
        await using (server)
        {
            MmsConnectResult result = await MmsConnector.ConnectAsync(server.Url("mms", "/clip.wmv"), Options(), null, CancellationToken.None);
            await using IMmsSession session = result.Session;
            Assert.Equal(MmsProtocol.Rtspt, session.Protocol);
            Assert.Equal(MmsProtocol.Rtspt, Assert.Single(result.Attempts).Protocol);
            Assert.Equal(media.Packets.Count, (await ReadAllAsync(session)).Count);
        }
    }

    [SharedMediaFact]
    public async Task RTSP_against_an_MMST_server_fails_fast_and_rollover_reaches_MMST()
    {
        await using TestOrigin origin = await TestOrigin.StartAsync(4, root => new Origin.OriginOptions { Root = root, MmstPort = 0, HttpPort = 0, UdpPort = -1 });
        var started = System.Diagnostics.Stopwatch.StartNew();
        MmsConnectResult result = await MmsConnector.ConnectAsync(origin.Url("mms", "single.wmv"), Options(), null, CancellationToken.None);
        await using IMmsSession session = result.Session;
        Assert.Equal(MmsProtocol.Mmst, session.Protocol);
        MmsConnectAttempt rtsp = result.Attempts[0];
        Assert.Equal(MmsProtocol.Rtspt, rtsp.Protocol);
        Assert.Equal(MmsConnectOutcome.Failed, rtsp.Outcome);
        Assert.True(rtsp.ErrorKind is MmsClientErrorKind.NotMmsServer or MmsClientErrorKind.ConnectionLost, rtsp.ToString());
        Assert.True(rtsp.Elapsed < TimeSpan.FromSeconds(2), rtsp.ToString());
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5));
    }

    [SharedMediaFact]
    public async Task Seek_sends_PAUSE_then_PLAY_with_the_npt_of_the_position_and_restarts_there()
    {
        var media = TestMedia.Wine();
        (ScriptedServer server, ScriptedWms wms) = await StartAsync(media, new WmsBehaviour { HoldAfterData = true });
        await using (server)
        {
            MmsConnectResult result = await MmsConnector.ConnectAsync(server.Url("rtsp", "/clip.wmv"), Options(), null, CancellationToken.None);
            await using IMmsSession session = result.Session;
            MmsReadResult first = await session.ReadAsync(CancellationToken.None);
            Assert.Equal(media.Packets[0], first.Packet.ToArray());
            int target = media.Packets.Count / 2;
            uint sendTime = AsfRtpPacketizer.Describe(media.Packets[target], media.PacketSize).SendTime;
            await session.SeekAsync(TimeSpan.FromMilliseconds(sendTime), CancellationToken.None);
            MmsReadResult after = await session.ReadAsync(CancellationToken.None);
            Assert.Equal(media.Packets[target], after.Packet.ToArray());
        }

        RtspSeen[] seen = [.. wms.Requests];
        int pause = Array.FindIndex(seen, r => r.Method == RtspMethods.Pause);
        Assert.True(pause > 0);
        RtspSeen replay = seen.Skip(pause).First(r => r.Method == RtspMethods.Play);
        Assert.True(RtspNptRange.TryParse(replay["Range"]!, out RtspNptRange npt));
        double preroll = AsfHeaderReader.Parse(media.Header).FileProperties.PrerollMs / 1000.0;
        Assert.Equal(preroll + (AsfRtpPacketizer.Describe(media.Packets[media.Packets.Count / 2], media.PacketSize).SendTime / 1000.0),
            npt.StartSeconds!.Value, 3);
    }

    [SharedMediaFact]
    public async Task Stream_switch_is_a_SET_PARAMETER_with_a_SelectStream_body_and_thinning_is_the_same_stream_twice()
    {
        var media = TestMedia.Wine();
        var header = AsfHeaderReader.Parse(media.Header);
        int video = header.Streams.First(s => s.Type == Asf.Objects.AsfStreamType.Video).StreamNumber;
        int audio = header.Streams.First(s => s.Type == Asf.Objects.AsfStreamType.Audio).StreamNumber;
        (ScriptedServer server, ScriptedWms wms) = await StartAsync(media, new WmsBehaviour { HoldAfterData = true });
        await using (server)
        {
            MmsConnectResult result = await MmsConnector.ConnectAsync(server.Url("rtsp", "/clip.wmv"), Options(), null, CancellationToken.None);
            await using (IMmsSession session = result.Session)
            {
                await session.ReadAsync(CancellationToken.None);
                await session.SelectStreamsAsync([StreamSelection.On(audio), new StreamSelection(video, StreamSelection.KeyFramesOnly)], CancellationToken.None);
                Assert.True(session.SelectedStreams.Contains(video));
                await session.SelectStreamsAsync([StreamSelection.On(audio)], CancellationToken.None);
                Assert.False(session.SelectedStreams.Contains(video));
                for (int i = 1; i < media.Packets.Count; i++) await session.ReadAsync(CancellationToken.None); // the answers are read here
            }

            await server.VerifyAsync();
        }
        RtspSeen[] switches = [.. wms.Requests.Where(r => r.Method == RtspMethods.SetParameter)];
        Assert.True(2 == switches.Length, string.Join(", ", wms.Requests.Select(r => r.Method + " " + r.Head.Uri)));
        Assert.All(switches, s => Assert.Equal(WmsStreamSwitch.ContentType, s["Content-Type"]));
        WmsStreamSwitchEntry thin = Assert.Single(WmsStreamSwitch.Parse(switches[0].Body, RtspLimits.Default));
        Assert.Equal(((uint)video, (uint)video, 1), (thin.OldStream, thin.NewStream, thin.ThinLevel));
        Assert.EndsWith(WmsSdpWriter.ControlOf(video), switches[0].Head.Uri); // the URL that selected the stream
        WmsStreamSwitchEntry off = Assert.Single(WmsStreamSwitch.Parse(switches[1].Body, RtspLimits.Default));
        Assert.Equal((uint)video, off.OldStream);
        Assert.Equal(WmsStreamSwitchEntry.NoStream, off.NewStream);
    }

    [SharedMediaFact]
    public async Task Digest_credentials_from_the_URL_answer_the_challenge()
    {
        var media = TestMedia.Wine();
        var auth = new RtspServerAuthenticator("WMS", user => user == "alice" ? "s3cret" : null, TimeProvider.System, allowBasic: false);
        (ScriptedServer server, ScriptedWms wms) = await StartAsync(media, new WmsBehaviour { Authenticator = auth });
        await using (server)
        {
            var url = new Uri($"rtsp://alice:s3cret@127.0.0.1:{server.Port}/clip.wmv");
            MmsConnectResult result = await MmsConnector.ConnectAsync(url, Options(), null, CancellationToken.None);
            await using IMmsSession session = result.Session;
            Assert.DoesNotContain("s3cret", session.Url.ToString());
            Assert.Equal(media.Packets.Count, (await ReadAllAsync(session)).Count);
        }

        Assert.All(wms.Requests.Where(r => r.Method == RtspMethods.Setup), r => Assert.StartsWith("Digest ", r["Authorization"]));
    }

    [SharedMediaFact]
    public async Task Basic_credentials_work_and_missing_ones_are_authentication_required()
    {
        var media = TestMedia.Wine();
        var basicOnly = new RtspServerAuthenticator("WMS", user => user == "bob" ? "pw" : null, TimeProvider.System);
        (ScriptedServer server, _) = await StartAsync(media, new WmsBehaviour { Authenticator = basicOnly });
        await using (server)
        {
            var without = await Assert.ThrowsAsync<MmsClientException>(() =>
                MmsConnector.ConnectAsync(server.Url("rtsp", "/clip.wmv"), Options(), null, CancellationToken.None));
            Assert.Equal(MmsClientErrorKind.AuthenticationRequired, without.Kind);
            var wrong = await Assert.ThrowsAsync<MmsClientException>(() => MmsConnector.ConnectAsync(
                new Uri($"rtsp://bob:nope@127.0.0.1:{server.Port}/clip.wmv"), Options(), null, CancellationToken.None));
            Assert.Equal(MmsClientErrorKind.AuthenticationRequired, wrong.Kind);
            MmsConnectResult result = await MmsConnector.ConnectAsync(new Uri($"rtsp://bob:pw@127.0.0.1:{server.Port}/clip.wmv"),
                Options(), null, CancellationToken.None);
            await using IMmsSession session = result.Session;
            Assert.Equal(media.Packets.Count, (await ReadAllAsync(session)).Count);
        }
    }

    [SharedMediaFact]
    public async Task A_302_is_followed_to_the_Location()
    {
        var media = TestMedia.Wine();
        (ScriptedServer target, _) = await StartAsync(media);
        await using (target)
        {
            (ScriptedServer redirector, _) = await StartAsync(media, new WmsBehaviour
            {
                DescribeStatus = 302,
                Location = $"rtsp://127.0.0.1:{target.Port}/other.wmv",
            });
            await using (redirector)
            {
                MmsConnectResult result = await MmsConnector.ConnectAsync(redirector.Url("rtsp", "/clip.wmv"), Options(), null, CancellationToken.None);
                await using IMmsSession session = result.Session;
                Assert.Equal(MmsConnectOutcome.Redirected, result.Attempts[0].Outcome);
                Assert.Equal("/other.wmv", session.Url.AbsolutePath);
                Assert.Equal(media.Packets.Count, (await ReadAllAsync(session)).Count);
            }
        }
    }

    [SharedMediaFact]
    public async Task Not_found_refused_and_silence_map_to_the_client_error_kinds()
    {
        var media = TestMedia.Wine();
        (ScriptedServer missing, _) = await StartAsync(media, new WmsBehaviour { DescribeStatus = 404 });
        await using (missing)
        {
            var e = await Assert.ThrowsAsync<MmsClientException>(() =>
                MmsConnector.ConnectAsync(missing.Url("rtsp", "/nope.wmv"), Options(), null, CancellationToken.None));
            Assert.Equal(MmsClientErrorKind.NotFound, e.Kind);
            Assert.Equal(MmsClientStep.Describe, e.Step);
        }

        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int closed = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var refused = await Assert.ThrowsAsync<MmsClientException>(() =>
            MmsConnector.ConnectAsync(new Uri($"rtsp://127.0.0.1:{closed}/x.wmv"), Options(), null, CancellationToken.None));
        Assert.Equal(MmsClientErrorKind.Refused, refused.Kind);

        foreach (string method in new[] { RtspMethods.Setup, RtspMethods.Play })
        {
            (ScriptedServer silent, _) = await StartAsync(media, new WmsBehaviour { Silent = method });
            await using (silent)
            {
                var started = System.Diagnostics.Stopwatch.StartNew();
                var timedOut = await Assert.ThrowsAsync<MmsClientException>(() =>
                    MmsConnector.ConnectAsync(silent.Url("rtsp", "/clip.wmv"), Options(), null, CancellationToken.None));
                Assert.Equal(MmsClientErrorKind.TimedOut, timedOut.Kind);
                Assert.Equal(MmsClientStep.Play, timedOut.Step);
                Assert.True(started.Elapsed < TimeSpan.FromSeconds(6), $"{method}: {started.Elapsed}");
            }
        }
    }

    [SharedMediaFact]
    public async Task Frames_on_unknown_channels_and_packet_pairs_are_skipped_and_counted()
    {
        var media = TestMedia.Wine();
        byte[] Extra()
        {
            var bytes = new List<byte>();
            bytes.AddRange(new byte[] { 0x24, 7, 0, 12 });
            bytes.AddRange(new byte[12]);
            bytes.AddRange(new byte[] { 0x24, RtspInterleaved.PacketPairChannel, 0, 3, 1, 2, 3 });
            return [.. bytes];
        }

        (ScriptedServer server, _) = await StartAsync(media, new WmsBehaviour { BeforeData = Extra });
        await using (server)
        {
            MmsConnectResult result = await MmsConnector.ConnectAsync(server.Url("rtsp", "/clip.wmv"), Options(), null, CancellationToken.None);
            await using IMmsSession session = result.Session;
            List<byte[]> packets = await ReadAllAsync(session);
            Assert.Equal(media.Packets.Count, packets.Count);
            RtspLosses losses = ((RtspSession)session).Losses;
            Assert.Equal(1, losses.UnknownChannelFrames);
            Assert.Equal(1, losses.PacketPairFrames);
        }
    }

    [SharedMediaFact]
    public async Task A_frame_that_lies_about_its_length_fails_the_read_as_malformed()
    {
        var media = TestMedia.Wine();

        // Says 40 bytes, carries an RTP header and then the start of a real frame's worth of zeros and text: what
        // follows it is neither '$' nor an RTSP head.
        byte[] Lie() => [0x24, 0, 0, 20, .. new byte[] { 0x80, 0xE0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1 }, 0xC0, 0, 0, 8, 1, 2, 3, 4, 0x00, 0xFF, 0x13];
        (ScriptedServer server, _) = await StartAsync(media, new WmsBehaviour { BeforeData = Lie });
        await using (server)
        {
            MmsConnectResult result = await MmsConnector.ConnectAsync(server.Url("rtsp", "/clip.wmv"), Options(), null, CancellationToken.None);
            await using IMmsSession session = result.Session;
            var e = await Assert.ThrowsAsync<MmsClientException>(async () => await ReadAllAsync(session));
            Assert.Equal(MmsClientErrorKind.MalformedReply, e.Kind);
            Assert.Equal(MmsClientStep.Read, e.Step);
        }
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("broken")]
    [InlineData("oversize")]
    public async Task An_SDP_without_a_usable_ASF_header_or_too_large_is_malformed(string kind)
    {
        var media = TestMedia.Wine();
        string good = new ScriptedWms(media, new WmsBehaviour()).DefaultSdp("rtsp://127.0.0.1/clip.wmv");
        string sdp = kind switch
        {
            "missing" => string.Join("\r\n", good.Split("\r\n").Where(l => !l.StartsWith("a=pgmpu", StringComparison.Ordinal))),
            "broken" => good.Replace(SdpParser.AsfHeaderPrefix, SdpParser.AsfHeaderPrefix + "AAAA", StringComparison.Ordinal),
            _ => good + string.Concat(Enumerable.Repeat("a=x-filler:" + new string('x', 1000) + "\r\n", 300)),
        };
        (ScriptedServer server, _) = await StartAsync(media, new WmsBehaviour { Sdp = sdp });
        await using (server)
        {
            var e = await Assert.ThrowsAsync<MmsClientException>(() =>
                MmsConnector.ConnectAsync(server.Url("rtsp", "/clip.wmv"), Options(), null, CancellationToken.None));
            Assert.Equal(MmsClientErrorKind.MalformedReply, e.Kind);
            Assert.Equal(MmsClientStep.Describe, e.Step);
        }
    }

    [SharedMediaFact]
    public async Task RTSPU_receives_over_UDP_counts_a_lost_packet_asks_for_it_with_a_NACK_and_drops_strangers()
    {
        var media = TestMedia.Wine();
        (ScriptedServer server, ScriptedWms wms) = await StartAsync(media, new WmsBehaviour { DropOverUdp = new HashSet<int> { 5 }, ForeignDatagram = true });
        await using (server)
        {
            MmsConnectResult result = await MmsConnector.ConnectAsync(server.Url("rtspu", "/clip.wmv"), Options(), null, CancellationToken.None);
            await using IMmsSession session = result.Session;
            Assert.Equal(MmsProtocol.Rtspu, session.Protocol);
            List<byte[]> packets = await ReadAllAsync(session);
            Assert.Equal(media.Packets.Count - 1, packets.Count);
            Assert.Equal(media.Packets[4], packets[4]);
            Assert.Equal(media.Packets[6], packets[5]);
            RtspLosses losses = ((RtspSession)session).Losses;
            Assert.True(losses.Depacketizer.SequenceGaps >= 1, losses.ToString());
            Assert.True(losses.NacksSent >= 1, losses.ToString());
            Assert.Equal(1, losses.ForeignDatagrams); // data only from the server's address
        }

        RtspSeen setup = wms.Requests.First(r => r.Method == RtspMethods.Setup);
        Assert.StartsWith("RTP/AVP/UDP;unicast;client_port=", setup["Transport"]);
        Assert.True(wms.NacksReceived >= 1);
    }

    [SharedMediaFact]
    public async Task RTSPU_with_no_UDP_arriving_times_out_and_rolls_over_to_RTSP_over_TCP()
    {
        var media = TestMedia.Wine();
        (ScriptedServer server, _) = await StartAsync(media, new WmsBehaviour { NoUdp = true });
        await using (server)
        {
            MmsConnectResult result = await MmsConnector.ConnectAsync(server.Url("rtspu", "/clip.wmv"), Options(), null, CancellationToken.None);
            await using IMmsSession session = result.Session;
            Assert.Equal(MmsProtocol.Rtspt, session.Protocol);
            MmsConnectAttempt udp = result.Attempts[0];
            Assert.Equal((MmsProtocol.Rtspu, MmsClientErrorKind.TimedOut), (udp.Protocol, udp.ErrorKind!.Value));
            Assert.Equal(media.Packets.Count, (await ReadAllAsync(session)).Count);
        }
    }

    [SharedMediaFact]
    public async Task Keep_alive_GET_PARAMETER_goes_out_at_half_the_session_timeout_while_nobody_reads()
    {
        var media = TestMedia.Wine();
        (ScriptedServer server, ScriptedWms wms) = await StartAsync(media, new WmsBehaviour { HoldAfterData = true, SessionTimeout = 2 });
        await using (server)
        {
            MmsConnectResult result = await MmsConnector.ConnectAsync(server.Url("rtsp", "/clip.wmv"), Options(), null, CancellationToken.None);
            await using IMmsSession session = result.Session;
            await session.ReadAsync(CancellationToken.None);
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (!wms.Requests.Any(r => r.Method == RtspMethods.GetParameter) && waited.Elapsed < TimeSpan.FromSeconds(4))
            {
                await Task.Delay(50);
            }

            RtspSeen keepAlive = Assert.Single(wms.Requests.Where(r => r.Method == RtspMethods.GetParameter).Take(1));
            Assert.InRange(waited.Elapsed, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(2));
            Assert.Equal(ScriptedWms.SessionId, keepAlive["Session"]);
            Assert.Empty(keepAlive.Body);

            // Its answer is read with the packets, and reading goes on.
            for (int i = 1; i < media.Packets.Count; i++)
            {
                Assert.Equal(MmsReadResultKind.Packet, (await session.ReadAsync(CancellationToken.None)).Kind);
            }
        }
    }

    [SharedMediaFact]
    public async Task Server_requests_are_answered_OPTIONS_200_others_501_and_RTCP_BYE_ends_the_stream()
    {
        var media = TestMedia.Wine();
        async Task After(ScriptedPeer peer, byte channel)
        {
            await peer.SendAsync(ScriptedWms.Request(RtspMethods.Options, "*", new RtspHeaders().Add("CSeq", "7")));
            await peer.SendAsync(ScriptedWms.Request("REDIRECT", "rtsp://127.0.0.1/clip.wmv", new RtspHeaders().Add("CSeq", "8")));
            byte[] bye = [0x81, 0xCB, 0x00, 0x01, 0x1A, 0x2B, 0x3C, 0x4D];
            await peer.SendAsync([0x24, (byte)(channel + 1), 0, (byte)bye.Length, .. bye]);
        }

        (ScriptedServer server, ScriptedWms wms) = await StartAsync(media, new WmsBehaviour { AfterData = After });
        await using (server)
        {
            MmsConnectResult result = await MmsConnector.ConnectAsync(server.Url("rtsp", "/clip.wmv"), Options(), null, CancellationToken.None);
            await using (IMmsSession session = result.Session)
            {
                Assert.Equal(media.Packets.Count, (await ReadAllAsync(session)).Count);
            }

            await server.VerifyAsync();
        }

        RtspSeen[] answers = [.. wms.Requests.Where(r => r.Head.Kind == RtspMessageKind.Response)];
        Assert.Equal(200, answers.Single(a => a.Head.CSeq == 7).Head.StatusCode);
        Assert.Equal(501, answers.Single(a => a.Head.CSeq == 8).Head.StatusCode);
    }

    [SharedMediaFact]
    public async Task ANNOUNCE_with_a_new_header_is_a_header_change_and_its_packets_follow()
    {
        var media = TestMedia.Wine();
        byte[] next = media.HeaderPaddedTo(media.Header.Length + 100);
        string url = "rtsp://127.0.0.1/clip.wmv";
        string sdp = WmsSdpWriter.Write(new WmsSdpOptions { AsfHeader = next, ControlUrl = url, SessionId = "2" });
        async Task After(ScriptedPeer peer, byte channel)
        {
            await peer.SendAsync(ScriptedWms.Request(RtspMethods.Announce, url, new RtspHeaders()
                .Add("CSeq", "9").Add("Content-Type", "application/sdp").Add("Session", ScriptedWms.SessionId), sdp));
            await peer.SendAsync(ScriptedWms.Interleaved(media.Packets.Take(3).ToArray(), media.PacketSize, channel, 9000));
            await peer.SendAsync(ScriptedWms.Request(RtspMethods.SetParameter, url, new RtspHeaders()
                .Add("CSeq", "10").Add("Content-Type", WmsEndOfStream.ContentType).Add("Session", ScriptedWms.SessionId),
                $"Session: {ScriptedWms.SessionId}\r\nEOF: true\r\n"));
        }

        (ScriptedServer server, _) = await StartAsync(media, new WmsBehaviour { AfterData = After });
        await using (server)
        {
            MmsConnectResult result = await MmsConnector.ConnectAsync(server.Url("rtsp", "/clip.wmv"), Options(), null, CancellationToken.None);
            await using IMmsSession session = result.Session;
            var kinds = new List<MmsReadResultKind>();
            while (true)
            {
                MmsReadResult read = await session.ReadAsync(CancellationToken.None);
                kinds.Add(read.Kind);
                if (read.Kind == MmsReadResultKind.EndOfStream) break;
            }

            Assert.Equal(media.Packets.Count + 3 + 2, kinds.Count);
            Assert.Equal(MmsReadResultKind.HeaderChanged, kinds[media.Packets.Count]);
            Assert.Equal(AsfHeaderReader.Parse(next).Raw.ToArray(), session.Header.Raw.ToArray());
        }
    }

    [Fact]
    public void Urls_map_to_the_RTSP_protocols_and_port_554()
    {
        var options = new MmsClientOptions();
        Assert.Equal([MmsProtocol.Rtspt, MmsProtocol.Mmst, MmsProtocol.Mmsh], MmsUrl.ProtocolsFor(new Uri("mms://h/x"), options));
        Assert.Equal([MmsProtocol.Rtspt], MmsUrl.ProtocolsFor(new Uri("rtsp://h/x"), options));
        Assert.Equal([MmsProtocol.Rtspt], MmsUrl.ProtocolsFor(new Uri("rtspt://h/x"), options));
        Assert.Equal([MmsProtocol.Rtspu], MmsUrl.ProtocolsFor(new Uri("rtspu://h/x"), options));
        Assert.Equal(("h", 554), MmsUrl.Endpoint(new Uri("mms://h/x"), MmsProtocol.Rtspt, options));
        Assert.Equal(("h", 8554), MmsUrl.Endpoint(new Uri("rtspu://h:8554/x"), MmsProtocol.Rtspu, options));
        Assert.Equal(("h", 1755), MmsUrl.Endpoint(new Uri("mms://h/x"), MmsProtocol.Mmst, options));
        Assert.Equal("rtsp://h:554/a/b.wmv?q=1", MmsUrl.RtspUrl(new Uri("mms://user:pw@h/a/b.wmv?q=1"), 554));
    }
}
