using System.Net;
using System.Net.Http.Headers;
using MmsGateway.Tests.Streams;

namespace MmsGateway.Tests.Security;

/// <summary><c>Gateway:Security:AdminApiKey</c> guards /admin/*, /metrics, /streams and the index page; probes stay open.</summary>
public sealed class AdminApiKeyTests
{
    [Fact]
    public async Task Administrative_endpoints_need_the_key_as_header_or_bearer_token()
    {
        await using var harness = await GatewayHarness.StartAsync($"--Gateway:Security:AdminApiKey={SecurityGateway.AdminKey}");
        foreach (var path in new[] { "/metrics", "/streams", "/", "/admin/limits" })
        {
            using var missing = await harness.Http.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
            Assert.Contains("Bearer", missing.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);

            using var wrong = new HttpRequestMessage(HttpMethod.Get, path);
            wrong.Headers.Add("X-Api-Key", SecurityGateway.AdminKey + "x");
            using var wrongResponse = await harness.Http.SendAsync(wrong);
            Assert.Equal(HttpStatusCode.Forbidden, wrongResponse.StatusCode);

            using var header = new HttpRequestMessage(HttpMethod.Get, path);
            header.Headers.Add("X-Api-Key", SecurityGateway.AdminKey);
            using var headerResponse = await harness.Http.SendAsync(header);
            Assert.Equal(HttpStatusCode.OK, headerResponse.StatusCode);

            using var bearer = new HttpRequestMessage(HttpMethod.Get, path);
            bearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SecurityGateway.AdminKey);
            using var bearerResponse = await harness.Http.SendAsync(bearer);
            Assert.Equal(HttpStatusCode.OK, bearerResponse.StatusCode);
        }

        using var health = await harness.Http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        // One stream's state stays with its viewers, without the upstream URL.
        var one = await harness.Http.GetStringAsync("/streams/live/status");
        Assert.Contains("\"name\": \"live\"", one, StringComparison.Ordinal);
        Assert.Contains("\"source\": \"\"", one, StringComparison.Ordinal);
        Assert.DoesNotContain("mmst://", one, StringComparison.Ordinal);
        // Viewer URLs are not administrative (they have their own signatures).
        var (status, _) = await SecurityGateway.PeekAsync(harness, "/streams/live/live.asf");
        Assert.Equal(200, status);
    }

    [Fact]
    public async Task Disconnect_ends_the_viewers_of_a_live_stream()
    {
        await using var harness = await GatewayHarness.StartAsync($"--Gateway:Security:AdminApiKey={SecurityGateway.AdminKey}");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var viewer = await harness.Http.GetAsync("/streams/live/live.asf", HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal(HttpStatusCode.OK, viewer.StatusCode);
        await using var body = await viewer.Content.ReadAsStreamAsync(cts.Token);
        var buffer = new byte[64 * 1024];
        Assert.True(await body.ReadAsync(buffer, cts.Token) > 0);

        using var unauthorized = await harness.Http.PostAsync("/admin/streams/live/disconnect", null);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/streams/live/disconnect");
        request.Headers.Add("X-Api-Key", SecurityGateway.AdminKey);
        using var response = await harness.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("1 viewers disconnected", (await response.Content.ReadAsStringAsync()).Trim());

        // The viewer's response ends (aborted) well before the test's deadline.
        var ended = false;
        try
        {
            while (await body.ReadAsync(buffer, cts.Token) > 0)
            {
            }
            ended = true;
        }
        catch (IOException)
        {
            ended = true;
        }
        catch (HttpRequestException)
        {
            ended = true;
        }
        Assert.True(ended && !cts.IsCancellationRequested);

        using var unknown = new HttpRequestMessage(HttpMethod.Post, "/admin/streams/nope/disconnect");
        unknown.Headers.Add("X-Api-Key", SecurityGateway.AdminKey);
        using var notFound = await harness.Http.SendAsync(unknown);
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
    }
}
