using MmsGateway.Testing;
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
    public async Task Loopback_is_refused_unless_its_network_is_allowed_or_the_address_itself_is_listed()
    {
        await using (var anyHost = await GatewayHarness.StartAsync("--Gateway:AllowedHosts:0=*"))
        {
            using var refused = await anyHost.Http.GetAsync(Play($"mmst://127.0.0.1:{anyHost.Origin.MmstPort}/live"));
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains("127.0.0.1 is a loopback address", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await using (var network = await GatewayHarness.StartAsync("--Gateway:AllowedHosts:0=*", "--Gateway:Security:AllowedNetworks:0=127.0.0.0/8"))
        {
            var (status, body) = await SecurityGateway.PeekAsync(network, Play($"mmst://127.0.0.1:{network.Origin.MmstPort}/live"));
            Assert.Equal(200, status);
            Assert.Equal(AsfGuids.Header, new Guid(body.AsSpan(0, 16)));
        }

        await using var listed = await GatewayHarness.StartAsync("--Gateway:AllowedHosts:0=127.0.0.1");
        var (listedStatus, _) = await SecurityGateway.PeekAsync(listed, Play($"mmst://127.0.0.1:{listed.Origin.MmstPort}/live"));
        Assert.Equal(200, listedStatus);
        using var unlisted = await listed.Http.GetAsync(Play($"mmst://127.0.0.2:{listed.Origin.MmstPort}/live"));
        Assert.Equal(HttpStatusCode.Forbidden, unlisted.StatusCode);
        Assert.Contains("Gateway:AllowedHosts", await unlisted.Content.ReadAsStringAsync(), StringComparison.Ordinal);
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
        // The playlist server on 127.0.0.2 (listed); the origin on 127.0.0.1.
        await using var web = new PlaylistHttpServer(IPAddress.Parse("127.0.0.2"));
        await using (var names = await GatewayHarness.StartAsync("--Gateway:AllowedHosts:0=127.0.0.2", "--Gateway:AllowedHosts:1=localhost"))
        {
            // A listed name that resolves to loopback: refused by the address rules.
            web.Serve("/private.asx", $"""<ASX version="3.0"><Entry><REF HREF="mmst://localhost:{names.Origin.MmstPort}/live"/></Entry></ASX>""");
            var (status, text) = await StatusAsync(names, Play(web.Url("/private.asx").AbsoluteUri));
            Assert.Equal(403, status);
            Assert.Contains("is a loopback address", text, StringComparison.Ordinal);

            web.Serve("/file.asx", """<ASX version="3.0"><Entry><REF HREF="file:///etc/passwd"/></Entry></ASX>""");
            (status, text) = await StatusAsync(names, Play(web.Url("/file.asx").AbsoluteUri));
            Assert.Equal(403, status);
            Assert.Contains("scheme 'file'", text, StringComparison.Ordinal);
        }

        await using var harness = await GatewayHarness.StartAsync("--Gateway:AllowedHosts:0=127.0.0.2", "--Gateway:AllowedHosts:1=127.0.0.1");
        var port = harness.Origin.MmstPort;
        // An entry on an unlisted host is skipped; the next REF, on a listed address, plays.
        web.Serve("/mixed.asx", $"""
            <ASX version="3.0"><Entry>
              <REF HREF="mmst://127.0.0.3:{port}/live"/>
              <REF HREF="mmst://127.0.0.1:{port}/live"/>
            </Entry></ASX>
            """);
        var (played, body) = await SecurityGateway.PeekAsync(harness, Play(web.Url("/mixed.asx").AbsoluteUri));
        Assert.Equal(200, played);
        Assert.Equal(AsfGuids.Header, new Guid(body.AsSpan(0, 16)));
        web.Serve("/unlisted.asx", $"""<ASX version="3.0"><Entry><REF HREF="mmst://127.0.0.3:{port}/live"/></Entry></ASX>""");
        var (refused, why) = await StatusAsync(harness, Play(web.Url("/unlisted.asx").AbsoluteUri));
        Assert.Equal(403, refused);
        Assert.Contains("'127.0.0.3' is not in Gateway:AllowedHosts", why, StringComparison.Ordinal);
    }

    /// <summary>The status, and the text of a refusal (a 200 stream is not read: it would not end).</summary>
    private static async Task<(int Status, string Text)> StatusAsync(GatewayHarness harness, string path)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await harness.Http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        var text = response.StatusCode == HttpStatusCode.OK ? "" : await response.Content.ReadAsStringAsync(cts.Token);
        return ((int)response.StatusCode, text);
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
