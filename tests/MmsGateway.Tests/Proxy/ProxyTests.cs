using MmsGateway.Tests.Streams;

namespace MmsGateway.Tests.Proxy;

/// <summary>YARP as the reverse-proxy layer: plain HTTP routes, and a stream whose server comes from a YARP cluster.</summary>
public sealed class ProxyTests
{
    [Fact]
    public async Task Plain_http_routes_are_forwarded_by_yarp()
    {
        await using var gateway = await GatewayHarness.StartAsync(origin =>
        [
            "--ReverseProxy:Routes:legacy:ClusterId=origin-http",
            "--ReverseProxy:Routes:legacy:Match:Path=/legacy/{**rest}",
            "--ReverseProxy:Routes:legacy:Transforms:0:PathRemovePrefix=/legacy",
            $"--ReverseProxy:Clusters:origin-http:Destinations:d1:Address=http://127.0.0.1:{origin.HttpPort}/",
        ]);
        // A browser asking the origin's MMSH port for media gets WMS's [Reference] answer, through the gateway.
        var body = await gateway.Http.GetStringAsync("/legacy/single.wmv");
        Assert.StartsWith("[Reference]", body, StringComparison.Ordinal);
        var status = await gateway.Http.GetStringAsync("/legacy/_admin/status");
        Assert.Contains("\"live\"", status, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stream_naming_a_cluster_fails_over_to_the_healthy_destination()
    {
        var dead = GatewayHarness.FreeTcpPort();
        await using var gateway = await GatewayHarness.StartAsync(origin =>
        [
            "--Gateway:Streams:clustered:Source=mmsh://placeholder/live",
            "--Gateway:Streams:clustered:Cluster=origins",
            $"--ReverseProxy:Clusters:origins:Destinations:1-primary:Address=http://127.0.0.1:{dead}/",
            $"--ReverseProxy:Clusters:origins:Destinations:2-standby:Address=http://127.0.0.1:{origin.HttpPort}/",
            "--ReverseProxy:Clusters:origins:HealthCheck:Active:Enabled=true",
            "--ReverseProxy:Clusters:origins:HealthCheck:Active:Interval=00:00:01",
            "--ReverseProxy:Clusters:origins:HealthCheck:Active:Timeout=00:00:01",
            "--ReverseProxy:Clusters:origins:HealthCheck:Active:Policy=ConsecutiveFailures",
            "--ReverseProxy:Clusters:origins:HealthCheck:Active:Path=/_admin/status",
            "--ReverseProxy:Clusters:origins:Metadata:ConsecutiveFailuresHealthPolicy.Threshold=1",
        ]);
        var bytes = await gateway.ReadAsync("/streams/clustered/live.asf", TimeSpan.FromSeconds(15));
        Assert.True(bytes.Length > 100_000, $"only {bytes.Length} bytes through the standby");
        var header = Asf.AsfHeaderReader.Parse(bytes);
        Assert.True(header.IsBroadcast);
    }
}
