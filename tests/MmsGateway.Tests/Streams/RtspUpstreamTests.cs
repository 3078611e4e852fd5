using System.Text.Json;
using MmsGateway.Testing;

namespace MmsGateway.Tests.Streams;

/// <summary>
/// A configured <c>mms://</c> source whose server speaks MS-RTSP: the default rollover reaches RTSP over TCP first
/// (docs/protocol/rtsp.md#s1.1), the hub plays it, viewers get decodable ASF, and the attempt is counted with the
/// protocol label <c>rtspt</c> (docs/design.md#metrics).
/// </summary>
public sealed class RtspUpstreamTests
{
    [Fact]
    public async Task Mms_source_on_an_RTSP_server_plays_over_rtspt_and_is_counted()
    {
        // An explicit port is used by every protocol: the origin's RTSP port answers the first (RTSP) attempt.
        await using var gateway = await GatewayHarness.StartAsync(origin =>
        [
            $"--Gateway:Streams:rtsp:Source=mms://127.0.0.1:{origin.RtspPort}/live",
            $"--Gateway:Streams:rtspu:Source=rtspu://127.0.0.1:{origin.RtspPort}/live",
        ]);
        byte[] view = await gateway.ReadAsync("/streams/rtsp/live.asf", TimeSpan.FromSeconds(4));
        Assert.True(view.Length > 50_000, $"the viewer got only {view.Length} bytes");
        var header = Asf.AsfHeaderReader.Parse(view);
        int start = header.Raw.Length + Asf.AsfDataObjectHeader.Size;
        int packets = (view.Length - start) / header.PacketSize;
        string path = Path.Combine(Directory.CreateTempSubdirectory("mmsgw-rtsp-").FullName, "view.asf");
        await File.WriteAllBytesAsync(path, view[..(start + packets * header.PacketSize)]);
        Assert.Equal(string.Empty, await ToolRunner.DecodeErrorsAsync(path));

        byte[] udp = await gateway.ReadAsync("/streams/rtspu/live.asf", TimeSpan.FromSeconds(3));
        Assert.True(udp.Length > 30_000, $"the RTSPU viewer got only {udp.Length} bytes");

        using var status = JsonDocument.Parse(await gateway.Http.GetStringAsync("/streams"));
        string? ProtocolOf(string name) => status.RootElement.GetProperty("streams").EnumerateArray()
            .Single(s => s.GetProperty("name").GetString() == name).GetProperty("protocol").GetString();
        Assert.Equal("rtspt", ProtocolOf("rtsp"));
        Assert.Equal("rtspu", ProtocolOf("rtspu"));
        Assert.True(await gateway.MetricAsync("mmsgw_upstream_connect_attempts_total", "protocol=\"rtspt\"") >= 1);
        Assert.True(await gateway.MetricAsync("mmsgw_upstream_connect_attempts_total", "protocol=\"rtspu\"") >= 1);
    }
}
