using System.Globalization;
using MmsGateway.Origin;

namespace MmsGateway.Streams;

/// <summary>
/// The demo of <c>serve</c> with no stream configured: an MMS origin on loopback ephemeral ports looping the
/// bundled sample as live stream <c>demo</c>, registered as <c>Gateway:Streams:demo:Source</c> before the options
/// are bound, so a newcomer sees a playing stream at once.
/// </summary>
public static class DemoOrigin
{
    public const string StreamName = "demo";

    /// <summary>Starts the demo origin when the configuration names no stream; returns it (or null) for disposal.</summary>
    public static OriginServer? StartIfNeeded(WebApplicationBuilder builder)
    {
        var gateway = builder.Configuration.GetSection(GatewayOptions.Section);
        if (gateway.GetSection("Streams").GetChildren().Any() || !gateway.GetValue("Demo", true)) return null;
        var sample = Path.Combine(AppContext.BaseDirectory, "Demo", "demo.wmv");
        if (!File.Exists(sample)) return null;
        var origin = OriginServer.StartAsync(new OriginOptions
        {
            Root = Path.GetDirectoryName(sample)!,
            MmstPort = 0,
            HttpPort = 0,
            UdpPort = -1,
            // RTSP too, on any free port, so that the demo offers every protocol the origin speaks.
            RtspPort = 0,
            Live = new Dictionary<string, string> { [StreamName] = sample },
        }).GetAwaiter().GetResult();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"Gateway:Streams:{StreamName}:Source"] = string.Create(CultureInfo.InvariantCulture, $"mms://127.0.0.1:{origin.MmstPort}/{StreamName}"),
            [$"Gateway:Streams:{StreamName}:AlwaysOn"] = "true",
        });
        return origin;
    }
}
