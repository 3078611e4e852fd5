using System.Net.Sockets;
using MmsGateway.Testing;

namespace MmsGateway.Tests.Streams;

/// <summary>The hub's promises (one upstream session per stream, fast start, slow viewers never slow the others), against a real origin and real players.</summary>
public sealed class StreamHubTests
{
    private static string Save(byte[] bytes)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("mmsgw-view-").FullName, "view.asf");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public async Task Fifty_viewers_share_one_upstream_session_and_each_gets_decodable_asf()
    {
        await using var gateway = await GatewayHarness.StartAsync();
        var views = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => gateway.ReadAsync("/streams/live/live.asf", TimeSpan.FromSeconds(4))));

        Assert.Equal(1, await gateway.MetricAsync("mmsgw_upstream_sessions", "stream=\"live\""));
        Assert.All(views, v => Assert.True(v.Length > 50_000, $"a viewer got only {v.Length} bytes"));
        // Every viewer's bytes are a valid ASF stream. A read cut at a random byte ends mid-packet, which ffmpeg
        // reports; decode each view cut back to whole packets.
        foreach (var view in views)
            Assert.Equal(string.Empty, await ToolRunner.DecodeErrorsAsync(Save(WholePackets(view))));
    }

    /// <summary>The view up to its last whole packet (header + 50-byte data object + n × packet size).</summary>
    private static byte[] WholePackets(byte[] view)
    {
        var header = Asf.AsfHeaderReader.Parse(view);
        var start = header.Raw.Length + Asf.AsfDataObjectHeader.Size;
        var packets = (view.Length - start) / header.PacketSize;
        return view[..(start + packets * header.PacketSize)];
    }

    [Fact]
    public async Task A_viewer_that_reads_nothing_delays_nobody_and_is_dropped()
    {
        // A small ring (about 4.5 s of this stream) so the stalled viewer overflows quickly.
        await using var gateway = await GatewayHarness.StartAsync("--Gateway:RingBytes=262144", "--Gateway:SocketSendBufferBytes=16384",
            "--Kestrel:Limits:MaxResponseBufferSize=16384");
        // A tiny receive window (set before connecting, so it is what the handshake announces) keeps the kernel
        // from absorbing megabytes on the stalled viewer's behalf.
        using var stalled = new TcpClient { ReceiveBufferSize = 4096 };
        await stalled.ConnectAsync(gateway.BaseAddress.Host, gateway.BaseAddress.Port);
        await stalled.GetStream().WriteAsync("GET /streams/live/live.asf HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());

        var started = DateTime.UtcNow;
        var healthy = await gateway.ReadAsync("/streams/live/live.asf", TimeSpan.FromSeconds(15));
        // ~460 kbit/s for 15 s, minus start-up: the healthy viewer got the stream at full rate.
        Assert.InRange(healthy.Length, 500_000, 1_500_000);

        var dropped = await gateway.MetricAsync("mmsgw_dropped_packets_total", "reason=\"slow-viewer\"");
        Assert.True(dropped > 0, "the stalled viewer's packets are counted as dropped");
        // Its connection is closed by the gateway: draining it reaches the end.
        stalled.ReceiveTimeout = 10_000;
        var stream = stalled.GetStream();
        var buffer = new byte[65536];
        var ended = false;
        try
        {
            while (await stream.ReadAsync(buffer) > 0) { }
            ended = true;
        }
        catch (IOException)
        {
            ended = true; // reset
        }
        Assert.True(ended);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(40));
    }

    [Fact]
    public async Task Viewers_stay_connected_across_an_origin_restart()
    {
        await using var gateway = await GatewayHarness.StartAsync();
        using var response = await gateway.Http.GetAsync("/streams/live/live.asf", HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        long received = 0;
        var ended = false;
        var reader = Task.Run(async () =>
        {
            var buffer = new byte[65536];
            int n;
            while ((n = await body.ReadAsync(buffer)) > 0) Interlocked.Add(ref received, n);
            ended = true;
        });

        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.True(Interlocked.Read(ref received) > 20_000);
        await gateway.StopOriginAsync();
        await Task.Delay(TimeSpan.FromSeconds(2));
        await gateway.RestartOriginAsync();
        var beforeRestart = Interlocked.Read(ref received);
        await Task.Delay(TimeSpan.FromSeconds(8));
        var after = Interlocked.Read(ref received) - beforeRestart;
        Assert.False(ended, "the gateway ended the viewer's response");
        Assert.True(after > 100_000, $"only {after} bytes after the restart");
        Assert.True(await gateway.MetricAsync("mmsgw_upstream_reconnects_total", "stream=\"live\"") >= 1);
    }

    [Fact]
    public async Task Ffmpeg_mmsh_client_and_vlc_play_from_the_gateway()
    {
        await using var gateway = await GatewayHarness.StartAsync();
        var output = Path.Combine(Directory.CreateTempSubdirectory("mmsgw-ff-").FullName, "out.asf");
        var url = $"mmsh://{gateway.BaseAddress.Host}:{gateway.BaseAddress.Port}/streams/mbrlive/live.asf";
        var ffmpeg = ToolRunner.RunAsync("ffmpeg", ["-nostdin", "-v", "error", "-y", "-i", url, "-t", "5", "-map", "0", "-c", "copy", "-f", "asf", output], TimeSpan.FromSeconds(60));
        var vlcMmsh = PeerPlayers.VlcRecordAsync(url, 8);
        var vlcHttp = PeerPlayers.VlcRecordAsync(gateway.Url("/streams/live/live.asf").ToString(), 8);
        var ff = await ffmpeg;
        Assert.True(ff.ExitCode == 0, ff.ToString());
        Assert.Equal(string.Empty, await ToolRunner.DecodeErrorsAsync(output));
        foreach (var (vlcOutput, result) in new[] { await vlcMmsh, await vlcHttp })
        {
            Assert.True(File.Exists(vlcOutput) && new FileInfo(vlcOutput).Length > 50_000, result.ToString());
            Assert.Equal(string.Empty, await ToolRunner.DecodeErrorsAsync(vlcOutput));
        }
    }

    [Fact]
    public async Task On_demand_viewer_gets_its_own_session_from_a_start_time()
    {
        await using var gateway = await GatewayHarness.StartAsync();
        var whole = await gateway.ReadAsync("/streams/file/live.asf", TimeSpan.FromSeconds(20));
        var fromFive = await gateway.ReadAsync("/streams/file/live.asf?start=5", TimeSpan.FromSeconds(20));
        Assert.Equal(string.Empty, await ToolRunner.DecodeErrorsAsync(Save(whole)));
        Assert.Equal(string.Empty, await ToolRunner.DecodeErrorsAsync(Save(fromFive)));
        Assert.InRange(fromFive.Length, whole.Length / 4, whole.Length * 3 / 4);
    }

    [Fact]
    public async Task Max_bitrate_gives_a_viewer_a_lower_video_stream()
    {
        await using var gateway = await GatewayHarness.StartAsync();
        await gateway.ReadAsync("/streams/mbrlive/live.asf", TimeSpan.FromSeconds(3)); // lets the hub measure bitrates
        var low = await gateway.ReadAsync("/streams/mbrlive/live.asf?maxBitrate=300000", TimeSpan.FromSeconds(4));
        var header = Asf.AsfHeaderReader.Parse(low);
        var video = Assert.Single(header.Streams, s => s.Type == Asf.Objects.AsfStreamType.Video);
        Assert.Equal(3, video.StreamNumber); // the 160x120 stream is the only one under 300 kbit/s with audio
        Assert.Single(header.Streams, s => s.Type == Asf.Objects.AsfStreamType.Audio);
        Assert.Equal(string.Empty, await ToolRunner.DecodeErrorsAsync(Save(WholePackets(low))));
    }

    [Fact]
    public async Task Upstream_closes_after_the_grace_period_and_reopens_for_the_next_viewer()
    {
        await using var gateway = await GatewayHarness.StartAsync("--Gateway:CloseAfter=00:00:01");
        Assert.True((await gateway.ReadAsync("/streams/live/live.asf", TimeSpan.FromSeconds(2))).Length > 20_000);
        Assert.Equal(1, await gateway.MetricAsync("mmsgw_upstream_sessions", "stream=\"live\""));

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (await gateway.MetricAsync("mmsgw_upstream_sessions", "stream=\"live\"") is > 0 && DateTime.UtcNow < deadline)
            await Task.Delay(250);
        Assert.Equal(0, await gateway.MetricAsync("mmsgw_upstream_sessions", "stream=\"live\""));

        var again = await gateway.ReadAsync("/streams/live/live.asf", TimeSpan.FromSeconds(4));
        Assert.True(again.Length > 50_000, $"the next viewer got {again.Length} bytes");
        Assert.Equal(string.Empty, await ToolRunner.DecodeErrorsAsync(Save(WholePackets(again))));
    }

    [Fact]
    public async Task Unknown_stream_is_404_and_status_lists_the_streams()
    {
        await using var gateway = await GatewayHarness.StartAsync();
        var missing = await gateway.Http.GetAsync("/streams/nope/live.asf");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
        var json = await gateway.Http.GetStringAsync("/streams");
        Assert.Contains("\"name\": \"live\"", json, StringComparison.Ordinal);
        Assert.Contains("\"name\": \"file\"", json, StringComparison.Ordinal);
        var index = await gateway.Http.GetStringAsync("/");
        Assert.Contains("/streams/mbrlive/live.asf", index, StringComparison.Ordinal);
    }
}
