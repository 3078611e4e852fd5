using System.Net.Sockets;
using System.Text;
using MmsGateway.Mms.Rtsp;
using MmsGateway.Testing;

namespace MmsGateway.Origin.Tests.Rtsp;

/// <summary>
/// The RTSP server with settings of its own, one origin per test (faults and credentials apply to a whole origin):
/// Basic and Digest authentication (docs/protocol/rtsp.md#s8), <c>refuse=rtsp</c>, the handshake reset, the
/// disconnect and stall faults, and the session timeout.
/// </summary>
public sealed class RtspFaultAndAuthTests
{
    private static async Task<T> WithOriginAsync<T>(Func<OriginOptions, OriginOptions> configure, Func<OriginHarness, Task<T>> test)
    {
        var origin = new OriginHarness { Configure = configure };
        await origin.InitializeAsync();
        try
        {
            return await test(origin);
        }
        finally
        {
            await origin.DisposeAsync();
        }
    }

    private static Task WithOriginAsync(Func<OriginOptions, OriginOptions> configure, Func<OriginHarness, Task> test) =>
        WithOriginAsync(configure, async o =>
        {
            await test(o);
            return 0;
        });

    private static OriginOptions RtspOnly(OriginOptions o, string? credentials = null, OriginFaults? faults = null, TimeSpan? sessionTimeout = null) => new()
    {
        Root = o.Root,
        MmstPort = faults?.Refuses("rtsp") == true ? 0 : -1,
        HttpPort = -1,
        UdpPort = -1,
        RtspPort = 0,
        Live = o.Live,
        BasicCredentials = credentials,
        Faults = faults ?? new OriginFaults(),
        RtspSessionTimeout = sessionTimeout ?? TimeSpan.FromSeconds(60),
    };

    private static RtspHeaders Tcp(int channel) => new RtspHeaders().Add("Transport", $"RTP/AVP/TCP;unicast;interleaved={channel}-{channel + 1};mode=play");

    [Fact]
    public Task Ffmpeg_with_credentials_in_the_url_plays_through_digest() =>
        WithOriginAsync(o => RtspOnly(o, "viewer:s3cret"), async origin =>
        {
            var url = origin.Rtsp("single.wmv").Replace("rtsp://", "rtsp://viewer:s3cret@", StringComparison.Ordinal);
            var stderr = await RtspPeerTests.AssertFfmpegDecodesCleanlyAsync(url, "tcp");
            Assert.InRange(RtspPeerTests.DecodedSeconds(stderr), 9.5, 10.5);
            // ffmpeg prefers Digest when both are offered (docs/protocol/rtsp.md#s8.1): its trace log shows the requests.
            var debug = await ToolRunner.RunAsync("ffmpeg", ["-hide_banner", "-nostdin", "-v", "trace", "-rtsp_transport", "tcp", "-i", url, "-t", "1", "-f", "null", "-"], TimeSpan.FromSeconds(60));
            Assert.Equal(0, debug.ExitCode);
            Assert.Contains("Authorization: Digest", debug.StandardError, StringComparison.Ordinal);
        });

    [Fact]
    public Task Ffmpeg_without_credentials_or_with_a_wrong_password_gets_401() =>
        WithOriginAsync(o => RtspOnly(o, "viewer:s3cret"), async origin =>
        {
            foreach (var url in new[] { origin.Rtsp("single.wmv"), origin.Rtsp("single.wmv").Replace("rtsp://", "rtsp://viewer:wrong@", StringComparison.Ordinal) })
            {
                var result = await ToolRunner.RunAsync("ffmpeg", ["-hide_banner", "-nostdin", "-rtsp_transport", "tcp", "-i", url, "-f", "null", "-"], TimeSpan.FromSeconds(30));
                Assert.NotEqual(0, result.ExitCode);
                Assert.Contains("401", result.StandardError, StringComparison.Ordinal);
            }
        });

