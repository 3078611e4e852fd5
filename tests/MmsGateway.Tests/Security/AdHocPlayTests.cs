using System.Net;
using MmsGateway.Asf;
using MmsGateway.Tests.Streams;

namespace MmsGateway.Tests.Security;

/// <summary>
/// <c>GET /play?url=</c> against the real origin and a real web server on loopback: the host list and the address rules
/// apply to the URL, to what its name resolves to, to ASX entries and to HTTP redirects; refusals are 403 with the
/// reason, an unplayable upstream 502.
/// </summary>
public sealed class AdHocPlayTests
{
    private static string Play(string url) => "/play?url=" + Uri.EscapeDataString(url);

    [Fact]
    public async Task A_listed_loopback_host_is_refused_until_its_network_is_allowed()
    {
        await using (var closed = await GatewayHarness.StartAsync("--Gateway:AllowedHosts:0=127.0.0.1"))
        {
            var url = $"mmst://127.0.0.1:{closed.Origin.MmstPort}/live";
            using var refused = await closed.Http.GetAsync(Play(url));
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains("127.0.0.1 is a loopback address", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            using var unlisted = await closed.Http.GetAsync(Play($"mmst://127.0.0.2:{closed.Origin.MmstPort}/live"));
            Assert.Equal(HttpStatusCode.Forbidden, unlisted.StatusCode);
            Assert.Contains("Gateway:AllowedHosts", await unlisted.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await using var open = await GatewayHarness.StartAsync("--Gateway:AllowedHosts:0=127.0.0.1", "--Gateway:Security:AllowedNetworks:0=127.0.0.0/8");
        var (status, body) = await SecurityGateway.PeekAsync(open, Play($"mmst://127.0.0.1:{open.Origin.MmstPort}/live"));
        Assert.Equal(200, status);
        Assert.Equal(AsfGuids.Header, new Guid(body.AsSpan(0, 16)));
    }

    [Fact]
    public async Task A_name_that_resolves_to_loopback_is_refused()
    {
        await using var harness = await GatewayHarness.StartAsync("--Gateway:AllowedHosts:0=localhost");
        using var response = await harness.Http.GetAsync(Play($"mmst://localhost:{harness.Origin.MmstPort}/live"));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("loopback address", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Asx_entries_are_held_to_the_same_rules()
    {
        await using var web = new PlaylistHttpServer();
        await using var harness = await GatewayHarness.StartAsync(origin =>
        [
            "--Gateway:AllowedHosts:0=127.0.0.1",
            "--Gateway:AllowedHosts:1=127.0.0.2",
            "--Gateway:Security:AllowedNetworks:0=127.0.0.1/32",
        ]);
        var port = harness.Origin.MmstPort;
        // An entry on an unlisted host (localhost), one on a listed host in a network not allowed (127.0.0.2), then
        // one that is both: the first two are refused, the third plays.
        web.Serve("/mixed.asx", $"""
            <ASX version="3.0"><Entry>
              <REF HREF="mmst://localhost:{port}/live"/>
              <REF HREF="mmst://127.0.0.2:{port}/live"/>
              <REF HREF="mmst://127.0.0.1:{port}/live"/>
            </Entry></ASX>
            """);
        var (status, body) = await SecurityGateway.PeekAsync(harness, Play(web.Url("/mixed.asx").AbsoluteUri));
        Assert.Equal(200, status);
        Assert.Equal(AsfGuids.Header, new Guid(body.AsSpan(0, 16)));

        web.Serve("/private.asx", $"""<ASX version="3.0"><Entry><REF HREF="mmst://127.0.0.2:{port}/live"/></Entry></ASX>""");
        using var refused = await harness.Http.GetAsync(Play(web.Url("/private.asx").AbsoluteUri));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("127.0.0.2 is a loopback address", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        web.Serve("/file.asx", """<ASX version="3.0"><Entry><REF HREF="file:///etc/passwd"/></Entry></ASX>""");
        using var file = await harness.Http.GetAsync(Play(web.Url("/file.asx").AbsoluteUri));
        Assert.Equal(HttpStatusCode.Forbidden, file.StatusCode);
        Assert.Contains("scheme 'file'", await file.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_http_redirect_to_the_metadata_address_is_refused_before_it_is_followed()
    {
        await using var web = new PlaylistHttpServer();
        web.Redirect("/moved.asx", new Uri("http://169.254.169.254/latest/meta-data/list.asx"));
        await using var harness = await GatewayHarness.StartAsync("--Gateway:AllowedHosts:0=*", "--Gateway:Security:AllowedNetworks:0=127.0.0.1/32");
        using var response = await harness.Http.GetAsync(Play(web.Url("/moved.asx").AbsoluteUri));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("169.254.169.254 is the cloud metadata address", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(["/moved.asx"], web.Requests);
    }

    [Fact]
    public async Task An_upstream_that_cannot_be_played_is_a_502_not_a_crash()
    {
        await using var harness = await GatewayHarness.StartAsync("--Gateway:AllowedHosts:0=127.0.0.1", "--Gateway:Security:AllowedNetworks:0=127.0.0.1/32");
        using var response = await harness.Http.GetAsync(Play($"mmst://127.0.0.1:{harness.Origin.MmstPort}/no-such-file.wmv"));
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("NotFound", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
