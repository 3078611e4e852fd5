using System.Net;
using System.Net.Sockets;
using System.Text;
using MmsGateway.Tests.Streams;

namespace MmsGateway.Tests.Security;

/// <summary>
/// The limits of <c>Gateway:Security</c> give the documented statuses: 429 per client address, 503 per stream and for
/// upstream sessions, Kestrel's 431 and 414; and a bad limit stops start-up naming its key.
/// </summary>
public sealed class LimitsTests
{
    private static async Task<(HttpResponseMessage Response, Stream Body)> OpenAsync(GatewayHarness harness, string path, CancellationToken ct)
    {
        var response = await harness.Http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, ct);
        var body = await response.Content.ReadAsStreamAsync(ct);
        if (response.StatusCode == HttpStatusCode.OK) Assert.True(await body.ReadAsync(new byte[4096], ct) > 0);
        return (response, body);
    }

    [Fact]
    public async Task Requests_per_client_address_beyond_the_limit_get_429_with_retry_after()
    {
        await using var harness = await GatewayHarness.StartAsync("--Gateway:Security:MaxConcurrentRequestsPerClient=2");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var first = await OpenAsync(harness, "/streams/live/live.asf", cts.Token);
        var second = await OpenAsync(harness, "/streams/mbrlive/live.asf", cts.Token);
        Assert.Equal(HttpStatusCode.OK, first.Response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.Response.StatusCode);

        using var third = await harness.Http.GetAsync("/streams");
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.NotNull(third.Headers.RetryAfter);
        Assert.Contains("MaxConcurrentRequestsPerClient=2", await third.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var probe = await harness.Http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, probe.StatusCode);

        await first.Body.DisposeAsync();
        first.Response.Dispose();
        HttpStatusCode status = 0;
        for (var i = 0; i < 50 && status != HttpStatusCode.OK; i++)
        {
            await Task.Delay(100);
            using var again = await harness.Http.GetAsync("/streams");
            status = again.StatusCode;
        }
        Assert.Equal(HttpStatusCode.OK, status);
        await second.Body.DisposeAsync();
        second.Response.Dispose();
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_the_limit_is_per_forwarded_client()
    {
        await using var harness = await GatewayHarness.StartAsync("--Gateway:Security:MaxConcurrentRequestsPerClient=1",
            "--Gateway:Security:TrustedProxies:0=127.0.0.1");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var first = new HttpRequestMessage(HttpMethod.Get, "/streams/live/live.asf");
        first.Headers.Add("X-Forwarded-For", "203.0.113.7");
        using var firstResponse = await harness.Http.SendAsync(first, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal(HttpStatusCode.OK, firstResponse.StatusCode);

        using var other = new HttpRequestMessage(HttpMethod.Get, "/streams");
        other.Headers.Add("X-Forwarded-For", "203.0.113.8");
        using var otherResponse = await harness.Http.SendAsync(other, cts.Token);
        Assert.Equal(HttpStatusCode.OK, otherResponse.StatusCode);

        using var same = new HttpRequestMessage(HttpMethod.Get, "/streams");
        same.Headers.Add("X-Forwarded-For", "203.0.113.7");
        using var sameResponse = await harness.Http.SendAsync(same, cts.Token);
        Assert.Equal(HttpStatusCode.TooManyRequests, sameResponse.StatusCode);
        Assert.Contains("203.0.113.7", await sameResponse.Content.ReadAsStringAsync(cts.Token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Viewers_per_stream_beyond_the_limit_get_503_and_other_streams_still_play()
    {
        await using var harness = await GatewayHarness.StartAsync("--Gateway:Security:MaxViewersPerStream=1");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var first = await OpenAsync(harness, "/streams/live/live.asf", cts.Token);
        Assert.Equal(HttpStatusCode.OK, first.Response.StatusCode);

        using var second = await harness.Http.GetAsync("/streams/LIVE/live.asf", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
        Assert.Contains("maximum of 1 viewers", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var other = await OpenAsync(harness, "/streams/mbrlive/live.asf", cts.Token);
        Assert.Equal(HttpStatusCode.OK, other.Response.StatusCode);
        await other.Body.DisposeAsync();
        other.Response.Dispose();
        await first.Body.DisposeAsync();
        first.Response.Dispose();
    }

    [Fact]
    public async Task A_new_upstream_session_beyond_the_limit_gets_503()
    {
        await using var harness = await GatewayHarness.StartAsync("--Gateway:Security:MaxUpstreamSessions=1",
            $"--Gateway:Security:AdminApiKey={SecurityGateway.AdminKey}");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var viewer = await OpenAsync(harness, "/streams/live/live.asf", cts.Token);
        Assert.Equal(HttpStatusCode.OK, viewer.Response.StatusCode);

        // An on-demand stream needs its own session; an idle live stream would need one too.
        foreach (var path in new[] { "/streams/file/live.asf", "/streams/mbrlive/live.asf" })
        {
            using var refused = await harness.Http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Contains("MaxUpstreamSessions", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // A second viewer of the stream already connected shares its session.
        var shared = await OpenAsync(harness, "/streams/live/live.asf", cts.Token);
        Assert.Equal(HttpStatusCode.OK, shared.Response.StatusCode);

        using var limits = new HttpRequestMessage(HttpMethod.Get, "/admin/limits");
        limits.Headers.Add("X-Api-Key", SecurityGateway.AdminKey);
        using var limitsResponse = await harness.Http.SendAsync(limits);
        Assert.Contains("\"upstreamSessionsInUse\":1", await limitsResponse.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        foreach (var open in new[] { viewer, shared })
        {
            await open.Body.DisposeAsync();
            open.Response.Dispose();
        }
    }

    [Fact]
    public async Task Kestrel_refuses_oversized_headers_and_request_lines()
    {
        await using var harness = await GatewayHarness.StartAsync("--Gateway:Security:MaxRequestHeadersTotalSize=2048",
            "--Gateway:Security:MaxRequestLineSize=512");
        Assert.Equal(431, await RawStatusAsync(harness, $"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {new string('a', 4000)}\r\n\r\n"));
        Assert.Equal(414, await RawStatusAsync(harness, $"GET /healthz?{new string('a', 1000)} HTTP/1.1\r\nHost: x\r\n\r\n"));
        Assert.Equal(200, await RawStatusAsync(harness, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    }

    [Fact]
    public async Task A_declared_body_over_the_limit_gets_413_before_any_endpoint_runs()
    {
        await using var harness = await GatewayHarness.StartAsync("--Gateway:Security:MaxRequestBodySize=1024");
        Assert.Equal(413, await RawStatusAsync(harness, "POST /admin/streams/live/disconnect HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n"));
        // A body within the limit reaches the endpoint.
        Assert.Equal(200, await RawStatusAsync(harness, "POST /admin/streams/live/disconnect HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"));
    }

    [Fact]
    public async Task A_bad_limit_stops_start_up_naming_its_key()
    {
        var e = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(async () =>
        {
            await using var app = GatewayHost.Build(["--urls", "http://127.0.0.1:0", "--Gateway:Demo=false", "--Logging:LogLevel:Default=None",
                "--Gateway:Security:MaxViewersPerStream=0", "--Gateway:Security:ViewerKeys:0=short", "--Gateway:Security:AllowedNetworks:0=10.0.0.0/40"]);
            await app.StartAsync();
        });
        Assert.Contains("Gateway:Security:MaxViewersPerStream", e.Message, StringComparison.Ordinal);
        Assert.Contains("Gateway:Security:ViewerKeys:0", e.Message, StringComparison.Ordinal);
        Assert.Contains("Gateway:Security:AllowedNetworks", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Sends raw bytes (no client-side normalisation) and returns the status code of the answer.</summary>
    internal static async Task<int> RawStatusAsync(GatewayHarness harness, string request)
    {
        using var client = new TcpClient();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await client.ConnectAsync(harness.BaseAddress.Host, harness.BaseAddress.Port, cts.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.Latin1.GetBytes(request), cts.Token);
        var buffer = new byte[4096];
        var length = 0;
        while (length < 12)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(length), cts.Token);
            if (read == 0) break;
            length += read;
        }
        var line = Encoding.Latin1.GetString(buffer, 0, length);
        return int.Parse(line.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture);
    }
}
