using System.Net;
using MmsGateway.Asf;
using MmsGateway.Security;
using MmsGateway.Testing;
using MmsGateway.Tests.Hls;
using MmsGateway.Tests.Streams;

namespace MmsGateway.Tests.Security;

/// <summary>
/// Signed viewer URLs (<c>Gateway:Security:ViewerKeys</c>): valid, expired, tampered, wrong key, another stream's,
/// key rotation; HLS playlists carry the token into every URL they list, so a player that only follows URLs
/// (hls.js, <c>&lt;video&gt;</c>) works without headers.
/// </summary>
[Collection(HlsCollection.Name)]
public sealed class SignedUrlTests
{
    private static readonly string[] Keys =
        [$"--Gateway:Security:ViewerKeys:0={SecurityGateway.Key1}", $"--Gateway:Security:ViewerKeys:1={SecurityGateway.Key2}"];

    [Fact]
    public async Task Live_asf_needs_a_valid_unexpired_signature_for_its_stream()
    {
        await using var harness = await GatewayHarness.StartAsync(Keys);
        var scope = ViewerUrlSigner.StreamScope("live");
        const string path = "/streams/live/live.asf";

        using (var unsigned = await harness.Http.GetAsync(path))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
            Assert.Contains("must be signed", await unsigned.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var (status, body) = await SecurityGateway.PeekAsync(harness, SecurityGateway.Signed(path, scope, TimeSpan.FromMinutes(5)));
        Assert.Equal(200, status);
        Assert.Equal(AsfGuids.Header, new Guid(body.AsSpan(0, 16)));

        // Rotation: the second key verifies too.
        (status, _) = await SecurityGateway.PeekAsync(harness, SecurityGateway.Signed(path, scope, TimeSpan.FromMinutes(5), SecurityGateway.Key2));
        Assert.Equal(200, status);

        // Case does not matter for stream names, so it does not for their scope either.
        (status, _) = await SecurityGateway.PeekAsync(harness, SecurityGateway.Signed("/streams/LIVE/live.asf", scope, TimeSpan.FromMinutes(5)));
        Assert.Equal(200, status);

        await AssertRefusedAsync(harness, SecurityGateway.Signed(path, scope, TimeSpan.FromSeconds(-5)), "expired");
        await AssertRefusedAsync(harness, SecurityGateway.Signed(path, scope, TimeSpan.FromMinutes(5), "an-unknown-key-0123456789abcdef-0123456"), "not valid");
        await AssertRefusedAsync(harness, SecurityGateway.Signed(path, ViewerUrlSigner.StreamScope("mbrlive"), TimeSpan.FromMinutes(5)), "not valid");

        var good = SecurityGateway.Signed(path, scope, TimeSpan.FromMinutes(5));
        var exp = long.Parse(good.Split("exp=")[1].Split('&')[0], System.Globalization.CultureInfo.InvariantCulture);
        await AssertRefusedAsync(harness, good.Replace($"exp={exp}", $"exp={exp + 3600}", StringComparison.Ordinal), "not valid");
        var sig = good.Split("sig=")[1];
        var flipped = (sig[0] == 'A' ? 'B' : 'A') + sig[1..];
        await AssertRefusedAsync(harness, good.Replace(sig, flipped, StringComparison.Ordinal), "not valid");
        await AssertRefusedAsync(harness, good.Replace(sig, "!!", StringComparison.Ordinal), "not valid");

        // Not viewer URLs: the player's own files and the health probes stay open.
        using var asset = await harness.Http.GetAsync("/player/player.js");
        Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
        using var health = await harness.Http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Play_is_signed_for_its_upstream_url_only()
    {
        await using var harness = await GatewayHarness.StartAsync([.. Keys, "--Gateway:AllowedHosts:0=127.0.0.1"]);
        var url = $"mmst://127.0.0.1:{harness.Origin.MmstPort}/live";
        var other = $"mmst://127.0.0.1:{harness.Origin.MmstPort}/mbrlive";
        var path = "/play?url=" + Uri.EscapeDataString(url);
        using (var unsigned = await harness.Http.GetAsync(path))
            Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        var (status, body) = await SecurityGateway.PeekAsync(harness, SecurityGateway.Signed(path, ViewerUrlSigner.PlayScope(url), TimeSpan.FromMinutes(5)));
        Assert.Equal(200, status);
        Assert.Equal(AsfGuids.Header, new Guid(body.AsSpan(0, 16)));
        // A token for one upstream does not open another.
        var forOther = SecurityGateway.Signed("/play?url=" + Uri.EscapeDataString(other), ViewerUrlSigner.PlayScope(url), TimeSpan.FromMinutes(5));
        await AssertRefusedAsync(harness, forOther, "not valid");
    }

    [Fact]
    public async Task Hls_playlists_carry_the_token_into_every_url_so_a_url_following_player_works()
    {
        await using var harness = await GatewayHarness.StartAsync([.. Keys, "--Gateway:Hls:IdleTimeout=00:00:06"]);
        var multivariantUrl = new Uri(harness.BaseAddress,
            SecurityGateway.Signed("/streams/live/index.m3u8", ViewerUrlSigner.StreamScope("live"), TimeSpan.FromMinutes(5)));
        var multivariant = await harness.Http.GetStringAsync(multivariantUrl);
        var variantLine = UriLines(multivariant).First();
        Assert.Contains("sig=", variantLine, StringComparison.Ordinal);

        // As hls.js does: resolve each listed URL against the playlist URL (which drops the playlist's own query).
        var mediaUrl = new Uri(multivariantUrl, variantLine);
        string media = "";
        for (var i = 0; i < 60 && !media.Contains("#EXTINF", StringComparison.Ordinal); i++)
        {
            using var response = await harness.Http.GetAsync(mediaUrl);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            media = await response.Content.ReadAsStringAsync();
        }
        var listed = UriLines(media).Concat(UriAttributes(media)).ToList();
        Assert.NotEmpty(listed);
        Assert.All(listed, u => Assert.Contains("sig=", u, StringComparison.Ordinal));

        var segment = new Uri(mediaUrl, UriLines(media).First());
        var bytes = await harness.Http.GetByteArrayAsync(segment);
        Assert.True(bytes.Length > 100);
        var init = new Uri(mediaUrl, UriAttributes(media).First(u => u.Contains("init", StringComparison.Ordinal)));
        Assert.Equal("ftyp", System.Text.Encoding.ASCII.GetString(await harness.Http.GetByteArrayAsync(init), 4, 4));

        // The same segment without the token is refused.
        var bare = new UriBuilder(segment) { Query = "" }.Uri;
        using var refused = await harness.Http.GetAsync(bare);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        // Blocking reload keeps the token: hls.js adds _HLS_msn to the listed URL's query.
        using var reload = await harness.Http.GetAsync(new Uri(mediaUrl + "&_HLS_msn=0"));
        Assert.Equal(HttpStatusCode.OK, reload.StatusCode);
    }

    [Fact]
    public async Task The_sign_verb_prints_a_url_the_gateway_accepts()
    {
        await using var harness = await GatewayHarness.StartAsync(Keys);
        var gateway = Path.Combine(AppContext.BaseDirectory, "MmsGateway.dll");
        var result = await ToolRunner.RunAsync("dotnet", [gateway, "sign", "live", "--ttl", "120", "--key", SecurityGateway.Key2], TimeSpan.FromMinutes(1));
        Assert.True(result.ExitCode == 0, result.ToString());
        var signed = result.StandardOutput.Trim();
        Assert.StartsWith("/streams/live/?exp=", signed, StringComparison.Ordinal);
        using var page = await harness.Http.GetAsync(signed);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var (status, _) = await SecurityGateway.PeekAsync(harness, signed.Replace("/streams/live/?", "/streams/live/live.asf?", StringComparison.Ordinal));
        Assert.Equal(200, status);

        var bad = await ToolRunner.RunAsync("dotnet", [gateway, "sign", "live", "--key", "short"], TimeSpan.FromMinutes(1));
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("at least 32 characters", bad.StandardError, StringComparison.Ordinal);
    }

    private static async Task AssertRefusedAsync(GatewayHarness harness, string path, string why)
    {
        using var response = await harness.Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains(why, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static IEnumerable<string> UriLines(string playlist) =>
        playlist.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && l[0] != '#');

    private static IEnumerable<string> UriAttributes(string playlist) =>
        System.Text.RegularExpressions.Regex.Matches(playlist, "URI=\"([^\"]+)\"").Select(m => m.Groups[1].Value);
}
