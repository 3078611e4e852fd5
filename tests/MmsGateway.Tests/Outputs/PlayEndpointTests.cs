using System.Net;
using MmsGateway.Testing;
using MmsGateway.Tests.Streams;

namespace MmsGateway.Tests.Outputs;

public sealed class PlayEndpointTests
{
    [Fact]
    public async Task Ad_hoc_play_opens_only_allow_listed_hosts()
    {
        await using var gateway = await GatewayHarness.StartAsync("--Gateway:AllowedHosts:0=127.0.0.1");
        var url = Uri.EscapeDataString($"mmst://127.0.0.1:{gateway.Origin.MmstPort}/single.wmv");

        var bytes = await gateway.ReadAsync($"/play?url={url}", TimeSpan.FromSeconds(20));
        var path = Path.Combine(Directory.CreateTempSubdirectory("mmsgw-play-").FullName, "play.asf");
        await File.WriteAllBytesAsync(path, bytes);
        Assert.Equal(string.Empty, await ToolRunner.DecodeErrorsAsync(path));

        var other = await gateway.Http.GetAsync($"/play?url={Uri.EscapeDataString("mms://example.com/live")}");
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        var scheme = await gateway.Http.GetAsync($"/play?url={Uri.EscapeDataString("file:///etc/passwd")}");
        Assert.Equal(HttpStatusCode.BadRequest, scheme.StatusCode);
    }

    [Fact]
    public async Task Ad_hoc_play_is_closed_by_default()
    {
        await using var gateway = await GatewayHarness.StartAsync();
        var response = await gateway.Http.GetAsync($"/play?url={Uri.EscapeDataString($"mmst://127.0.0.1:{gateway.Origin.MmstPort}/single.wmv")}");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}