    [Fact]
    public Task Basic_credentials_are_accepted_after_a_401_offering_digest_and_basic() =>
        WithOriginAsync(o => RtspOnly(o, "viewer:s3cret"), async origin =>
        {
            await using var client = await RawRtspClient.ConnectAsync(origin.Server.RtspPort);
            var url = origin.Rtsp("single.wmv");
            Assert.Equal(200, (await client.RequestAsync(RtspMethods.Options, url)).Head.StatusCode);
            var (challenge, _) = await client.RequestAsync(RtspMethods.Describe, url);
            Assert.Equal(401, challenge.StatusCode);
            var schemes = challenge.Headers.GetAll("WWW-Authenticate").Select(v => v.Split(' ')[0]).ToList();
            Assert.Contains("Digest", schemes);
            Assert.Contains("Basic", schemes);
            var (wrong, _) = await client.RequestAsync(RtspMethods.Describe, url,
                new RtspHeaders().Add("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("viewer:nope"))));
            Assert.Equal(401, wrong.StatusCode);
            var (accepted, body) = await client.RequestAsync(RtspMethods.Describe, url,
                new RtspHeaders().Add("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("viewer:s3cret"))));
            Assert.Equal(200, accepted.StatusCode);
            Assert.NotEmpty(body);
        });

    [Fact]
    public Task Refuse_rtsp_leaves_the_rtsp_port_closed() =>
        WithOriginAsync(o => RtspOnly(o, faults: new OriginFaults { Refuse = new HashSet<string>(["rtsp"], StringComparer.OrdinalIgnoreCase) }), async origin =>
        {
            Assert.Equal(-1, origin.Server.RtspPort);
            Assert.True(origin.Server.MmstPort > 0);
            var result = await ToolRunner.RunAsync("ffmpeg", ["-hide_banner", "-nostdin", "-rtsp_transport", "tcp", "-i", $"rtsp://127.0.0.1:{origin.Server.MmstPort}/single.wmv", "-f", "null", "-"], TimeSpan.FromSeconds(30));
            Assert.NotEqual(0, result.ExitCode);
        });

    [Fact]
    public Task Reset_during_handshake_resets_the_connection_at_the_first_request() =>
        WithOriginAsync(o => RtspOnly(o, faults: new OriginFaults { ResetDuringHandshake = true }), async origin =>
        {
            await using var client = await RawRtspClient.ConnectAsync(origin.Server.RtspPort);
            var failure = await Record.ExceptionAsync(() => client.RequestAsync(RtspMethods.Options, origin.Rtsp("single.wmv")));
            Assert.True(failure is IOException or SocketException, failure?.ToString() ?? "answered");
        });

    [Fact]
    public Task Disconnect_after_closes_the_connection_while_streaming() =>
        WithOriginAsync(o => RtspOnly(o, faults: new OriginFaults { DisconnectAfter = TimeSpan.FromSeconds(1.5) }), async origin =>
        {
            await using var client = await RawRtspClient.ConnectAsync(origin.Server.RtspPort);
            var url = origin.Rtsp("live");
            await client.DescribeAsync(url);
            await client.RequestAsync(RtspMethods.Setup, url + "/stream=1", Tcp(0));
            var started = DateTime.UtcNow;
            Assert.Equal(200, (await client.RequestAsync(RtspMethods.Play, url + "/")).Head.StatusCode);
            Assert.True(await client.ClosedWithinAsync(TimeSpan.FromSeconds(10)));
            Assert.InRange((DateTime.UtcNow - started).TotalSeconds, 1.0, 8.0);
            Assert.NotEmpty(client.Frames);
            Assert.Empty(client.ServerRequests); // cut off, not ended
        });

    [Fact]
    public Task Stall_after_stops_the_data_but_keeps_the_connection_open() =>
        WithOriginAsync(o => RtspOnly(o, faults: new OriginFaults { StallAfter = TimeSpan.FromSeconds(1) }), async origin =>
        {
            await using var client = await RawRtspClient.ConnectAsync(origin.Server.RtspPort);
            var url = origin.Rtsp("live");
            await client.DescribeAsync(url);
            await client.RequestAsync(RtspMethods.Setup, url + "/stream=1", Tcp(0));
            Assert.Equal(200, (await client.RequestAsync(RtspMethods.Play, url + "/")).Head.StatusCode);
            await client.ReadUntilAsync(() => false, TimeSpan.FromSeconds(2.5));
            var stalled = client.Frames.Count;
            Assert.True(stalled > 0);
            await client.ReadUntilAsync(() => false, TimeSpan.FromSeconds(2));
            Assert.Equal(stalled, client.Frames.Count);
            // Still answering: the connection is open, only the data stopped.
            Assert.Equal(200, (await client.RequestAsync(RtspMethods.GetParameter, url + "/")).Head.StatusCode);
        });

    [Fact]
    public Task A_session_without_keep_alives_times_out_and_one_with_them_does_not() =>
        WithOriginAsync(o => RtspOnly(o, sessionTimeout: TimeSpan.FromSeconds(1)), async origin =>
        {
            var url = origin.Rtsp("single.wmv");
            await using var quiet = await RawRtspClient.ConnectAsync(origin.Server.RtspPort);
            await quiet.DescribeAsync(url);
            var (setup, _) = await quiet.RequestAsync(RtspMethods.Setup, url + "/stream=1", Tcp(0));
            Assert.Equal(1, setup.Session!.Value.TimeoutSeconds);

            await using var alive = await RawRtspClient.ConnectAsync(origin.Server.RtspPort);
            await alive.DescribeAsync(url);
            await alive.RequestAsync(RtspMethods.Setup, url + "/stream=1", Tcp(0));
            for (var i = 0; i < 8; i++)
            {
                await Task.Delay(500);
                Assert.Equal(200, (await alive.RequestAsync(RtspMethods.GetParameter, url + "/")).Head.StatusCode);
            }
            Assert.True(await quiet.ClosedWithinAsync(TimeSpan.FromSeconds(3)));
        });

    [Fact]
    public Task Garbage_after_breaks_the_interleaved_stream_with_bytes_that_are_neither_frames_nor_messages() =>
        WithOriginAsync(o => RtspOnly(o, faults: new OriginFaults { GarbageAfter = TimeSpan.FromSeconds(1) }), async origin =>
        {
            await using var client = await RawRtspClient.ConnectAsync(origin.Server.RtspPort);
            var url = origin.Rtsp("live");
            await client.DescribeAsync(url);
            await client.RequestAsync(RtspMethods.Setup, url + "/stream=1", Tcp(0));
            Assert.Equal(200, (await client.RequestAsync(RtspMethods.Play, url + "/")).Head.StatusCode);
            var failure = await Record.ExceptionAsync(() => client.ReadUntilAsync(() => false, TimeSpan.FromSeconds(8)));
            // Random bytes: the framing codec refuses them (or a random '$' frame claims more than ever comes).
            Assert.True(failure is MmsGateway.Mms.MmsProtocolException || client.Frames.Any(f => f.Channel != 0 && f.Channel != 1),
                failure?.ToString() ?? $"{client.Frames.Count} frames, all on the set-up channels");
            Assert.NotEmpty(client.Frames);
        });

    [Fact]
    public Task The_rate_cap_bounds_what_a_session_receives() =>
        WithOriginAsync(o => RtspOnly(o), async origin =>
        {
            origin.Server.RateBps = 160_000; // 20 kB/s, far below the file's rate
            await using var client = await RawRtspClient.ConnectAsync(origin.Server.RtspPort);
            var url = origin.Rtsp("single.wmv");
            await client.DescribeAsync(url);
            await client.RequestAsync(RtspMethods.Setup, url + "/stream=1", Tcp(0));
            Assert.Equal(200, (await client.RequestAsync(RtspMethods.Play, url + "/", new RtspHeaders().Add("Range", "npt=0-"))).Head.StatusCode);
            await client.ReadUntilAsync(() => false, TimeSpan.FromSeconds(3));
            var bytes = client.Frames.Sum(f => f.Payload.Length);
            // 3 s at 20 kB/s plus the bucket's quarter second and one packet: nowhere near the uncapped burst.
            Assert.InRange(bytes, 20_000, 3 * 20_000 + 5_000 + 3_300);
        });

    [Fact]
    public async Task A_taken_rtsp_port_fails_naming_the_listener_and_its_option()
    {
        var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        try
        {
            var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
            var failure = await Assert.ThrowsAsync<OriginListenException>(() =>
                WithOriginAsync(o => new OriginOptions { Root = o.Root, MmstPort = -1, HttpPort = -1, UdpPort = -1, RtspPort = port }, _ => Task.CompletedTask));
            Assert.Equal("RTSP (TCP)", failure.Listener);
            Assert.Equal("--rtsp-port", failure.Option);
            Assert.Equal(port, failure.Endpoint.Port);
        }
        finally
        {
            taken.Stop();
        }
    }
}
