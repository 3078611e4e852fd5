using MmsGateway.Tests.Streams;

namespace MmsGateway.Tests.Observability;

/// <summary>
/// A gateway fed over RTSPU by an origin that drops RTP datagrams on purpose: the session's NACKs recover them and
/// <c>mmsgw_upstream_lost_packets_total{outcome="recovered"}</c> says so (docs/design.md#metrics); the scrape stays
/// clean for promtool.
/// </summary>
public sealed class UpstreamLossMetricsTests
{
    [Fact]
    public async Task Losses_of_an_RTSPU_upstream_are_counted_recovered_and_the_scrape_is_clean()
    {
        await using var gateway = await GatewayHarness.StartAsync(new Dictionary<string, string>(),
            origin => [$"--Gateway:Streams:lossy:Source=rtspu://127.0.0.1:{origin.RtspPort}/live"],
            options => options with { UdpLossPercent = 10 });
        byte[] view = await gateway.ReadAsync("/streams/lossy/live.asf", TimeSpan.FromSeconds(4));
        Assert.True(view.Length > 30_000, $"the viewer got only {view.Length} bytes");

        double? recovered = null;
        for (int i = 0; i < 40 && recovered is not > 0; i++)
        {
            recovered = await gateway.MetricAsync("mmsgw_upstream_lost_packets_total", "outcome=\"recovered\"");
            if (recovered is not > 0) await Task.Delay(250);
        }

        (long dropped, long resent) = gateway.Origin.RtspUdpCounters;
        Assert.True(dropped > 0, "the origin dropped nothing");
        Assert.True(recovered > 0, $"no recovered packets counted ({dropped} dropped, {resent} resent by the origin)");
        Assert.InRange(recovered!.Value, 1, resent);

        string body = await gateway.Http.GetStringAsync("/metrics");
        var scrape = PrometheusText.Parse(body);
        Assert.Equal("counter", scrape.Types["mmsgw_upstream_lost_packets_total"]);
        Assert.True(scrape.Value("mmsgw_upstream_lost_packets_total", ("stream", "lossy"), ("protocol", "rtspu"), ("outcome", "recovered")) >= recovered);
        var check = await Promtool.CheckMetricsAsync(body);
        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.True(check.StandardOutput.Length == 0 && check.StandardError.Length == 0, "promtool printed: " + check);
    }
}
