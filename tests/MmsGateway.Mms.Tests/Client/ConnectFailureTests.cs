using System.Diagnostics;
using MmsGateway.Mms.Client;
using MmsGateway.Testing;

namespace MmsGateway.Mms.Tests.Client;

/// <summary>
/// Every connect fails in bounded time with a kind and a step (docs/protocol/rollover.md#s8.3 rollover triggers): silent servers,
/// closed ports, unknown hosts, unsupported schemes, and rollover over several of them.
/// </summary>
public sealed class ConnectFailureTests
{
    private static MmsClientOptions Options() => new()
    {
        ConnectTimeout = TimeSpan.FromSeconds(2),
        HandshakeTimeout = TimeSpan.FromSeconds(1),
        ReadTimeout = TimeSpan.FromSeconds(2),
    };

    private static ScriptedServer SilentServer() =>
        new(async (peer, _) => await peer.HoldAsync(TimeSpan.FromSeconds(10)));

    [Theory]
    [InlineData("mmst", MmsClientStep.Handshake)]
    [InlineData("mmsh", MmsClientStep.Describe)]
    [InlineData("http", MmsClientStep.Describe)]
    public async Task A_server_that_accepts_and_never_answers_times_out_within_the_handshake_deadline(string scheme,
        MmsClientStep step)
    {
        await using ScriptedServer server = SilentServer();
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<MmsClientException>(() =>
            MmsConnector.ConnectAsync(server.Url(scheme, "/x"), Options(), null, CancellationToken.None));
        clock.Stop();

        Assert.Equal(MmsClientErrorKind.TimedOut, e.Kind);
        Assert.Equal(step, e.Step);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(2.5));
        Assert.Contains("timed out", e.Message, StringComparison.Ordinal);
        MmsConnectAttempt attempt = Assert.Single(e.Attempts);
        Assert.Equal(MmsConnectOutcome.Failed, attempt.Outcome);
        Assert.Equal(step, attempt.FailedStep);
    }

    [Theory]
    [InlineData("mmst")]
    [InlineData("mmsh")]
    public async Task A_closed_port_is_refused_at_connect(string scheme)
    {
        int port = VlcMmshServer.FreePort();
        var e = await Assert.ThrowsAsync<MmsClientException>(() => MmsConnector.ConnectAsync(
            new Uri($"{scheme}://127.0.0.1:{port}/x"), Options(), null, CancellationToken.None));
        Assert.Equal(MmsClientErrorKind.Refused, e.Kind);
        Assert.Equal(MmsClientStep.Connect, e.Step);
        Assert.Equal(new Uri($"{scheme}://127.0.0.1:{port}/x"), e.Url);
    }

    [Fact]
    public async Task An_unknown_host_is_unreachable()
    {
        var e = await Assert.ThrowsAsync<MmsClientException>(() => MmsConnector.ConnectAsync(
            new Uri("mmst://no-such-host.invalid/x"), Options(), null, CancellationToken.None));
        Assert.True(e.Kind is MmsClientErrorKind.Unreachable or MmsClientErrorKind.TimedOut, e.Message);
        Assert.Equal(MmsClientStep.Connect, e.Step);
    }

    [Fact]
    public async Task Rollover_gives_each_protocol_its_own_deadline_and_reports_the_most_telling_failure()
    {
        await using ScriptedServer silent = SilentServer();
        await using var notFound = new ScriptedServer(async (peer, _) =>
        {
            await peer.ReadHttpHeadAsync();
            await peer.SendAsync("HTTP/1.0 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 0\r\n\r\n");
        });
        MmsClientOptions options = Options();
        options.DefaultMmstPort = silent.Port;
        options.DefaultMmshPort = notFound.Port;
        options.DefaultRtspPort = VlcMmshServer.FreePort(); // RTSP comes first in the default order: nothing listens

        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<MmsClientException>(() =>
            MmsConnector.ConnectAsync(new Uri("mms://127.0.0.1/clip"), options, null, CancellationToken.None));
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(3));

        Assert.Equal(MmsClientErrorKind.NotFound, e.Kind);
        Assert.Equal(MmsClientStep.Describe, e.Step);
        Assert.Equal(404, e.HttpStatusCode);
        Assert.Collection(e.Attempts,
            rtsp => Assert.Equal((MmsProtocol.Rtspt, MmsClientErrorKind.Refused), (rtsp.Protocol, rtsp.ErrorKind!.Value)),
            mmst =>
            {
                Assert.Equal(MmsProtocol.Mmst, mmst.Protocol);
                Assert.Equal(MmsClientErrorKind.TimedOut, mmst.ErrorKind);
                Assert.Equal(MmsClientStep.Handshake, mmst.FailedStep);
            },
            mmsh =>
            {
                Assert.Equal(MmsProtocol.Mmsh, mmsh.Protocol);
                Assert.Equal(MmsClientErrorKind.NotFound, mmsh.ErrorKind);
                Assert.Equal(MmsClientStep.Describe, mmsh.FailedStep);
            });
        Assert.Contains("Mmst", e.Message, StringComparison.Ordinal);
        Assert.Contains("Mmsh", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public async Task Rollover_order_is_configurable_and_every_attempt_is_reported()
    {
        int closed = VlcMmshServer.FreePort();
        MmsClientOptions options = Options();
        options.RolloverOrder = [MmsProtocol.Mmsu, MmsProtocol.Mmsh];
        var e = await Assert.ThrowsAsync<MmsClientException>(() => MmsConnector.ConnectAsync(
            new Uri($"mms://127.0.0.1:{closed}/x"), options, null, CancellationToken.None));
        Assert.Collection(e.Attempts,
            mmsu => Assert.Equal((MmsProtocol.Mmsu, MmsClientErrorKind.Refused), (mmsu.Protocol, mmsu.ErrorKind!.Value)),
            mmsh =>
            {
                Assert.Equal(MmsClientErrorKind.Refused, mmsh.ErrorKind);
                Assert.Equal($"127.0.0.1:{closed}", mmsh.Endpoint); // an explicit port applies to every protocol
            });
        Assert.Equal(MmsClientErrorKind.Refused, e.Kind);
    }

    [Theory]
    [InlineData("rtmp://127.0.0.1/x")]
    [InlineData("https://127.0.0.1/x")]
    public async Task Other_schemes_are_not_supported(string url)
    {
        var e = await Assert.ThrowsAsync<MmsClientException>(() =>
            MmsConnector.ConnectAsync(new Uri(url), Options(), null, CancellationToken.None));
        Assert.Equal(MmsClientErrorKind.NotSupported, e.Kind);
    }

    [Fact]
    public async Task Invalid_options_are_refused_before_connecting()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => MmsConnector.ConnectAsync(
            new Uri("mmst://127.0.0.1/x"), new MmsClientOptions { ReadTimeout = TimeSpan.Zero }, null,
            CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => MmsConnector.ConnectAsync(
            new Uri("/relative", UriKind.Relative), new MmsClientOptions(), null, CancellationToken.None));
    }

    [Fact]
    public async Task Cancellation_stops_a_connect_at_once()
    {
        await using ScriptedServer server = SilentServer();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        MmsClientOptions options = Options();
        options.HandshakeTimeout = TimeSpan.FromSeconds(10);
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            MmsConnector.ConnectAsync(server.Url("mmst"), options, null, cancel.Token));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2));
    }
}
