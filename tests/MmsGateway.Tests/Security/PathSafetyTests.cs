using Microsoft.Extensions.Logging.Abstractions;
using MmsGateway.Origin;
using MmsGateway.Origin.Media;
using MmsGateway.Tests.Streams;

namespace MmsGateway.Tests.Security;

/// <summary>
/// No request path reaches a file outside what is served: traversal in HLS names, player assets and stream names
/// (sent raw, so no client normalises them) and in the origin's catalog (including a symbolic link out of the root).
/// </summary>
public sealed class PathSafetyTests(PathSafetyTests.GatewayFixture fixture) : IClassFixture<PathSafetyTests.GatewayFixture>
{
    /// <summary>One gateway for every path of the theory.</summary>
    public sealed class GatewayFixture : IAsyncLifetime
    {
        public GatewayHarness Harness { get; private set; } = null!;

        public async Task InitializeAsync() => Harness = await GatewayHarness.StartAsync();

        public async Task DisposeAsync()
        {
            if (Harness is not null) await Harness.DisposeAsync();
        }
    }

    public static TheoryData<string> GatewayPaths() =>
    [
        "/streams/live/hls/v0/0/..%2f..%2f..%2fappsettings.json",
        "/streams/live/hls/v0/0/%2e%2e%2f%2e%2e%2fappsettings.json",
        "/streams/live/hls/v0/..%5c..%5cappsettings.json/x",
        "/streams/live/hls/v0/0/%2fetc%2fpasswd",
        "/streams/live/hls/v0/0/init0.mp4%00.m4s",
        "/streams/..%2f..%2fetc/live.asf",
        "/streams/%2e%2e/index.m3u8",
        "/streams/live%00/live.asf",
        "/player/..%2fappsettings.json",
        "/player/%2e%2e%5cappsettings.json",
        "/player/%2fetc%2fpasswd",
        "/player/..%5c..%5cMmsGateway.dll",
        "/player/player.js%00.txt",
        "/streams/live/../../appsettings.json",
    ];

    [Theory]
    [MemberData(nameof(GatewayPaths))]
    public async Task Traversal_on_gateway_paths_is_404_or_400(string path)
    {
        var (status, body) = await RawAsync(fixture.Harness, path);
        Assert.True(status is 400 or 404, $"{path}: {status}");
        Assert.DoesNotContain("root:", body, StringComparison.Ordinal);
        Assert.DoesNotContain("\"Logging\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_origin_catalog_never_resolves_outside_its_root()
    {
        var root = Directory.CreateTempSubdirectory("mmsgw-root-").FullName;
        var outside = Directory.CreateTempSubdirectory("mmsgw-outside-").FullName;
        var secret = Path.Combine(outside, "secret.wmv");
        await File.WriteAllTextAsync(secret, "not for you");
        await File.WriteAllTextAsync(Path.Combine(root, "inside.wmv"), "inside");
        File.CreateSymbolicLink(Path.Combine(root, "link.wmv"), secret);
        Directory.CreateSymbolicLink(Path.Combine(root, "dir"), outside);
        File.CreateSymbolicLink(Path.Combine(root, "alias.wmv"), Path.Combine(root, "inside.wmv"));
        await using var catalog = new OriginCatalog(new OriginOptions { Root = root }, TimeProvider.System, NullLoggerFactory.Instance);

        Assert.NotNull(catalog.ResolveFile("inside.wmv"));
        Assert.NotNull(catalog.ResolveFile("alias.wmv")); // a link that stays inside is fine
        var relative = Path.GetRelativePath(root, secret);
        foreach (var attempt in new[]
                 {
                     relative, "../" + Path.GetFileName(outside) + "/secret.wmv", "..\\" + Path.GetFileName(outside) + "\\secret.wmv", secret,
                     "link.wmv", "dir/secret.wmv", "inside.wmv\0", "/etc/passwd", "", "sub/../../" + relative,
                 })
        {
            Assert.Null(catalog.ResolveFile(attempt));
        }

        foreach (var request in new[] { "/%2e%2e/" + Path.GetFileName(outside) + "/secret.wmv", "/..%5c" + Path.GetFileName(outside) + "%5csecret.wmv", "/link.wmv", "/dir/secret.wmv", "/inside.wmv%00" })
        {
            Assert.Null(catalog.Find(request, out var failure));
            Assert.Equal(LookupFailure.NotFound, failure);
        }
    }

    private static async Task<(int Status, string Body)> RawAsync(GatewayHarness harness, string path)
    {
        using var client = new System.Net.Sockets.TcpClient();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await client.ConnectAsync(harness.BaseAddress.Host, harness.BaseAddress.Port, cts.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(System.Text.Encoding.Latin1.GetBytes($"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), cts.Token);
        using var reader = new StreamReader(stream, System.Text.Encoding.Latin1);
        var text = await reader.ReadToEndAsync(cts.Token);
        return (int.Parse(text.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture), text);
    }
}
